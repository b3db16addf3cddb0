import { Random } from './random.ts';

/** Case ids split into training and validation, seeded and order-independent (ids are sorted first). */
export interface CaseSplit {
  seed: number;
  train: string[];
  val: string[];
}

function shuffled(ids: readonly string[], rng: Random): string[] {
  const a = [...ids].sort();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function seededSplit(ids: readonly string[], valFraction: number, seed: number): CaseSplit {
  const order = shuffled(ids, new Random(seed).fork('case-split'));
  const nVal = Math.round(order.length * valFraction);
  return { seed, val: order.slice(0, nVal).sort(), train: order.slice(nVal).sort() };
}

/** Which training cases carry labels: round(F·n) of them (at least one when F > 0), seeded. */
export function chooseLabeledCases(train: readonly string[], fraction: number, seed: number): string[] {
  if (fraction <= 0) return [];
  const n = Math.min(train.length, Math.max(1, Math.round(train.length * fraction)));
  return shuffled(train, new Random(seed).fork('labeled-cases')).slice(0, n).sort();
}

/**
 * N slices along k to label in a case, as a clinician would pick them: spread evenly through the slices that
 * contain the structure (the whole range when it is absent).
 */
export function chooseLabeledSlices(labels: Uint8Array, dims: [number, number, number], n: number): number[] {
  const per = dims[0] * dims[1];
  const withStructure: number[] = [];
  for (let k = 0; k < dims[2]; k++) {
    for (let p = k * per; p < (k + 1) * per; p++) {
      if (labels[p]) {
        withStructure.push(k);
        break;
      }
    }
  }
  const pool = withStructure.length > 0 ? withStructure : Array.from({ length: dims[2] }, (_, k) => k);
  if (n >= pool.length) return pool;
  const out = new Set<number>();
  for (let m = 0; m < n; m++) out.add(pool[Math.floor(((m + 0.5) * pool.length) / n)]!);
  return [...out].sort((a, b) => a - b);
}
