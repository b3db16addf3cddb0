/**
 * How many positions differ between two arrays (a length mismatch counts every missing position). Vitest's
 * deep equality walks typed arrays element by element through generic code, which takes seconds on a
 * volume; this does not, and `expect(differences(a, b)).toBe(0)` still fails with a count.
 */
export function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = Math.abs(a.length - b.length);
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) n++;
  return n;
}
