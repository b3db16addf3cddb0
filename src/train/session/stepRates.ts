import type { TrainConfig } from '../config.ts';

/**
 * The training speed the panel shows: slices and steps per second since segmentation began (stage 1 of the text
 * presets does not count against it), and epochs over the labeled slices.
 */
export class StepRates {
  private seen = 0;
  private steps = 0;

  constructor(
    private readonly now: () => number = () => performance.now(),
    public startedAt = now(),
  ) {}

  /** Segmentation starts now: what came before (vision–language pre-training) is not in the rates. */
  restart(): void {
    this.seen = 0;
    this.steps = 0;
    this.startedAt = this.now();
  }

  /** Counts one step (its labeled batch, and its unlabeled one where the method uses it) and says the rates so far. */
  count(
    step: number,
    cfg: Pick<TrainConfig, 'batchLabeled' | 'batchUnlabeled' | 'consistency'>,
    labeledSlices: number,
  ): { epoch: number; slicesPerSecond: number; stepsPerSecond: number; elapsedMs: number } {
    this.seen += cfg.batchLabeled + (cfg.consistency.weight > 0 ? cfg.batchUnlabeled : 0);
    this.steps++;
    const elapsedMs = this.now() - this.startedAt;
    return {
      epoch: (step * cfg.batchLabeled) / Math.max(1, labeledSlices),
      slicesPerSecond: this.seen / (elapsedMs / 1000),
      stepsPerSecond: this.steps / (elapsedMs / 1000),
      elapsedMs,
    };
  }
}
