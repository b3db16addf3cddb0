/**
 * A small seeded PRNG (mulberry32 over a uint32 state). Deterministic streams matter twice: the demo must be
 * identical on every machine, and training runs must be repeatable from a seed. `fork` derives an independent
 * stream from a label, so adding a draw in one place never shifts the numbers another place sees.
 */
export class Random {
  private state: number;
  private spare: number | null = null;
  /** The seed, kept so forks depend on it and not on how many draws came before. */
  private readonly seedState: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
    this.seedState = this.state;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An independent stream named by `label`, derived from this stream's seed state (not its position). */
  fork(label: string): Random {
    let h = 2166136261 ^ this.seedState;
    for (let n = 0; n < label.length; n++) h = Math.imul(h ^ label.charCodeAt(n), 16777619);
    return new Random(Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0);
  }
}
