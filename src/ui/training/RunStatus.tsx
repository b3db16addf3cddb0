import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/appStore.ts';
import { BACKEND_LABELS } from '../../train/backendNames.ts';
import { presetModelKind } from '../../train/config.ts';
import { MemoryEstimate } from './MemoryEstimate.tsx';
import { methodShortName } from './MethodSelect.tsx';
import { networkLabel } from './NetworkSelect.tsx';
import { RunError } from './RunError.tsx';

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The run's state, backend, figures and summary, with its memory estimate and why it ended. Memoised: the sidebar
 * re-renders on every slice change; this part shows none of it.
 */
export const RunStatus = memo(function RunStatus() {
  // Narrow, as in RunControls: a slice change must not re-render the run's status.
  const t = useApp(
    useShallow((s) => {
      const r = s.training;
      return {
        status: r.status,
        stopping: r.stopping,
        restored: r.restored,
        step: r.step,
        epoch: r.epoch,
        losses: r.losses,
        backend: r.backend,
        checkpoint: r.checkpoint,
        preset: r.preset,
        network: r.network,
        modelSize: r.modelSize,
        info: r.info,
        slicesPerSecond: r.slicesPerSecond,
        stepsPerSecond: r.stepsPerSecond,
        elapsedMs: r.elapsedMs,
      };
    }),
  );
  const lastLoss = t.losses[t.losses.length - 1]?.total;
  const backend = t.backend;
  // After a reload the panel shows the stored run as it stood; Start (Resume) continues it.
  const restoredAt = t.status === 'idle' && t.restored && t.checkpoint ? t.checkpoint.step : null;
  const restoredChosen =
    !!t.checkpoint &&
    t.checkpoint.preset === t.preset &&
    t.checkpoint.network === (presetModelKind(t.preset) ?? t.network) &&
    (t.modelSize === 'auto' || t.modelSize === t.checkpoint.size);
  return (
    <div
      className={`train-status status-${t.stopping ? 'stopping' : restoredAt !== null ? 'paused' : t.status}`}
      data-testid="train-status"
      data-status={t.status}
      data-step={t.step}
      data-loss={lastLoss ?? ''}
      data-backend={backend?.name ?? ''}
    >
      <div className="train-status-line">
        <span className="status-pill" data-testid="status-pill">
          {restoredAt !== null ? `paused at step ${restoredAt}` : t.status === 'idle' ? 'not started' : t.stopping ? 'stopping…' : t.status}
        </span>
        {backend && (
          <span
            className="backend"
            title={[backend.adapter ? `Adapter: ${backend.adapter}` : null, ...backend.notes].filter(Boolean).join('\n') || 'The fastest backend available'}
          >
            {BACKEND_LABELS[backend.name]}
            {backend.adapter ? ` · ${backend.adapter}` : ''}
          </span>
        )}
        {backend?.customKernels && (
          <span className="kernels" data-testid="kernels-status" data-on={backend.customKernels.on ? 'true' : 'false'} title={backend.customKernels.note}>
            {backend.customKernels.on ? 'our kernels' : "tfjs's kernels"}
          </span>
        )}
      </div>
      {restoredAt !== null && (
        <p className="hint" data-testid="restored-hint">
          {restoredChosen
            ? `Paused at step ${restoredAt} — Resume to continue. The charts and pseudo-labels are those saved with the model.`
            : `The charts and pseudo-labels are those of the ${t.checkpoint ? methodShortName(t.checkpoint.preset) : ''} model, paused at step ${restoredAt}: choose its method, network and size again to resume it.`}
        </p>
      )}
      {backend && backend.notes.length > 0 && (
        <details className="backend-notes">
          <summary>Why not a faster backend?</summary>
          <ul>
            {backend.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
      <dl className="stats">
        <div>
          <dt>Step</dt>
          <dd>{t.step}</dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd>{t.epoch.toFixed(1)}</dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd>{lastLoss !== undefined ? lastLoss.toFixed(3) : '–'}</dd>
        </div>
        <div>
          <dt>{t.info?.network === '3d' ? 'Patches/s' : 'Slices/s'}</dt>
          <dd>{t.slicesPerSecond ? t.slicesPerSecond.toFixed(1) : '–'}</dd>
        </div>
        <div>
          <dt>Steps/s</dt>
          <dd data-testid="steps-per-second">{t.stepsPerSecond ? (t.stepsPerSecond >= 1 ? t.stepsPerSecond.toFixed(1) : t.stepsPerSecond.toFixed(2)) : '–'}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{duration(t.elapsedMs)}</dd>
        </div>
      </dl>
      {t.info && (
        <p className="hint" data-testid="run-info" data-network={t.info.network}>
          {networkLabel(t.info.network)}, {t.info.modelSize} model (width {t.info.width}, depth {t.info.depth}, {t.info.parameters.toLocaleString()}{' '}
          parameters), patch {t.info.patch.join('×')} · {t.info.labeledSlices} labeled slices train, {t.info.validationSlices} validate,{' '}
          {t.info.unlabeledSlices} feed the unlabeled term
          {t.info.resumedAt !== null ? ` · resumed at step ${t.info.resumedAt}` : ''}
        </p>
      )}
      <MemoryEstimate />
      <RunError />
    </div>
  );
});
