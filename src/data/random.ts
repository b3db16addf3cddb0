/**
 * A small seeded PRNG: mulberry32 (Tommy Ettinger, 2017) over one 32-bit state. Deterministic streams matter
 * twice: the demo must be identical on every machine, and training runs must be repeatable from a seed.
 * `fork` derives an independent stream from a label, so adding a draw in one place never shifts the numbers
 * another place sees.
 *
 * Limits, on purpose: mulberry32 walks one Weyl sequence of period 2³², so every seed is a different starting
 * point on the same cycle. Two forks overlap only if their starting points fall within the draws they make, a
 * chance of about (draws of both) / 2³² — negligible for sampling and augmentation, not fit for cryptography
 * or for billions of draws per stream.
 *
 * Speed: the state is kept as an int32 and the Gaussian spare as a plain number with a flag, so V8 keeps both
 * unboxed; a draw costs a few nanoseconds and allocates nothing. For bulk noise (a normal per voxel or per
 * pixel), `fillNormal` is several times faster again than `normal`.
 */
export class Random {
  private state: number;
  /** The seed, kept so forks depend on it and not on how many draws came before. */
  private readonly seedState: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.state = seed | 0;
    this.seedState = seed >>> 0;
  }

  /** The next raw 32-bit output, as an unsigned integer in [0, 2³²). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1), in steps of 2⁻³². */
  uniform(): number {
    return this.uint32() * 2.3283064365386963e-10;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /**
   * Standard normal by Box–Muller (Box & Muller 1958): two uniforms give two independent normals; the second
   * is kept for the next call, so a pair of calls costs one log, one sqrt and one sin/cos pair.
   */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = this.uniform();
    // log(0) is -∞; 0 comes once in 2³² draws, so redraw rather than bias every value.
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spare = r * Math.sin(angle);
    this.hasSpare = true;
    return r * Math.cos(angle);
  }

  /**
   * Fills `out` with normals of mean `mean` and SD `sd`, two per 32-bit draw, by looking up a table of 2¹⁶
   * equal-probability normal quantiles. Exactly normal up to that quantisation: the tails stop at ±4.3 SD and
   * the variance is 0.99998 rather than 1 — fine for image noise and augmentation, not for tail statistics.
   */
  fillNormal(out: Float32Array | Float64Array, mean = 0, sd = 1): void {
    const table = normalQuantileTable();
    let n = 0;
    for (; n + 1 < out.length; n += 2) {
      const bits = this.uint32();
      out[n] = mean + sd * table[bits >>> 16]!;
      out[n + 1] = mean + sd * table[bits & 0xffff]!;
    }
    if (n < out.length) out[n] = mean + sd * table[this.uint32() >>> 16]!;
  }

  /**
   * An independent stream named by `label`, derived from this stream's seed (not its position): FNV-1a over
   * the label, started from the seed, then a MurmurHash2-style mix so similar labels land far apart.
   */
  fork(label: string): Random {
    let h = 2166136261 ^ this.seedState;
    for (let n = 0; n < label.length; n++) h = Math.imul(h ^ label.charCodeAt(n), 16777619);
    return new Random(Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0);
  }
}

let quantiles: Float64Array | null = null;

/** Φ⁻¹ at the centre of each of 2¹⁶ equal-probability bins, built once (about a millisecond). */
function normalQuantileTable(): Float64Array {
  if (!quantiles) {
    quantiles = new Float64Array(65536);
    for (let n = 0; n < 65536; n++) quantiles[n] = inverseNormalCdf((n + 0.5) / 65536);
  }
  return quantiles;
}

/**
 * Φ⁻¹(p) for 0 < p < 1 by Acklam's rational approximation (P. J. Acklam, "An algorithm for computing the
 * inverse normal cumulative distribution function", 2003): relative error below 1.2e-9, no iteration.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf: p must be in (0, 1), got ${p}`);
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    // Tails: a rational function of sqrt(-2 log p), odd-symmetric about p = 0.5.
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x =
      (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q +
        2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r +
      2.506628277459239) *
      q) /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1)
  );
}
