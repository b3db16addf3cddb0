import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { TextCheckpoint } from '../checkpoint.ts';
import type { TrainConfig } from '../config.ts';
import type { FromWorker } from '../protocol.ts';
import { PretrainPlan, type RetrievalFigure } from '../vlm/pretrainLength.ts';
import { createTextGuidance, createVlmPretrainer, textCheckpoint, type FixedTextVectors, type WorkspaceTexts } from '../vlm/textStage.ts';
import type { RetrievalReport, VlmPretrainer } from '../vlm/VlmPretrainer.ts';
import { planarPatch, type SegmentationRun } from './trainerOps.ts';

/** Pre-training steps between held-out retrieval measurements (the alignment figure), in the app. */
const RETRIEVAL_EVERY_STEPS = 25;

/** What stage 1's loop needs of a pre-trainer (tests drive it with a stand-in). */
export type StepPretrainer = Pick<VlmPretrainer, 'step' | 'trainStep' | 'retrieval'>;

/**
 * One step of stage 1 with its events: the step's losses, and every `retrievalEvery` steps (and at the last) the
 * held-out retrieval, which it returns (null when none was measured).
 */
export async function pretrainStep(
  pre: StepPretrainer,
  total: number,
  a: { startedAt: number; retrievalEvery: number; emit: (m: FromWorker) => void },
): Promise<RetrievalReport | null> {
  const report = await pre.trainStep();
  a.emit({ type: 'vlmStep', report, totalSteps: total, elapsedMs: performance.now() - a.startedAt });
  if (report.step % a.retrievalEvery !== 0 && report.step !== total) return null;
  const retrieval = await pre.retrieval();
  a.emit({ type: 'vlmRetrieval', report: retrieval });
  return retrieval;
}

/**
 * Stage 1's loop, shared by the session (a step between messages) and the CLI (all steps up front): `vlm.steps`
 * steps, or more while held-out retrieval has not left chance when `vlm.maxStepsUntilRetrieval` is on
 * (pretrainLength.ts). Each step's event carries the total planned so far, so a progress bar grows with the plan.
 */
export class PretrainRun {
  readonly plan: PretrainPlan;
  private latest: RetrievalFigure | null = null;

  constructor(
    private readonly pre: StepPretrainer,
    vlm: { steps: number; maxStepsUntilRetrieval?: number },
    private readonly a: { retrievalEvery: number; emit: (m: FromWorker) => void },
  ) {
    this.plan = new PretrainPlan(vlm.steps, vlm.maxStepsUntilRetrieval, a.retrievalEvery);
  }

  /** Held-out retrieval now, emitted: the figure before the first step (or where a resumed stage 1 stands). */
  async measure(): Promise<void> {
    const report = await this.pre.retrieval();
    this.latest = report;
    this.a.emit({ type: 'vlmRetrieval', report });
  }

  /** One step when one is due; false once stage 1 is over (`plan.stopped` says why). */
  async advance(startedAt: number): Promise<boolean> {
    if (!this.plan.due(this.pre.step, this.latest)) return false;
    this.latest = (await pretrainStep(this.pre, this.plan.total, { startedAt, retrievalEvery: this.a.retrievalEvery, emit: this.a.emit })) ?? this.latest;
    return true;
  }
}

/** Class prompts changed while training: re-encode them with the same text encoder. */
export interface PendingTexts {
  texts: WorkspaceTexts;
  vectors: FixedTextVectors | null;
}

/**
 * The two text stages of the 2D text presets (PromptSSL, DuSSS) inside a session: stage 1 aligns a vision–language
 * model on the workspace's texts a step at a time between messages; stage 2 attaches its text mask to the trainer.
 * The pre-trainer outlives stage 1: the text mask borrows its encoders.
 */
export class VisionLanguageStage {
  phase: 'pretraining' | 'training' = 'training';

  private constructor(
    private readonly pretrainer: VlmPretrainer,
    private texts: WorkspaceTexts,
    private readonly emit: (m: FromWorker) => void,
    /** Stage 1's steps and length. */
    readonly run: PretrainRun,
  ) {}

  /** What stage 1 aligns on: the objective, the texts and the image–text pairs (some held out for retrieval). */
  get pool(): { objective: string; texts: number; pairs: number } {
    const p = this.pretrainer;
    return { objective: p.cfg.objective, texts: p.pool.texts.length, pairs: p.pool.train.length };
  }

