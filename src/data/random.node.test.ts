import { describe, expect, it } from 'vitest';
import { Random } from './random.ts';

describe('Random', () => {
  it('repeats from a seed and differs between seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });

  it('has the moments of U(0,1) and N(0,1) over 1e5 draws', () => {
    const r = new Random(7);
    let s = 0;
    let s2 = 0;
    let n1 = 0;
    let n2 = 0;
    const N = 100_000;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < N; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      s += u;
      s2 += u * u;
      const z = r.normal();
      n1 += z;
      n2 += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(s / N).toBeCloseTo(0.5, 2);
    expect(s2 / N - (s / N) ** 2).toBeCloseTo(1 / 12, 2);
    expect(n1 / N).toBeCloseTo(0, 1);
    expect(n2 / N).toBeCloseTo(1, 1);
  });

  it('forks independent, repeatable streams that do not depend on draws already made', () => {
    const a = new Random(9);
    const f1 = a.fork('noise');
    a.uniform();
    a.uniform();
    const f2 = a.fork('noise');
    expect(f1.uniform()).toBe(f2.uniform());
    // A fork depends on the seed: the same label under another seed is another stream.
    expect(new Random(10).fork('noise').uniform()).not.toBe(new Random(9).fork('noise').uniform());
    const g = new Random(9).fork('shape');
    const h = new Random(9).fork('noise');
    const xs = Array.from({ length: 2000 }, () => g.uniform());
    const ys = Array.from({ length: 2000 }, () => h.uniform());
    const mx = xs.reduce((p, q) => p + q) / xs.length;
    const my = ys.reduce((p, q) => p + q) / ys.length;
    let cov = 0;
    for (let i = 0; i < xs.length; i++) cov += (xs[i]! - mx) * (ys[i]! - my);
    expect(Math.abs(cov / xs.length)).toBeLessThan(0.005);
  });

  it('draws integers inclusively', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(2, 4));
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });
});
