import { useRef, type ReactNode } from 'react';
import { trainingController } from '../app/training.ts';
import { useApp } from '../store/appStore.ts';
import { describeTextReadiness, type TextProviderKind } from '../text/textReadiness.ts';
import { usesText } from '../train/config.ts';
import { LineChart } from './LineChart.tsx';
import './textGuidance.css';

const TERM_COLOURS: Record<string, string> = { ls: '#38bdf8', gs: '#f472b6', cmc: '#38bdf8', imc: '#f472b6' };
/** The loss terms in words; the papers' symbols are in TERM_SYMBOLS, shown on hover. */
const TERM_NAMES: Record<string, string> = { ls: 'regions ↔ texts', gs: 'whole slice ↔ text', cmc: 'image ↔ text', imc: 'image ↔ image, text ↔ text' };
const TERM_SYMBOLS: Record<string, string> = {
  ls: 'L_LS: local term of GLsc (PromptSSL)',
  gs: 'L_GS: global term of GLsc (PromptSSL)',
  cmc: 'L_cmc: cross-modal contrast (DuSSS)',
  imc: 'L_imc: intra-modal contrast (DuSSS)',
};

/** A plain phrase with the paper's name for it on hover, dotted so a person sees there is more to read. */
function Term({ symbol, children }: { symbol: string; children: ReactNode }) {
  return (
    <abbr className="paper-term" title={symbol}>
      {children}
    </abbr>
  );
}

/**
 * Whether the descriptions can help yet, and what would make them help. Its level marks the hint: 'none' and 'weak'
 * in the warning colour.
 */