  /**
   * Sets the stages up for a run. The saved text stage is resumed unless the user chose another text encoder since:
   * vectors from a provider that differ from the saved model's source start stage 1 afresh (the segmentation
   * weights still resume). Resumed in stage 2, the aligned model and its decoder come back and the current texts
   * are encoded afresh.
   */
  static async start(a: {
    trainer: SegmentationRun;
    volumes: TrainingVolume[];
    config: TrainConfig;
    texts: WorkspaceTexts;
    textVectors: FixedTextVectors | null;
    stored: TextCheckpoint | null;
    emit: (m: FromWorker) => void;
    retrievalEvery?: number;
  }): Promise<VisionLanguageStage> {
    const savedSource = a.stored?.vectors ? `${a.stored.vectors.provider}:${a.stored.vectors.name}` : 'learned';
    const wanted = a.textVectors ? `${a.textVectors.provider}:${a.textVectors.name}` : savedSource;
    const kept = a.stored && wanted === savedSource ? a.stored : null;
    if (a.stored && !kept)
      a.emit({
        type: 'notice',
        message: 'The text encoder changed since the model was saved: the vision–language model is pre-trained again; segmentation resumes where it was.',
      });
    const pre = createVlmPretrainer(a.volumes, a.trainer.pools, a.texts, planarPatch(a.trainer), a.config, kept, a.textVectors);
    const run = new PretrainRun(pre, a.config.vlm, { retrievalEvery: a.retrievalEvery ?? RETRIEVAL_EVERY_STEPS, emit: a.emit });
    const stage = new VisionLanguageStage(pre, a.texts, a.emit, run);
    if (kept?.decoder) {
      a.trainer.attachTextGuidance(await createTextGuidance(pre, a.texts, a.config, kept.decoder));
      a.emit({ type: 'phase', phase: 'training' });
      stage.emitEncoder(a.trainer.step);
    } else {
      stage.phase = 'pretraining';
      a.emit({ type: 'phase', phase: 'pretraining' });
      await run.measure();
    }
    return stage;
  }

  /**
   * One step of stage 1; at the end of its length (or when skipped), stage 2's text mask joins the trainer and
   * this returns true: the segmentation phase starts now.
   */
  async step(trainer: SegmentationRun, skip: boolean, startedAt: number): Promise<boolean> {
    if (!skip && (await this.run.advance(startedAt))) return false;
    trainer.attachTextGuidance(await createTextGuidance(this.pretrainer, this.texts, trainer.cfg));
    this.phase = 'training';
    this.emit({ type: 'phase', phase: 'training' });
    this.emitEncoder(trainer.step);
    return true;
  }

  /** A class description changed: re-encode the prompts with the same text encoder; training goes on. */
  async retext(trainer: SegmentationRun, next: PendingTexts): Promise<void> {
    const tg = trainer.textGuidance;
    if (!tg) return;
    this.texts = next.texts;
    if (next.vectors && this.pretrainer.fixedText) this.pretrainer.setTextVectors(new Map(next.vectors.entries.map((e) => [e.text, e.vector])));
    tg.setClassEmbeddings(await this.pretrainer.embedTexts([next.texts.background, ...next.texts.classes]));
    this.emitEncoder(trainer.step);
  }

  /** Every workspace text through the current text encoder, for a prompt-bank file the user can reuse or compare. */
  async promptBank(): Promise<Extract<FromWorker, { type: 'promptBank' }>> {
    const pre = this.pretrainer;
    const texts = [...new Set([this.texts.background, ...this.texts.classes, ...this.texts.descriptions].filter((t) => t.trim()))];
    const flat = await pre.embedTexts(texts);
    const E = pre.model.embedDim;
    return {
      type: 'promptBank',
      name: `pseudolab ${pre.cfg.objective} (${pre.step} steps)`,
      dim: E,
      entries: texts.map((text, n) => ({ text, vector: flat.slice(n * E, (n + 1) * E) })),
    };
  }

  checkpoint(trainer: SegmentationRun): Promise<TextCheckpoint> {
    return textCheckpoint(this.pretrainer, trainer.textGuidance, this.texts);
  }

  private emitEncoder(step: number): void {
    const pre = this.pretrainer;
    const src = pre.model.textSource;
    const objective = pre.cfg.objective === 'glsc' ? 'GLsc' : 'DuSSS';
    const texts = this.texts.classes.length + 1;
    this.emit(
      src?.kind === 'fixed'
        ? {
            type: 'textEncoder',
            provider: src.provider,
            name: `${src.name} (frozen, ${src.dim}-d; head aligned by ${objective}, ${pre.step} steps)`,
            dim: src.dim,
            texts,
            step,
          }
        : { type: 'textEncoder', provider: 'learned', name: `in-browser transformer (${objective}, ${pre.step} steps)`, dim: pre.model.embedDim, texts, step },
    );
  }

  dispose(): void {
    this.pretrainer.dispose();
  }
}
