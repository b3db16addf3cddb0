import { memo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { trainingController } from '../app/training.ts';
import { useApp } from '../store/appStore.ts';
import { BACKEND_LABELS, BACKEND_ORDER, type BackendName } from '../train/backendNames.ts';
import { MODEL_SIZE_LABELS, MODEL_SIZES, type ModelSizeChoice } from '../train/modelSize.ts';
import { presetModelKind, type ModelKind, type PresetName } from '../train/config.ts';
import { describeRun3DChange } from '../train/describeMemory.ts';
import { hexColor } from '../volume/classes.ts';
import { LineChart } from './LineChart.tsx';
import { memoryEstimateLine, memoryPool } from './memoryWords.ts';
import { TextGuidancePanel } from './TextGuidancePanel.tsx';
import { useViewerUi } from './viewerState.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { Section } from './Section.tsx';
import { plainRunError } from './runErrorWords.ts';
import { runKey, type RunSummary } from '../persist/runKey.ts';
import { planStart } from '../app/startPlan.ts';
import { MethodSelect, methodLabel, methodShortName } from './training/MethodSelect.tsx';

const NETWORK_LABELS: Record<ModelKind, string> = {
  '2d': '2D ResUNet · slices',
  '3d': '3D V-Net · volume patches',
};

const NETWORK_TITLE =
  '2D: a ResUNet learns from each slice on its own: quick, light on memory, works for any image. ' +
  '3D: a V-Net learns from blocks of the volume, so it sees the slices above and below: slower and hungrier for memory, ' +
  'but it keeps structures consistent across slices. Choose while training is stopped.';

/** Why a preset holds the network, in the words the panel shows beside the locked choice. */
const NETWORK_LOCK_REASONS: Partial<Record<PresetName, string>> = {
  tak: 'TAK trains the 3D network: the part that draws each class from its description reads the V-Net’s features of whole blocks of the volume.',
  promptssl: 'PromptSSL trains the 2D network: its prompt-guided mask comes from a vision transformer over slices.',
  duss: 'DuSSS trains the 2D network: its text-guided mask comes from a vision transformer over slices.',
};

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

// Memoised: the sidebar re-renders on every slice change; this part shows none of it.
const Controls = memo(function Controls() {
  // Only the fields shown here: the whole training state changes on every slice change (focus) and prediction.
  const t = useApp(
    useShallow((s) => {
      const r = s.training;
      return { status: r.status, stopping: r.stopping, step: r.step, preset: r.preset, network: r.network, modelSize: r.modelSize, checkpoint: r.checkpoint, savedRuns: r.savedRuns, backend: r.backend, backendPreference: r.backendPreference, customKernels: r.customKernels, info: r.info };
    }),
  );
  const setPreset = useApp((s) => s.setPreset);
  const setNetwork = useApp((s) => s.setNetwork);
  const setBackend = useApp((s) => s.setBackendPreference);
  const setKernels = useApp((s) => s.setCustomKernels);
  const setSize = useApp((s) => s.setModelSize);
  const c = trainingController();
  const busy = t.status === 'starting' || t.status === 'running' || t.status === 'paused';
  const held = presetModelKind(t.preset);
  const network = held ?? t.network;
  const [asking, setAsking] = useState<{ shown: RunSummary; replaces: boolean } | null>(null);
  const [askingUnsaved, setAskingUnsaved] = useState<number | null>(null);
  const shown = t.checkpoint?.stored && t.checkpoint.size ? runKey(t.checkpoint.preset, t.checkpoint.network, t.checkpoint.size) : null;
  const classValues = useApp((s) => s.classes).map((x) => x.value);
  const heldInTab = t.checkpoint && !t.checkpoint.stored ? { step: t.checkpoint.step } : null;
  const plan = planStart(t.savedRuns, { preset: t.preset, network, size: t.modelSize, classValues }, shown, heldInTab);
  const resumeText = plan.kind === 'resume' ? `Resume (step ${plan.run.step})` : 'Start';
  // While a run is on, Start says what is happening instead of what it would do.
  const runningText = t.status === 'starting' ? 'Starting…' : t.status === 'running' ? `Training… step ${t.step}` : null;
  const begin = (): void => {
    if (plan.kind === 'ask') setAsking({ shown: plan.shown, replaces: plan.replaces });
    else if (plan.kind === 'askUnsaved') setAskingUnsaved(plan.step);
    else void c?.start();
  };
  return (
    <>
      {asking && (
        <StartDialog
          shown={asking.shown}
          replaces={asking.replaces}
          next={methodLabel(t.preset)}
          onCancel={() => setAsking(null)}
          onKeep={() => {
            setAsking(null);
            void c?.start();
          }}
          onDiscard={() => {
            setAsking(null);
            void c?.start({ discard: asking.shown.key });
          }}
        />
      )}
      {askingUnsaved !== null && (
        <ConfirmDialog
          title="Start afresh without the model in this tab?"
          body={`The model at step ${askingUnsaved} is held in this tab only: the browser's storage did not take it (${t.checkpoint?.problem ?? 'storage unavailable'}). A new run starts afresh and replaces it; export it first to keep it in a file.`}
          confirmLabel="Start afresh"
          secondary={{
            label: 'Export it, then start',
            onClick: () => {
              setAskingUnsaved(null);
              void c?.exportModel().then(() => c.start());
            },
          }}
          onConfirm={() => {
            setAskingUnsaved(null);
            void c?.start();
          }}
          onCancel={() => setAskingUnsaved(null)}
        />
      )}
      <MethodSelect value={t.preset} disabled={busy} onChange={setPreset} />
      <label className="field" title={held ? NETWORK_LOCK_REASONS[t.preset] : NETWORK_TITLE}>
        <span>Network</span>
        <select
          data-testid="network-select"
          value={network}
          disabled={busy || held !== null}
          aria-describedby={held ? 'network-lock' : undefined}
          onChange={(e) => setNetwork(e.currentTarget.value as ModelKind)}
          title={held ? NETWORK_LOCK_REASONS[t.preset] : NETWORK_TITLE}
        >
          {(['2d', '3d'] as const).map((k) => (
            <option key={k} value={k}>
              {NETWORK_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {held && (
        <p className="hint network-lock" id="network-lock" data-testid="network-lock">
          {NETWORK_LOCK_REASONS[t.preset]}
        </p>
      )}
      <label className="field">
        <span>Backend</span>
        <select data-testid="backend-select" value={t.backendPreference} disabled={busy} onChange={(e) => setBackend(e.currentTarget.value as 'auto' | BackendName)} title="Where training runs. Auto picks the fastest hardware backend and says why others were passed over.">
          {/* While a run is on, Auto names the backend it chose. */}
          <option value="auto">{busy && t.backend ? `Auto: ${BACKEND_LABELS[t.backend.name]}` : 'Auto (fastest available)'}</option>
          {BACKEND_ORDER.map((b) => (
            <option key={b} value={b}>
              {BACKEND_LABELS[b]}
            </option>
          ))}
        </select>
      </label>
      <label className="check" title="WebGPU only: run our own WGSL kernels (3D convolutions, filter gradients, fused losses and teacher update) instead of tfjs's. Turn off to compare speed or results.">
        <input type="checkbox" data-testid="custom-kernels" checked={t.customKernels} disabled={busy} onChange={(e) => setKernels(e.currentTarget.checked)} />
        <span>Our GPU kernels</span>
      </label>
      <label className="field">
        <span>Model</span>
        <select data-testid="model-size-select" value={busy && t.info ? t.info.modelSize : t.modelSize} disabled={busy} onChange={(e) => setSize(e.currentTarget.value as ModelSizeChoice)} title="Network size: bigger learns more but each step costs more. A resumed model keeps its size.">
          {MODEL_SIZES.map((m) => (
            <option key={m} value={m}>
              {MODEL_SIZE_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      <div className="button-row">
        {t.status === 'paused' ? (
          <button data-testid="train-start" className="primary" onClick={() => c?.resume()} title="Continue training">
            ▶ Resume
          </button>
        ) : (
          <button data-testid="train-start" className="primary" disabled={busy} onClick={begin} title={runningText ? 'Training runs: Pause or Stop it (the model is saved either way)' : "Train on this workspace's labeled slices (and unlabeled ones, for mean teacher) on your own GPU"}>
            {runningText ?? `▶ ${resumeText}`}
          </button>
        )}
        <button data-testid="train-pause" disabled={t.status !== 'running'} onClick={() => c?.pause()} title="Pause training (the model is saved)">
          Pause
        </button>
        <button data-testid="train-stop" disabled={!busy || t.stopping} onClick={() => c?.stop()} title="Stop training (the model is saved and can be resumed)">
          ■ Stop
        </button>
      </div>
    </>
  );
});

function runName(r: RunSummary): string {
  return `${methodShortName(r.preset)} model (${r.network.toUpperCase()}, ${r.size}, step ${r.step})`;
}

/** Asked before a Start that would leave the shown model behind or overwrite it: keep it, or start afresh without it. */
function StartDialog({ shown, replaces, next, onCancel, onKeep, onDiscard }: { shown: RunSummary; replaces: boolean; next: string; onCancel: () => void; onKeep: () => void; onDiscard: () => void }) {
  const name = runName(shown);
  if (replaces) {
    return (
      <ConfirmDialog
        title="Replace the saved model?"
        body={`The saved ${name} was trained for other classes, so it cannot continue. A new run with these choices starts afresh and replaces it. To keep it, Cancel and use Export model first.`}
        confirmLabel="Start afresh, replace it"
        onConfirm={onDiscard}
        onCancel={onCancel}
      />
    );
  }
  return (
    <ConfirmDialog
      title="Keep the saved model?"
      body={`${next} starts afresh. The ${name} can be kept: choosing its method, network and size again resumes it where it stopped.`}
      confirmLabel={`Keep it, start afresh`}
      confirmKind="primary"
      secondary={{ label: `Delete it, start afresh`, onClick: onDiscard, danger: true }}
      onConfirm={onKeep}
      onCancel={onCancel}
    />
  );
}

// Memoised: the sidebar re-renders on every slice change; this part shows none of it.
const Status = memo(function Status() {
  // Narrow, as in Controls: a slice change must not re-render the run's status.
  const t = useApp(
    useShallow((s) => {
      const r = s.training;
      return { status: r.status, stopping: r.stopping, restored: r.restored, step: r.step, epoch: r.epoch, losses: r.losses, backend: r.backend, checkpoint: r.checkpoint, preset: r.preset, network: r.network, modelSize: r.modelSize, info: r.info, slicesPerSecond: r.slicesPerSecond, stepsPerSecond: r.stepsPerSecond, elapsedMs: r.elapsedMs };
    }),
  );
  const lastLoss = t.losses[t.losses.length - 1]?.total;
  const backend = t.backend;
  // After a reload the panel shows the stored run as it stood; Start (Resume) continues it.
  const restoredAt = t.status === 'idle' && t.restored && t.checkpoint ? t.checkpoint.step : null;
  const restoredChosen = !!t.checkpoint && t.checkpoint.preset === t.preset && t.checkpoint.network === (presetModelKind(t.preset) ?? t.network) && (t.modelSize === 'auto' || t.modelSize === t.checkpoint.size);
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
        <span className="status-pill" data-testid="status-pill">{restoredAt !== null ? `paused at step ${restoredAt}` : t.status === 'idle' ? 'not started' : t.stopping ? 'stopping…' : t.status}</span>
        {backend && (
          <span className="backend" title={[backend.adapter ? `Adapter: ${backend.adapter}` : null, ...backend.notes].filter(Boolean).join('\n') || 'The fastest backend available'}>
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
          {NETWORK_LABELS[t.info.network]}, {t.info.modelSize} model (width {t.info.width}, depth {t.info.depth}, {t.info.parameters.toLocaleString()} parameters), patch {t.info.patch.join('×')} · {t.info.labeledSlices} labeled slices train, {t.info.validationSlices} validate, {t.info.unlabeledSlices} feed the unlabeled term
          {t.info.resumedAt !== null ? ` · resumed at step ${t.info.resumedAt}` : ''}
        </p>
      )}
      <MemoryEstimate />
      <RunError />
    </div>
  );
});

/** The memory estimate against the budget (2D and 3D), and — when the network as asked did not fit — why and what changed. */
function MemoryEstimate() {
  const m = useApp((s) => s.training.memory);
  const backend = useApp((s) => s.training.backend?.name);
  if (!m) return null;
  const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
  const name = m.type === 'memory2d' ? 'The network' : 'The 3D network';
  return (
    <div className="memory-estimate" data-testid="memory-estimate" data-fits={m.reason === null} data-pool={memoryPool(backend)} title={`Estimated from the ${m.type === 'memory2d' ? 'ResUNet' : 'V-Net'}’s shapes before training starts; the budget is ${m.budgetSource}.`}>
      <p className="hint" data-testid="memory-line">
        {memoryEstimateLine(m, backend)}
      </p>
      {m.reason && (
        <p className="hint warn-text" data-testid="memory-adjusted">
          {m.used
            ? `${name} as set up does not fit: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'nothing could change'}.`
            : `${name} does not fit even at its smallest: ${m.reason}. Pick a smaller model size or a backend with more memory.`}
        </p>
      )}
    </div>
  );
}

/**
 * Why the run ended, in plain words; the engine's own text behind a toggle; and, after an engine failure (its heap
 * spent, the GPU lost), a button that resumes from the last saved model in a fresh worker.
 */
function RunError() {
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

function Charts() {
  const losses = useApp((s) => s.training.losses);
  const validation = useApp((s) => s.training.validation);
  const classes = useApp((s) => s.training.trainedClasses);
  const colours = useApp((s) => s.classes);
  const info = useApp((s) => s.training.info);
  const latest = validation[validation.length - 1];
  const lossSeries = [
    { name: 'total', color: '#e4e7ee', points: losses.map((l) => [l.step, l.total] as [number, number]) },
    { name: 'CE', color: '#38bdf8', points: losses.map((l) => [l.step, l.ce] as [number, number]) },
    { name: 'Dice', color: '#f472b6', points: losses.map((l) => [l.step, l.dice] as [number, number]) },
  ];
  if (losses.some((l) => l.consistency > 0)) lossSeries.push({ name: 'consistency', color: '#fbbf24', points: losses.map((l) => [l.step, l.consistency] as [number, number]) });
  const diceSeries = classes.map((c, n) => ({
    name: c.name,
    color: hexColor(colours.find((x) => x.value === c.value)?.color ?? [200, 200, 200]),
    points: validation.filter((v) => v.dice[n] !== null && v.dice[n] !== undefined).map((v) => [v.step, v.dice[n]!] as [number, number]),
  }));
  return (
    <>
      <h3 className="subhead">Loss</h3>
      <LineChart series={lossSeries} logY xLabel="step" testId="loss-chart" formatY={(y) => (y >= 0.1 ? y.toFixed(2) : y.toExponential(0))} />
      <h3 className="subhead">
        Validation Dice
        <span className="val-dice" data-testid="val-dice" data-dice={latest?.mean ?? ''}>
          {latest?.mean !== null && latest?.mean !== undefined ? ` ${latest.mean.toFixed(3)} mean` : ' –'}
        </span>
      </h3>
      {info && info.validationSlices === 0 ? (
        <p className="hint">No slices are held out: label 5 or more slices (a share is held out), or mark a labeled slice "use for validation".</p>
      ) : (
        <LineChart series={diceSeries} yRange={[0, 1]} xLabel="step" formatY={(y) => y.toFixed(2)} />
      )}
    </>
  );
}

function Review() {
  const focus = useApp((s) => s.training.focus);
  const hasPrediction = useApp((s) => {
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    return !!f && !!layer && layer.sliceStep[f.k]! >= 0 && !layer.rejected.includes(f.k);
  });
  const step = useApp((s) => {
    const f = s.training.focus;
    return f ? (s.training.predictions[f.volumeId]?.sliceStep[f.k] ?? -1) : -1;
  });
  const classes = useApp((s) => s.classes);
  const c = trainingController();
  const controller = useViewerUi((s) => s.controller);
  return (
    <>
      {/* The section's header says "Review"; this names the slice the buttons act on. */}
      {focus && <h3 className="subhead">Slice {focus.k + 1}</h3>}
      <p className="hint">{hasPrediction ? `Pseudo-label from step ${step}.` : 'No pseudo-label for this slice yet.'}</p>
      <div className="button-row">
        <button data-testid="accept-slice" disabled={!hasPrediction} onClick={() => c?.acceptSlice()} title="Accept the pseudo-label of this slice as labels (A); undo with Ctrl+Z">
          ✓ Accept slice
        </button>
        <button data-testid="reject-slice" disabled={!hasPrediction} onClick={() => c?.rejectSlice()} title="Hide this slice's pseudo-label until the model changes its mind (X)">
          ✕ Reject
        </button>
      </div>
      <div className="button-row wrap">
        {classes.map((cl) => (
          <button key={cl.value} className="small" data-testid="accept-class" disabled={!hasPrediction} onClick={() => c?.acceptSlice(cl.value)} title={`Accept only ${cl.name} from the pseudo-label`}>
            <i className="dot" style={{ background: hexColor(cl.color) }} /> {cl.name}
          </button>
        ))}
      </div>
      <button
        data-testid="next-uncertain"
        onClick={() => {
          const k = c?.nextUncertainSlice();
          if (k !== null && k !== undefined && controller) controller.jumpToVoxelSlice(2, k);
        }}
        title="Jump to the unlabeled slice where teacher and student disagree most: label it next (N)"
      >
        ↯ Next most uncertain slice
      </button>
    </>
  );
}

function PredictAndModel() {
  const p = useApp((s) => s.training.predictAll);
  const predicted = useApp((s) => Object.keys(s.training.fullPredictions).length);
  const checkpoint = useApp((s) => s.training.checkpoint);
  const c = trainingController();
  const importRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <h3 className="subhead">Predictions</h3>
      <div className="button-row">
        <button data-testid="predict-all" disabled={p?.running} onClick={() => c?.predictAll()} title="Run the model on every volume">
          Predict all
        </button>
        {p?.running && (
          <button data-testid="predict-cancel" onClick={() => c?.cancelPredictAll()}>
            Cancel
          </button>
        )}
        <button data-testid="export-predictions" disabled={predicted === 0 || p?.running} onClick={() => c?.exportPredictions()} title="Download the predictions as NIfTI files with each image's geometry">
          Export ({predicted})
        </button>
      </div>
      {p && (
        <div className="progress inline" role="progressbar" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done} data-testid="predict-progress">
          <div className="progress-fill" style={{ width: `${(100 * p.done) / Math.max(1, p.total)}%` }} />
          <span className="progress-label">
            {p.running ? 'Predicting' : 'Predicted'} {p.done}/{p.total} slices
          </span>
        </div>
      )}
      <h3 className="subhead">Model</h3>
      <p className="hint" data-testid="checkpoint-info">
        {!checkpoint
          ? 'No saved model yet.'
          : checkpoint.stored
            ? `Saved at step ${checkpoint.step}, ${new Date(checkpoint.savedAt).toLocaleTimeString()} (${checkpoint.preset}).`
            : `Model at step ${checkpoint.step} is in this tab only, not saved (${checkpoint.problem ?? 'storage unavailable'}): export it to keep it.`}
      </p>
      <div className="button-row">
        <button data-testid="export-model" disabled={!checkpoint} onClick={() => void c?.exportModel()} title="Download the model (weights, optimiser state, step)">
          Export model
        </button>
        <button data-testid="import-model" onClick={() => importRef.current?.click()} title="Load a model file exported from Pseudolab; training resumes from it">
          Import model
        </button>
        <input
          ref={importRef}
          type="file"
          hidden
          data-testid="import-model-file"
          accept=".pslb"
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) await c?.importModel(new Uint8Array(await f.arrayBuffer()), f.name);
          }}
        />
      </div>
    </>
  );
}

export function TrainingPanel() {
  // An empty chart only takes room the Review controls need on a 1000 px screen; it opens with the first step.
  const hasCurves = useApp((s) => s.training.losses.length > 0 || s.training.validation.length > 0);
  return (
    // Folding sections (remembered per browser) lets the panel fit a 1000 px screen; folded parts stay mounted.
    <div className="training-sections" data-testid="training-panel">
      <Section id="training" title="Training">
        <div className="training">
          <Controls />
          <Status />
          <TextGuidancePanel />
        </div>
      </Section>
      <Section id="training-charts" title="Loss and validation" defaultOpen={hasCurves}>
        <div className="training">
          <Charts />
        </div>
      </Section>
      <Section id="training-review" title="Review">
        <div className="training">
          <Review />
        </div>
      </Section>
      <Section id="training-model" title="Predictions and model">
        <div className="training">
          <PredictAndModel />
        </div>
      </Section>
    </div>
  );
}
