import { useRef } from 'react';
import { trainingController } from '../app/training.ts';
import { useApp } from '../store/appStore.ts';
import { usesText } from '../train/config.ts';
import { LineChart } from './LineChart.tsx';

const TERM_COLOURS: Record<string, string> = { ls: '#38bdf8', gs: '#f472b6', cmc: '#38bdf8', imc: '#f472b6' };
const TERM_NAMES: Record<string, string> = { ls: 'L_LS (patch–text)', gs: 'L_GS (global)', cmc: 'L_cmc (image–text)', imc: 'L_imc (intra-modal)' };

/**
 * Which text encoder the next run uses: learned here, a prompt bank file, or a pretrained model folder. Shared by the
 * 2D text presets and TAK.
 */
function TextProviderPicker() {
  const status = useApp((s) => s.training.status);
  const provider = useApp((s) => s.training.textProvider);
  const c = trainingController();
  const bankRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);
  const busy = status === 'starting' || status === 'running' || status === 'paused';
  return (
    <>
      <label className="field">
        <span>Text encoder</span>
        <select
          data-testid="text-provider"
          value={provider.kind}
          disabled={busy}
          title="What turns class and image descriptions into vectors: a small transformer learned here (offline), a prompt bank file made elsewhere, or a pretrained CLIP-family text model folder"
          onChange={(e) => {
            const kind = e.currentTarget.value;
            if (kind === 'learned') c?.useLearnedText();
            else if (kind === 'import') bankRef.current?.click();
            else folderRef.current?.click();
          }}
        >
          <option value="learned">Learned here (offline)</option>
          <option value="import">{provider.kind === 'import' ? provider.name : 'Prompt bank file…'}</option>
          <option value="pretrained">{provider.kind === 'pretrained' ? provider.name : 'Pretrained model folder…'}</option>
        </select>
      </label>
      <input
        ref={bankRef}
        type="file"
        hidden
        accept=".json"
        data-testid="prompt-bank-file"
        onChange={async (e) => {
          const f = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (f) await c?.loadPromptBank(await f.text(), f.name);
        }}
      />
      <input
        ref={folderRef}
        type="file"
        hidden
        data-testid="pretrained-folder"
        // A model folder: config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx.
        {...({ webkitdirectory: '' } as Record<string, string>)}
        onChange={async (e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length) await c?.loadPretrainedFolder(files);
        }}
      />
    </>
  );
}

/**
 * TAK (3D): no pre-training stage in the app; each class's position and shape prompt is encoded once at the start
 * (and again when a class description changes) and drives the V-Net's text-driven head.
 */
function TakTextPanel() {
  const encoder = useApp((s) => s.training.textEncoder);
  return (
    <div className="text-guidance" data-testid="text-guidance" data-phase="">
      <h3 className="subhead">Text prompts · TAK</h3>
      <p className="hint">
        Each class’s position and shape description (yours, or built-in anatomy defaults) is encoded into the controller of a text-driven head that draws that class, and aligns the V-Net’s features to the texts (L_con).
      </p>
      <TextProviderPicker />
      <p className="hint" data-testid="text-encoder">
        {encoder
          ? `Prompt vectors: ${encoder.provider} text encoder — ${encoder.name}, ${encoder.dim}-d, ${encoder.texts} prompts, encoded at step ${encoder.step}. Edit a class description and they are re-encoded while training runs.`
          : 'Prompt vectors: encoded when training starts (a prompt bank or pretrained model is used when it holds every prompt, else the learned text transformer).'}
      </p>
    </div>
  );
}

/**
 * Stage 1 of the text presets in the training panel: pre-training progress with its loss terms, the alignment figure
 * (held-out image→text retrieval against chance), a way to move on early, and which text encoder made the class
 * embeddings the text mask uses.
 */
