import { usesText } from '../config.ts';
import type { FromWorker } from '../protocol.ts';
import type { PreparedRun, StartMessage } from './runPreparation.ts';
import { TakStage, type PendingTak } from './takStage.ts';
import { VisionLanguageStage, type PendingTexts } from './visionLanguageStage.ts';

/**
 * The run's text side: the 2D text presets' two stages or TAK's prompts (3D), and the text edits that arrive while
 * training, held until the loop is between two steps.
 */
export class TextStages {
  text: VisionLanguageStage | null = null;
  tak: TakStage | null = null;
  private pendingTexts: PendingTexts | null = null;
  private pendingTak: PendingTak | null = null;
  private skip = false;

  constructor(private readonly emit: (m: FromWorker) => void) {}

  /** Sets up whichever the run's method uses; `stopped` is asked between the two (TAK's encoding takes a while). */
  async start(run: PreparedRun, m: StartMessage, stopped: () => boolean): Promise<void> {
    const resumed = run.resumedAt !== null ? run.saved : null;
    const t = run.trainer;
    if (t.kind === '3d' && run.config.tak.enabled) {
      this.tak = await TakStage.start({
        trainer: t,
        volumes: run.trainingVolumes,
        texts: m.texts,
        tak: m.tak,
        takVectors: m.takVectors,
        saved: resumed?.tak ?? null,
        emit: this.emit,
      });
    }
    if (stopped()) return;
    if (t.kind === '2d' && usesText(run.config.preset) && run.config.text.enabled) {
      if (!m.texts) throw new Error(`${run.config.preset} needs the class prompts and image descriptions`);
      this.text = await VisionLanguageStage.start({
        trainer: t,
        volumes: run.trainingVolumes,
        config: run.config,
        texts: m.texts,
        textVectors: m.textVectors,
        stored: resumed?.text ?? null,
        emit: this.emit,
      });
    }
  }

  retext(next: PendingTexts): void {
    this.pendingTexts = next;
  }

  retak(next: PendingTak): void {
    this.pendingTak = next;
  }

  /** End vision–language pre-training at the next step and go on to segmentation with the model as it is. */
  skipPretraining(): void {
    this.skip = true;
  }

  get phase(): 'pretraining' | 'training' {
    return this.text?.phase ?? 'training';
  }

  /** One step of stage 1; true when stage 2 has just begun (the segmentation rates start from here). */
  async pretrainStep(run: PreparedRun, startedAt: number): Promise<boolean> {
    if (!this.text) throw new Error('vision–language pre-training belongs to the 2D text presets');
    return this.text.step(run.trainer, this.skip, startedAt);
  }

  /** Edited class texts or TAK prompts are re-encoded between two steps; training goes on. */
  async applyPending(run: PreparedRun): Promise<void> {
    if (this.pendingTexts && this.text && run.trainer.textGuidance) {
      const next = this.pendingTexts;
      this.pendingTexts = null;
      await this.text.retext(run.trainer, next);
    }
    if (this.pendingTak && this.tak) {
      const next = this.pendingTak;
      this.pendingTak = null;
      await this.tak.retext(run.trainer, next);
    }
  }

  /** The prompt-bank file of the text presets: every workspace text through the current text encoder. */
  exportPromptBank(): void {
    const fail = (why: string) => this.emit({ type: 'error', message: `The prompt bank could not be made: ${why}` });
    if (!this.text) fail('start a text-guided run (PromptSSL or DuSSS) first');
    else void this.text.promptBank().then(this.emit, (e: unknown) => fail((e as Error).message));
  }

  dispose(): void {
    this.text?.dispose();
    this.text = null;
    this.tak?.dispose();
    this.tak = null;
  }
}
