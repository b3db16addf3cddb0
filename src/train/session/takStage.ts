import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { TakPromptTexts } from '../../text/takPrompts.ts';
import type { TakCheckpoint } from '../checkpoint.ts';
import type { FromWorker } from '../protocol.ts';
import { encodeTakTexts } from '../tak/takTexts.ts';
import { fixedTakEncoder, learnedTakEncoder, type TakEncoder } from '../takEncoder.ts';
import { vlmImageSizeOf, type SegmentationRun } from './trainerOps.ts';
import type { FixedTextVectors, WorkspaceTexts } from '../vlm/textStage.ts';

/** TAK's prompts changed (a class was described): re-encode them with the run's text encoder. */
export interface PendingTak {
  texts: TakPromptTexts;
  vectors: FixedTextVectors | null;
}

function sameTakTexts(a: TakPromptTexts, b: TakPromptTexts): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, n) => v === y[n]);
  return eq(a.position, b.position) && eq(a.shape, b.shape);
}

/**
 * TAK (3D) inside a session: the encoder of its position and shape prompts, and the vectors (with the texts they
 * encode) that the text-driven head now reads. New vectors of the same width replace the old ones between two
 * steps; the head keeps its width, so an encoder of another width cannot take over.
 */
export class TakStage {
  private constructor(
    private encoder: TakEncoder,
    /** What the checkpoint keeps: the vectors, their provider and the texts they encode. */
    public vectors: TakCheckpoint,
    private readonly emit: (m: FromWorker) => void,
  ) {}

  /**
   * Encodes the prompts with the provider's vectors when they hold every prompt, else the learned text tower.
   * Resumed, the saved vectors (already attached with the weights) stay unless the class texts changed since,
   * when the current encoder re-encodes them.
   */
  static async start(a: {
    trainer: SegmentationRun;
    volumes: TrainingVolume[];
    texts: WorkspaceTexts | null;
    tak: TakPromptTexts | null;
    takVectors: FixedTextVectors | null;
    saved: TakCheckpoint | null;
    emit: (m: FromWorker) => void;
    /** The learned text tower to encode with when no provider's vectors hold every prompt (default: seeded, not pre-trained). */
    learned?: TakEncoder;
  }): Promise<TakStage> {
    const { trainer, tak, emit } = a;
    if (!tak) throw new Error('TAK needs each class’s position and shape prompts');
    const fixed = a.takVectors ? fixedTakEncoder(a.takVectors, tak) : null;
    if (a.takVectors && !fixed)
      emit({
        type: 'notice',
        message: `${a.takVectors.name} has no vector for some of TAK’s position and shape prompts: the learned text transformer encodes them instead.`,
      });
    const encoder = fixed ?? a.learned ?? learnedTakEncoder(a.volumes, trainer.pools, a.texts, tak, vlmImageSizeOf(trainer), trainer.cfg);
    if (a.saved) {
      const stage = new TakStage(encoder, a.saved, emit);
      // A checkpoint without its texts (a CLI run saved before it kept them) cannot tell: the current prompts are encoded.
      if (!a.saved.texts || !sameTakTexts(a.saved.texts, tak)) await stage.encode(trainer, tak, encoder);
      else stage.emitEncoder(trainer.step);
      return stage;
    }
    const v = await encodeTakTexts(encoder.embedder, tak, encoder.name);
    trainer.attachTakTexts(v);
    const stage = new TakStage(encoder, { ...v, provider: encoder.provider, texts: tak }, emit);
    stage.emitEncoder(trainer.step);
    return stage;
  }

  /** New class descriptions: a fixed provider answers from the vectors sent with them; the learned tower encodes anything. */
  async retext(trainer: SegmentationRun, next: PendingTak): Promise<void> {
    if (this.vectors.texts && sameTakTexts(next.texts, this.vectors.texts)) return;
    const encoder = this.encoder.provider === 'learned' ? this.encoder : next.vectors ? fixedTakEncoder(next.vectors, next.texts) : null;
    if (!encoder) {
      this.emit({ type: 'notice', message: `The new class descriptions are not used yet: ${this.encoder.name} has no vector for some of them.` });
      return;
    }
    await this.encode(trainer, next.texts, encoder);
  }

  private async encode(trainer: SegmentationRun, texts: TakPromptTexts, encoder: TakEncoder): Promise<void> {
    const v = await encodeTakTexts(encoder.embedder, texts, encoder.name);
    if (v.dim !== this.vectors.dim) {
      this.emit({
        type: 'notice',
        message: `The class prompts were not re-encoded: the ${encoder.name} gives ${v.dim}-wide vectors, and this model’s text-driven head reads ${this.vectors.dim}. Its prompts stay as they were.`,
      });
      return;
    }
    trainer.attachTakTexts(v);
    if (this.encoder !== encoder) this.encoder.dispose();
    this.encoder = encoder;
    this.vectors = { ...v, provider: encoder.provider, texts };
    this.emitEncoder(trainer.step);
  }

  private emitEncoder(step: number): void {
    const v = this.vectors;
    this.emit({
      type: 'textEncoder',
      provider: v.provider ?? 'learned',
      name: `${v.encoder} (position and shape prompts of TAK’s text-driven head)`,
      dim: v.dim,
      texts: (2 * v.position.length) / v.dim,
      step,
    });
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
