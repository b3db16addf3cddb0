import { useApp } from '../store/appStore.ts';
import { CLINICAL_TEXT_FIELD } from './clinicalText.ts';

const HELP =
  'Guides text-based pseudo-labels: the model reads this sentence with the image. Say where the structures lie and how they look, e.g. "The nuclei density in the upper right is high."';

/**
 * The active volume's free-text description, edited in place and saved with the workspace. It sits above the
 * classes because both are what text guidance reads: the image's sentence and each class's position and shape.
 */
export function VolumeDescription() {
  const id = useApp((s) => s.activeVolumeId);
  const name = useApp((s) => (s.activeVolumeId ? s.volumes[s.activeVolumeId]?.volume.name : undefined));
  const description = useApp((s) => (s.activeVolumeId ? (s.volumes[s.activeVolumeId]?.volume.description ?? '') : ''));
  const setDescription = useApp((s) => s.setVolumeDescription);
  if (!id || name === undefined) return null;
  return (
    <section className="panel volume-description">
      <h2 className="panel-title">
        <label htmlFor="volume-description" title={HELP}>
          Image description
        </label>
      </h2>
      <textarea
        {...CLINICAL_TEXT_FIELD}
        id="volume-description"
        data-testid="volume-description"
        rows={3}
        title={HELP}
        aria-describedby="volume-description-hint"
        placeholder="Where the structures lie and how they look, e.g. “The nuclei density in the upper right is high.”"
        value={description}
        onChange={(e) => setDescription(id, e.currentTarget.value)}
        onKeyDown={(e) => {
          // Escape hands the keyboard back to the viewer's shortcuts.
          if (e.key === 'Escape') e.currentTarget.blur();
        }}
      />
      <p id="volume-description-hint" className="hint" title={name}>
        For <span className="hint-subject">{name}</span>; guides text-based pseudo-labels.
      </p>
    </section>
  );
}