export function TextGuidancePanel() {
  const preset = useApp((s) => s.training.preset);
  const phase = useApp((s) => s.training.phase);
  const vlm = useApp((s) => s.training.vlm);
  const encoder = useApp((s) => s.training.textEncoder);
  const status = useApp((s) => s.training.status);
  const c = trainingController();
  if (preset === 'tak') return <TakTextPanel />;
  if (!usesText(preset)) return null;
  const terms = vlm ? Object.keys(vlm.losses[0]?.terms ?? {}) : [];
  const lossSeries = [
    { name: 'total', color: '#e4e7ee', points: (vlm?.losses ?? []).map((l) => [l.step, l.total] as [number, number]) },
    ...terms.map((t) => ({ name: TERM_NAMES[t] ?? t, color: TERM_COLOURS[t] ?? '#a3e635', points: (vlm?.losses ?? []).map((l) => [l.step, l.terms[t] ?? 0] as [number, number]) })),
  ];
  const retrieval = vlm?.retrieval ?? [];
  const latest = retrieval[retrieval.length - 1];
  const retrievalSeries = [
    { name: 'retrieval', color: '#a3e635', points: retrieval.map((r) => [r.step, r.accuracy] as [number, number]) },
    { name: 'chance', color: '#6b7280', points: retrieval.map((r) => [r.step, r.chance] as [number, number]) },
  ];
  const pretraining = phase === 'pretraining';
  return (
    <div className="text-guidance" data-testid="text-guidance" data-phase={phase ?? ''} data-vlm-step={vlm?.step ?? 0} data-retrieval={latest?.accuracy ?? ''}>
      <h3 className="subhead">Text guidance · vision–language model</h3>
      <p className="hint">
        {preset === 'promptssl'
          ? 'PromptSSL: the image and text encoders are aligned on your slices and class descriptions (GLsc), then each class text draws a prompt-guided mask that joins the teacher’s pseudo-label.'
          : 'DuSSS: the image and text encoders are aligned on your slices and descriptions (SSS in cross- and intra-modal contrast), then each class text draws a text-guided mask that joins the teacher’s pseudo-label.'}
      </p>
      {pretraining && vlm && (
        <div className="progress inline" role="progressbar" aria-valuemin={0} aria-valuemax={vlm.totalSteps} aria-valuenow={vlm.step} data-testid="vlm-progress">
          <div className="progress-fill" style={{ width: `${(100 * vlm.step) / Math.max(1, vlm.totalSteps)}%` }} />
          <span className="progress-label">
            Pre-training {vlm.step}/{vlm.totalSteps} steps · τ {vlm.tau.toFixed(3)}
          </span>
        </div>
      )}
      {pretraining && (
        <button data-testid="skip-pretraining" disabled={status !== 'running'} onClick={() => c?.skipPretraining()} title="Stop aligning now and start segmentation training with the model as it is">
          Go on to segmentation
        </button>
      )}
      <TextProviderPicker />
      <button className="small" data-testid="export-prompt-bank" onClick={() => void c?.exportPromptBank()} title="Download every class prompt and image description with its vector, as a prompt bank file">
        Export prompt bank
      </button>
      {phase === null && <p className="hint">Press Start: pre-training runs first, then segmentation training.</p>}
      {vlm && (
        <>
          <LineChart series={lossSeries} logY xLabel="step" testId="vlm-loss-chart" formatY={(y) => (y >= 0.1 ? y.toFixed(2) : y.toExponential(0))} />
          <h4 className="minihead" title="Share of held-out slices whose own text is the most similar of all the workspace's texts">
            Image→text retrieval {latest ? `${(100 * latest.accuracy).toFixed(0)} % (chance ${(100 * latest.chance).toFixed(0)} %, ${latest.pairs} held-out pairs)` : '–'}
          </h4>
          <LineChart series={retrievalSeries} yRange={[0, 1]} xLabel="step" testId="vlm-retrieval-chart" formatY={(y) => y.toFixed(2)} />
        </>
      )}
      <p className="hint" data-testid="text-encoder">
        {encoder
          ? `Class embeddings: ${encoder.provider} text encoder — ${encoder.name}, ${encoder.dim}-d, ${encoder.texts} prompts, encoded at step ${encoder.step}. Edit a class or image description and they are re-encoded while training runs.`
          : 'Class embeddings: not encoded yet (after pre-training).'}
      </p>
    </div>
  );
}
