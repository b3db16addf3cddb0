import { describe, expect, it } from 'vitest';
import { inverseNormalCdf, Random } from './random.ts';

const N = 100_000;

function draws(n: number, draw: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

/** Mean, variance, skewness and kurtosis (3 for a normal). */
function moments(xs: Float64Array | Float32Array): { mean: number; variance: number; skewness: number; kurtosis: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= xs.length;
  m3 /= xs.length;
  m4 /= xs.length;
  return { mean, variance: m2, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

function extremes(xs: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    lo = Math.min(lo, xs[i]!);
    hi = Math.max(hi, xs[i]!);
  }
  return [lo, hi];
}

function fractionWithin(xs: Float64Array | Float32Array, bound: number): number {
  let n = 0;
  for (const x of xs) if (Math.abs(x) < bound) n++;
  return n / xs.length;
}

/**
 * Tolerances are about 4–5 standard errors for 1e5 draws: loose enough never to flake for a good generator,
 * tight enough that a wrong constant (say a Box–Muller without the sqrt, or a uniform in [0, 0.5)) fails.
 */
describe('Random', () => {
  it('repeats from a seed, differs between seeds, and reads seeds as uint32', () => {
    const xs = draws(
      5,
      (
        (r) => () =>
          r.uniform()
      )(new Random(42)),
    );
    expect(
      draws(
        5,
        (
          (r) => () =>
            r.uniform()
        )(new Random(42)),
      ),
    ).toEqual(xs);
    expect(
      draws(
        5,
        (
          (r) => () =>
            r.uniform()
        )(new Random(43)),
      ),
    ).not.toEqual(xs);
    // 2³² + 42 and 42 are the same uint32 seed; -1 is 0xffffffff.
    expect(new Random(2 ** 32 + 42).uniform()).toBe(new Random(42).uniform());
    expect(new Random(-1).uniform()).toBe(new Random(0xffffffff).uniform());
  });

  it('uniform: [0, 1), mean 1/2, variance 1/12 and a flat histogram over 1e5 draws', () => {
    const r = new Random(7);
    const xs = draws(N, () => r.uniform());
    const [lo, hi] = extremes(xs);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const m = moments(xs);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.004);
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(0.0015);
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]!++;
    for (const b of bins) expect(Math.abs(b - N / 10)).toBeLessThan(450);
  });

  it('normal: mean 0, variance 1, no skew, normal tails over 1e5 draws', () => {
    const r = new Random(8);
    const m = moments(draws(N, () => r.normal()));
    expect(Math.abs(m.mean)).toBeLessThan(0.015);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.skewness)).toBeLessThan(0.04);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.08);
    const xs = draws(N, () => r.normal());
    expect(Math.abs(fractionWithin(xs, 1) - 0.682689)).toBeLessThan(0.007);
    expect(Math.abs(fractionWithin(xs, 2) - 0.9545)).toBeLessThan(0.0035);
  });

  it('fillNormal: the same distribution, scaled and shifted, repeatable, any length', () => {
    const out = new Float32Array(N);
    new Random(9).fillNormal(out);
    const m = moments(out);
    expect(Math.abs(m.mean)).toBeLessThan(0.015);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.skewness)).toBeLessThan(0.04);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.08);
    expect(Math.abs(fractionWithin(out, 1) - 0.682689)).toBeLessThan(0.007);
    // The table stops at the centre of the outermost of 2¹⁶ bins.
    const [lo, hi] = extremes(out);
    expect(Math.max(-lo, hi)).toBeLessThanOrEqual(4.33);
    expect(Math.max(-lo, hi)).toBeGreaterThan(3.5);
    const again = new Float32Array(N);
    new Random(9).fillNormal(again);
    expect(Buffer.from(again.buffer).equals(Buffer.from(out.buffer))).toBe(true);
    const scaled = new Float64Array(N + 1);
    new Random(9).fillNormal(scaled, 100, 30);
    expect(scaled[0]).toBeCloseTo(100 + 30 * out[0]!, 3);
    const s = moments(scaled);
    expect(Math.abs(s.mean - 100)).toBeLessThan(0.5);
    expect(Math.abs(Math.sqrt(s.variance) - 30)).toBeLessThan(0.3);
    // An odd length fills its last element too.
    expect(Number.isFinite(scaled[N]!) && scaled[N] !== 0).toBe(true);
  });

  it('inverseNormalCdf matches tabulated quantiles', () => {
    expect(inverseNormalCdf(0.5)).toBe(0);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(inverseNormalCdf(0.8413447460685429)).toBeCloseTo(1, 8);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(inverseNormalCdf(1e-9)).toBeCloseTo(-5.997807015007686, 7);
    expect(inverseNormalCdf(0.02)).toBeCloseTo(-inverseNormalCdf(0.98), 12);
    expect(() => inverseNormalCdf(0)).toThrow(RangeError);
    expect(() => inverseNormalCdf(1)).toThrow(RangeError);
  });

  it('int draws every value in [lo, hi] about equally often, and nothing outside', () => {
    const r = new Random(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 30_000; i++) {
      const v = r.int(-1, 4);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-1, 0, 1, 2, 3, 4]);
    for (const c of counts.values()) expect(Math.abs(c - 5000)).toBeLessThan(330);
    expect(r.int(3, 3)).toBe(3);
  });

  it('forks repeatable streams that do not depend on draws already made', () => {
    const a = new Random(9);
    const f1 = a.fork('noise');
    a.uniform();
    a.normal();
    const f2 = a.fork('noise');
    expect(draws(10, () => f1.uniform())).toEqual(draws(10, () => f2.uniform()));
    // A fork depends on the seed and the label, and is not the parent's own stream.
    const first = (r: Random): number => r.uniform();
    const base = first(new Random(9).fork('noise'));
    expect(first(new Random(10).fork('noise'))).not.toBe(base);
    expect(first(new Random(9).fork('noisf'))).not.toBe(base);
    expect(first(new Random(9))).not.toBe(base);
    expect(first(new Random(9).fork('noise').fork('noise'))).not.toBe(base);
  });

  it('forks are independent: uncorrelated, even at a lag, and never replay each other', () => {
    const g = new Random(9).fork('shape');
    const h = new Random(9).fork('noise');
    const gs = new Uint32Array(N);
    const hs = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      gs[i] = g.uint32();
      hs[i] = h.uint32();
    }
    const correlation = (lag: number): number => {
      let sxy = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      const n = N - lag;
      for (let i = 0; i < n; i++) {
        const x = gs[i]! / 2 ** 32;
        const y = hs[i + lag]! / 2 ** 32;
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
      }
      const cov = sxy / n - (sx / n) * (sy / n);
      return cov / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    };
    // Standard error of a correlation over 1e5 independent pairs is about 0.003.
    for (const lag of [0, 1, 7]) expect(Math.abs(correlation(lag))).toBeLessThan(0.0125);
    // mulberry32 streams are offsets on one 2³² cycle; overlapping forks would share consecutive outputs.
    const pairs = new Set<number>();
    for (let i = 0; i + 1 < N; i++) pairs.add(gs[i]! * 2 ** 21 + (gs[i + 1]! >>> 11));
    let shared = 0;
    for (let i = 0; i + 1 < N; i++) if (pairs.has(hs[i]! * 2 ** 21 + (hs[i + 1]! >>> 11))) shared++;
    expect(shared).toBe(0);
  });
});
