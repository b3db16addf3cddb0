import { encodeCheckpoint, type Checkpoint } from '../checkpoint.ts';
import type { FromWorker } from '../protocol.ts';
import type { PreparedRun } from './runPreparation.ts';
import type { TakStage } from './takStage.ts';
import { checkpointOf, type SegmentationRun } from './trainerOps.ts';
import type { VisionLanguageStage } from './visionLanguageStage.ts';

/** Step-count checkpoints come at most this often: encoding and storing a model takes a moment of its own. */
export const CHECKPOINT_MIN_GAP_MS = 10_000;

/** Time for a periodic checkpoint: every `everyMs`, or every `everySteps` steps but not in a burst. */
export function checkpointDue(t: { sinceMs: number; everyMs: number; stepsSince: number; everySteps: number }): boolean {
  if (t.sinceMs > t.everyMs) return true;
  return t.stepsSince >= t.everySteps && t.sinceMs >= CHECKPOINT_MIN_GAP_MS;
}

/** A run as a checkpoint, with its text stage (2D text presets) or TAK's prompt vectors (3D): the app's and the CLI's. */
export async function runCheckpoint(
  trainer: SegmentationRun,
  classes: Checkpoint['classes'],
  stages: { text: VisionLanguageStage | null; tak: TakStage | null },
): Promise<Checkpoint> {
  const text = stages.text ? await stages.text.checkpoint(trainer) : null;
  return checkpointOf(trainer, classes, { text, tak: stages.tak?.vectors ?? null });
}

/**
 * When a run's checkpoints are made (periodically, on request, on pause and stop), and the step of the last one
 * sent or resumed from: where a resume after a failure starts.
 */
export class Checkpoints {
  requested = false;
  savedStep: number | null = null;
  private everyMs = 120_000;
  private everySteps = Infinity;
  private lastAt = 0;

  configure(everyMs: number, everySteps: number | undefined): void {
    this.everyMs = everyMs;
    this.everySteps = everySteps ?? Infinity;
  }

  /** The periodic clock starts when training does, not when the start message came. */
  restartClock(): void {
    this.lastAt = Date.now();
  }

  due(step: number): boolean {
    return checkpointDue({ sinceMs: Date.now() - this.lastAt, everyMs: this.everyMs, stepsSince: step - (this.savedStep ?? 0), everySteps: this.everySteps });
  }

  /** Encodes the run (with its text stage or TAK vectors) and sends it; without a run there is nothing to keep. */
  async save(run: PreparedRun | null, stages: { text: VisionLanguageStage | null; tak: TakStage | null }, emit: (m: FromWorker) => void): Promise<void> {
    this.requested = false;
    this.lastAt = Date.now();
    if (!run) return;
    const c = await runCheckpoint(run.trainer, run.classes, stages);
    emit({ type: 'checkpoint', step: run.trainer.step, bytes: encodeCheckpoint(c) });
    this.savedStep = run.trainer.step;
  }
}
