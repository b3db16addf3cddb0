import type { ValidationPoint } from '../store/trainingSlice.ts';
import type { ModelKind } from '../train/config.ts';
import type { ModelSize, ModelSizeChoice } from '../train/modelSize.ts';

/**
 * Checkpoints are kept one per method, network and model size, so trying another method never overwrites the
 * model of the first: switching back finds it again. This is a stored key: changing its form needs a migration.
 */
export function runKey(preset: string, network: ModelKind, size: ModelSize): string {
  return `${preset}/${network}/${size}`;
}

/** The size a network width stands for, as the training session reports it for a resumed model. */
export function sizeOfWidth(width: number): ModelSize {
  return width === 4 ? 'tiny' : width === 8 ? 'small' : width === 32 ? 'large' : 'standard';
}

/** What the panel needs to know about a stored run without reading its weights. */
export interface RunSummary {
  key: string;
  preset: string;
  network: ModelKind;
  size: ModelSize;
  step: number;
  savedAt: number;
  classValues: number[];
  /**
   * The held-out slices the run's validation measured ("volumeId:k", sorted), so runs are compared only on the same
   * ones; absent in records stored before it was kept.
   */
  validationSlices?: string[];
  /** A fingerprint of those slices' labels when the run started; absent in records stored before it was kept. */
  validationLabels?: string;
  /** The trained classes (names for the per-class Dice) and the validation history, for the methods' comparison. */
  classes?: { value: number; name: string }[];
  validation?: ValidationPoint[];
}

export function sameClassValues(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, n) => v === b[n]);
}

/**
 * The stored run a Start with these choices continues: same method, network and classes, and the chosen size
 * ('auto' accepts any size, as a resumed model keeps its own); the newest when several qualify.
 */
export function findResumable(
  runs: readonly RunSummary[],
  want: { preset: string; network: ModelKind; size: ModelSizeChoice; classValues: readonly number[] },
): RunSummary | null {
  let best: RunSummary | null = null;
  for (const r of runs) {
    if (r.preset !== want.preset || r.network !== want.network || !sameClassValues(r.classValues, want.classValues)) continue;
    if (want.size !== 'auto' && r.size !== want.size) continue;
    if (!best || r.savedAt > best.savedAt) best = r;
  }
  return best;
}

/** The run saved last: the one the panel shows after a reload. */
export function newestRun<R extends RunSummary>(runs: readonly R[]): R | null {
  let best: R | null = null;
  for (const r of runs) if (!best || r.savedAt > best.savedAt) best = r;
  return best;
}
