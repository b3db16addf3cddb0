import { useApp } from '../store/appStore.ts';
import { Section } from './Section.tsx';
import { VolumeDescription } from './VolumeDescription.tsx';

/**
 * The image description folds away by default: only the text-guided methods read it, and open it took the height
 * that Review and Predict need on a 1000 px screen. Folded, its title still says it is there; a user who opens it
 * finds it open on the next visit (Section remembers).
 */
export function DescriptionSection() {
  const hasVolume = useApp((s) => s.activeVolumeId !== null);
  if (!hasVolume) return null;
  return (
    <Section id="description" title="Image description" defaultOpen={false}>
      <VolumeDescription />
    </Section>
  );
}