function TextReadinessHint({ preset }: { preset: 'promptssl' | 'duss' | 'tak' }) {
  const chosen = useApp((s) => s.training.textProvider);
  const encoder = useApp((s) => s.training.textEncoder);
  const phase = useApp((s) => s.training.phase);
  const vlm = useApp((s) => s.training.vlm);
  const provider: TextProviderKind = encoder?.provider ?? chosen.kind;
  const latest = vlm?.retrieval[vlm.retrieval.length - 1];
  const r = describeTextReadiness({
    preset,
    provider,
    encoderName: encoder?.name ?? (chosen.kind !== 'learned' && chosen.name ? chosen.name : null),
    phase: preset === 'tak' ? null : phase,
    pretrainStep: vlm?.step ?? 0,
    pretrainTotal: vlm?.totalSteps ?? 0,
    retrieval: latest ? { accuracy: latest.accuracy, chance: latest.chance, pairs: latest.pairs } : null,
    globalWeight: vlm && Number.isFinite(vlm.uncertaintyWeight) ? vlm.uncertaintyWeight : null,
  });
  return (
    <p className={`hint${r.level === 'none' || r.level === 'weak' ? ' warn-text' : ''}`} data-testid="text-readiness" data-level={r.level}>
      {r.text}
    </p>
  );
}

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
          title="What reads your class and image descriptions. Learned here (offline): a small transformer that starts untrained and learns only in pre-training, so descriptions mean nothing until then. A prompt bank file or a pretrained CLIP-family text model folder brings meaning learned elsewhere."
          onChange={(e) => {
            const kind = e.currentTarget.value;
            if (kind === 'learned') c?.useLearnedText();
            else if (kind === 'import') bankRef.current?.click();
            else folderRef.current?.click();
          }}
        >
          <option value="learned">Made here (offline)</option>
          <option value="import">{provider.kind === 'import' ? provider.name : 'Prompt bank file…'}</option>
          <option value="pretrained">{provider.kind === 'pretrained' ? provider.name : 'Pretrained model folder…'}</option>
        </select>
      </label>
      {/* Said under the select, not in the option: the narrow select cut the option's text off. */}
      {provider.kind === 'learned' && (
        <p className="hint" data-testid="text-provider-hint">
          Starts untrained: descriptions mean nothing until pre-training (or load a prompt bank or pretrained model).
        </p>
      )}
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
        Each class’s description of where it lies and what shape it has (yours, or built-in anatomy defaults) sets up{' '}
        <Term symbol="TAK: the controller, an MLP that turns [T_pos, T_shape, F] into each class's dynamic head">
          a small part of the network that draws that class
        </Term>
        , and training{' '}
        <Term symbol="TAK: L_con, the contrastive alignment of V-Net features to the class texts (eq. 2, weight λ_c)">
          pulls the 3D network’s features toward the matching text
        </Term>
        .
      </p>
      <TextReadinessHint preset="tak" />
      <TextProviderPicker />
      <p className="hint" data-testid="text-encoder">
        {encoder
          ? `Prompt vectors: ${encoder.provider === 'learned' ? 'untrained text transformer made here (random weights)' : `${encoder.provider} text encoder — ${encoder.name}`}, ${encoder.dim}-d, ${encoder.texts} prompts, encoded at step ${encoder.step}. Edit a class description and they are re-encoded while training runs.`
          : 'Prompt vectors: encoded when training starts (a prompt bank or pretrained model is used when it holds every prompt, else the untrained text transformer made here).'}
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
  const termSymbols = terms.map((t) => TERM_SYMBOLS[t] ?? t).join('; ');
  const lossSeries = [
    { name: 'total', color: '#e4e7ee', points: (vlm?.losses ?? []).map((l) => [l.step, l.total] as [number, number]) },
    ...terms.map((t) => ({
      name: TERM_NAMES[t] ?? t,
      color: TERM_COLOURS[t] ?? '#a3e635',
      points: (vlm?.losses ?? []).map((l) => [l.step, l.terms[t] ?? 0] as [number, number]),
    })),
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
        {preset === 'promptssl' ? 'PromptSSL' : 'DuSSS'}: first,{' '}
        <Term
          symbol={
            preset === 'promptssl'
              ? 'PromptSSL: GLsc pre-training (global–local semantic consistency, L_GS + L_LS)'
              : 'DuSSS: pre-training by SSS in cross-modal (L_cmc) and intra-modal (L_imc) contrast'
          }
        >
          pre-training teaches an image model and a text model to agree on your slices and descriptions
        </Term>
        ; then each class’s description{' '}
        <Term
          symbol={
            preset === 'promptssl'
              ? 'PromptSSL: prompt-guided mask (eq. 8) merged with the teacher, L_semi (eq. 13–15)'
              : 'DuSSS: text-guided mask (eq. 11) merged with the teacher, L_semi (eq. 16–18)'
          }
        >
          marks where that class should be, and this mark corrects the teacher’s pseudo-label
        </Term>
        .
      </p>
      <TextReadinessHint preset={preset === 'promptssl' ? 'promptssl' : 'duss'} />
      {pretraining && vlm && (
        <div
          className="progress inline"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={vlm.totalSteps}
          aria-valuenow={vlm.step}
          data-testid="vlm-progress"
        >
          <div className="progress-fill" style={{ width: `${(100 * vlm.step) / Math.max(1, vlm.totalSteps)}%` }} />
          <span
            className="progress-label"
            title={`Contrastive temperature τ ${vlm.tau.toFixed(3)}: learned; lower means the model picks one text over the others more sharply. Uncertainty weight ${Number.isFinite(vlm.uncertaintyWeight) ? vlm.uncertaintyWeight.toPrecision(2) : '–'}: near 0 the whole-slice matching has stopped learning.`}
          >
            Pre-training {vlm.step}/{vlm.totalSteps} steps
          </span>
        </div>
      )}
      {pretraining && (
        <button
          data-testid="skip-pretraining"
          disabled={status !== 'running'}
          onClick={() => c?.skipPretraining()}
          title="Stop aligning now and start segmentation training with the model as it is"
        >
          Go on to segmentation
        </button>
      )}
      <TextProviderPicker />
      <button
        className="small"
        data-testid="export-prompt-bank"
        onClick={() => void c?.exportPromptBank()}
        title="Download every class prompt and image description with its vector, as a prompt bank file"
      >
        Export prompt bank
      </button>
      {vlm && (
        <>
          <h4 className="minihead" title={`How far image and text still disagree, per part (${termSymbols}); it falls as they learn to agree`}>
            Pre-training loss
          </h4>
          <LineChart series={lossSeries} logY xLabel="step" testId="vlm-loss-chart" formatY={(y) => (y >= 0.1 ? y.toFixed(2) : y.toExponential(0))} />
          <h4
            className="minihead"
            title="Image→text retrieval: the share of held-out slices whose own text is the most similar of all the workspace's texts. Clearly above chance means the descriptions carry a signal."
          >
            Slices matched to their own text{' '}
            {latest ? `${(100 * latest.accuracy).toFixed(0)} % (chance ${(100 * latest.chance).toFixed(0)} %, ${latest.pairs} held-out pairs)` : '–'}
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
