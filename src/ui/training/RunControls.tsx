import { memo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { trainingController } from '../../app/training.ts';
import { planStart, shownRunKey, type RunSummary } from '../../app/startPlan.ts';
import { useApp } from '../../store/appStore.ts';
import { BACKEND_LABELS, BACKEND_ORDER, type BackendName } from '../../train/backendNames.ts';
import { MODEL_SIZE_LABELS, MODEL_SIZES, type ModelSizeChoice } from '../../train/modelSize.ts';
import { presetModelKind } from '../../train/config.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { MethodSelect, methodLabel } from './MethodSelect.tsx';
import { NetworkSelect } from './NetworkSelect.tsx';
import { StartDialog } from './StartDialog.tsx';

/**
 * The run's choices (method, network, backend, kernels, size) and Start, Pause and Stop. Memoised: the sidebar
 * re-renders on every slice change; this part shows none of it.
 */
export const RunControls = memo(function RunControls() {
  // Only the fields shown here: the whole training state changes on every slice change (focus) and prediction.
  const t = useApp(
    useShallow((s) => {
      const r = s.training;
      return {
        status: r.status,
        stopping: r.stopping,
        step: r.step,
        preset: r.preset,
        network: r.network,
        modelSize: r.modelSize,
        checkpoint: r.checkpoint,
        savedRuns: r.savedRuns,
        backend: r.backend,
        backendPreference: r.backendPreference,
        customKernels: r.customKernels,
        info: r.info,
      };
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
  const shown = shownRunKey(t.checkpoint);
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
      <NetworkSelect preset={t.preset} value={network} held={held !== null} disabled={busy} onChange={setNetwork} />
      <label className="field">
        <span>Backend</span>
        <select
          data-testid="backend-select"
          value={t.backendPreference}
          disabled={busy}
          onChange={(e) => setBackend(e.currentTarget.value as 'auto' | BackendName)}
          title="Where training runs. Auto picks the fastest hardware backend and says why others were passed over."
        >
          {/* While a run is on, Auto names the backend it chose. */}
          <option value="auto">{busy && t.backend ? `Auto: ${BACKEND_LABELS[t.backend.name]}` : 'Auto (fastest available)'}</option>
          {BACKEND_ORDER.map((b) => (
            <option key={b} value={b}>
              {BACKEND_LABELS[b]}
            </option>
          ))}
        </select>
      </label>
      <label
        className="check"
        title="WebGPU only: run our own WGSL kernels (3D convolutions, filter gradients, fused losses and teacher update) instead of tfjs's. Turn off to compare speed or results."
      >
        <input type="checkbox" data-testid="custom-kernels" checked={t.customKernels} disabled={busy} onChange={(e) => setKernels(e.currentTarget.checked)} />
        <span>Our GPU kernels</span>
      </label>
      <label className="field">
        <span>Model</span>
        <select
          data-testid="model-size-select"
          value={busy && t.info ? t.info.modelSize : t.modelSize}
          disabled={busy}
          onChange={(e) => setSize(e.currentTarget.value as ModelSizeChoice)}
          title="Network size: bigger learns more but each step costs more. A resumed model keeps its size."
        >
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
          <button
            data-testid="train-start"
            className="primary"
            disabled={busy}
            onClick={begin}
            title={
              runningText
                ? 'Training runs: Pause or Stop it (the model is saved either way)'
                : "Train on this workspace's labeled slices (and unlabeled ones, for mean teacher) on your own GPU"
            }
          >
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
