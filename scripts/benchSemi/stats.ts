/*
 * Summary statistics over seeds. With three seeds a standard deviation is rough, so the paired comparison also
 * counts wins: a method that beats supervised on every seed means more than one whose mean is ahead.
 */

/** Arithmetic mean; null for no values. */
export function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Sample standard deviation (n − 1 in the denominator); null below two values, where it is undefined. */
export function sampleSd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface Paired {
  /** Seeds run by both arms, ascending, with the method's score minus the baseline's. */
  diffs: { seed: number; diff: number }[];
  mean: number | null;
  sd: number | null;
  /** Seeds where the method scored strictly higher. */
  wins: number;
}

/** Differences on the seeds both arms have; a seed run by only one arm is left out of the pairing. */
export function paired(method: ReadonlyMap<number, number>, baseline: ReadonlyMap<number, number>): Paired {
  const diffs = [...method.keys()]
    .filter((s) => baseline.has(s))
    .sort((a, b) => a - b)
    .map((seed) => ({ seed, diff: method.get(seed)! - baseline.get(seed)! }));
  const d = diffs.map((x) => x.diff);
  return { diffs, mean: mean(d), sd: sampleSd(d), wins: d.filter((x) => x > 0).length };
}
