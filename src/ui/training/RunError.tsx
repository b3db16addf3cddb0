import { trainingController } from '../../app/training.ts';
import { useApp } from '../../store/appStore.ts';
import { plainRunError } from '../runErrorWords.ts';

/**
 * Why the run ended, in plain words; the engine's own text behind a toggle; and, after an engine failure (its heap
 * spent, the GPU lost), a button that resumes from the last saved model in a fresh worker.
 */
export function RunError() {
  const error = useApp((s) => s.training.error);
  const details = useApp((s) => s.training.errorDetails);
  const engine = useApp((s) => s.training.engineFailure);
  const checkpoint = useApp((s) => s.training.checkpoint);
  const status = useApp((s) => s.training.status);
  if (!error) return null;
  // The worker's own message can be raw engine text ("Aborted(). Build with -sASSERTIONS…"); say it as the
  // message area would, with the raw text behind Details.
  const shown = plainRunError(error, details);
  const c = trainingController();
  const canRestart = engine !== null && status !== 'starting' && status !== 'running' && status !== 'paused';
  return (
    <div className="run-error" data-testid="train-error" data-engine={engine ?? ''}>
      <p className="hint error-text">{shown.text}</p>
      {shown.details && (
        <details data-testid="train-error-details">
          <summary>Details</summary>
          <pre className="hint">{shown.details}</pre>
        </details>
      )}
      {canRestart && (
        <button data-testid="train-error-resume" onClick={() => void c?.start()} title="Start a fresh training engine and continue from the last saved model">
          {checkpoint ? `▶ Resume from step ${checkpoint.step}` : '▶ Start again'}
        </button>
      )}
    </div>
  );
}
