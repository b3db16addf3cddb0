import { useApp } from '../store/appStore.ts';
import type { AppState } from '../store/appStore.ts';
import { currentGuideStep, GUIDE_STEPS, type GuideProgress } from './guideState.ts';
import './guide.css';

/** Each flag is selected on its own so the guide re-renders only when one of them flips, not on every store change. */
function useGuideProgress(): GuideProgress {
  const ownFiles = useApp((s) => s.volumeOrder.some((id) => s.volumes[id]?.volume.source.format !== 'demo'));
  const classChosen = useApp((s) => s.classes.some((c) => c.value === s.activeClassValue));
  const labeled = useApp(ownLabeled);
  const trained = useApp((s) => s.training.status !== 'idle' || s.training.checkpoint !== null);
  return { ownFiles, classChosen, labeled, trained };
}

function ownLabeled(s: AppState): boolean {
  return s.volumeOrder.some((id) => {
    const e = s.volumes[id];
    return !!e && e.volume.source.format !== 'demo' && e.labels.slices.some((axis) => axis.some((p) => p !== 0));
  });
}

/**
 * The first-run guide: five steps from opening files to reviewing, the next one highlighted. It sits in the layout
 * above the images (not as a dialog), so it never blocks the app: a user can follow it while working.
 */
export function Guide({ onClose }: { onClose: () => void }) {
  const progress = useGuideProgress();
  const current = currentGuideStep(progress);
  return (
    <section className="guide" data-testid="guide" aria-labelledby="guide-title">
      <div className="guide-head">
        <h2 id="guide-title">Getting started</h2>
        <span className="guide-note">Label a few slices; the model learns from them and labels the rest.</span>
        <button
          className="small guide-close"
          data-testid="guide-dismiss"
          onClick={onClose}
          title="Hide the guide (it comes back from Guide in the top bar, or from ?)"
        >
          Got it, hide
        </button>
      </div>
      <ol className="guide-steps">
        {GUIDE_STEPS.map((step, n) => {
          const state = n < current ? 'done' : n === current ? 'current' : 'todo';
          return (
            <li key={step.title} className={`guide-step ${state}`} data-state={state} aria-current={state === 'current' ? 'step' : undefined}>
              <span className="guide-number" aria-hidden="true">
                {state === 'done' ? '✓' : n + 1}
              </span>
              <span className="guide-body">
                <strong>{step.title}</strong>
                <span>{step.text}</span>
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
