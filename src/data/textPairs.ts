import { applyGeometry, drawGeometry, jitterIntensity, type AugmentConfig } from './augment2d.ts';
import type { Random } from './random.ts';
import type { SlicePools, SliceRef } from './sampler.ts';
import { centredWindow, extractSlice, type Window2D } from './slices2d.ts';
import type { TrainingVolume } from './trainingVolume.ts';

/*
 * Image–text pairs for vision–language pre-training (docs/METHOD.md, "Pairs come from the user's data: a slice (or a
 * region crop) and the text that describes it"). Two kinds:
 *   - region: a labeled slice, masked to the neighbourhood of one class's labeled pixels, with that class's text
 *     (PromptSSL's "prompt-guided region image"). Masking, not cropping-and-resizing, keeps the pixel scale of the
 *     segmentation model, so the same ViT later serves the text-guided mask at training resolution.
 *   - description: a whole slice of a volume that carries a free-text description (MoNuSeg's sentences), with it.
 * Batches hold distinct texts only: InfoNCE treats every other item of a batch as a negative, and two pairs that
 * share a text would push apart what should match.
 */

export type PairKind = 'region' | 'description';

export interface PairRef {
  volume: number;
  k: number;
  /** Index into PairPool.texts. */
  text: number;
  kind: PairKind;
  /** The class a region pair shows (index in the network's output); 0 for descriptions. */
  classIndex: number;
}

export interface PairPool {
  /** Distinct texts, in a fixed order: class texts first (index c − 1 for class c), then descriptions. */
  texts: string[];
  /** Which entries of `texts` are class texts: classOfText[t] = class index, or 0 for a description. */
  classOfText: number[];
  train: PairRef[];
  /** Pairs from held-out slices, for image→text retrieval accuracy. */
  heldOut: PairRef[];
}

export interface PairPoolOptions {
  /** Text of class index c at c − 1 (background excluded); empty strings are skipped. */
  classTexts: readonly string[];
  /** Free-text description per volume index ('' or undefined = none). */
  descriptions: readonly (string | undefined)[];
  /** A class needs at least this many labeled pixels in a slice to make a region pair. */
  minRegionPixels: number;
  /** At most this many description pairs per volume (evenly spaced slices), so long volumes don't dominate. */
  maxDescriptionSlicesPerVolume: number;
  /** Share of slices held out for retrieval accuracy. */
  heldOutFraction: number;
}

export const DEFAULT_PAIR_OPTIONS: Omit<PairPoolOptions, 'classTexts' | 'descriptions'> = {
  minRegionPixels: 4,
  maxDescriptionSlicesPerVolume: 16,
  heldOutFraction: 0.2,
};

/** Labeled pixels of each class in slice k (index 0 = background). */
function classPixelCounts(v: TrainingVolume, k: number, numClasses: number): number[] {
  const per = v.dims[0] * v.dims[1];
  const counts = new Array<number>(numClasses).fill(0);
  for (let p = k * per; p < (k + 1) * per; p++) if (v.labeled[p]) counts[v.labels[p]!]!++;
  return counts;
}

export function buildPairPool(volumes: readonly TrainingVolume[], pools: SlicePools, opts: PairPoolOptions, rng: Random): PairPool {
  const texts: string[] = [];
  const classOfText: number[] = [];
  const textIndex = new Map<string, number>();
  const addText = (t: string, cls: number): number => {
    const key = t.trim();
    const seen = textIndex.get(key);
    if (seen !== undefined) return seen;
    textIndex.set(key, texts.length);
    texts.push(key);
    classOfText.push(cls);
    return texts.length - 1;
  };
  const classText = opts.classTexts.map((t, n) => (t.trim() ? addText(t, n + 1) : -1));
  const numClasses = opts.classTexts.length + 1;

  // Held-out slices are chosen per slice so a slice never trains and scores at once.
  const heldOut = new Set<string>();
  const key = (s: SliceRef): string => `${s.volume}:${s.k}`;
  const candidates: SliceRef[] = [];
  volumes.forEach((v, volume) => {
    for (let k = 0; k < v.dims[2]; k++) candidates.push({ volume, k });
  });
  for (const s of candidates) if (rng.uniform() < opts.heldOutFraction) heldOut.add(key(s));

  const train: PairRef[] = [];
  const held: PairRef[] = [];
  const put = (p: PairRef): void => {
    (heldOut.has(key(p)) ? held : train).push(p);
  };
  // Region pairs come from every slice with labels, validation slices included: they are labels the user made,
  // and pre-training never sees the segmentation validation metric.
  const labeledSlices = [...pools.labeled, ...pools.validation];
  for (const s of labeledSlices) {
    const counts = classPixelCounts(volumes[s.volume]!, s.k, numClasses);
    for (let c = 1; c < numClasses; c++) {
      const t = classText[c - 1]!;
      if (t >= 0 && counts[c]! >= opts.minRegionPixels) put({ volume: s.volume, k: s.k, text: t, kind: 'region', classIndex: c });
    }
  }
  volumes.forEach((v, volume) => {
    const d = opts.descriptions[volume]?.trim();
    if (!d) return;
    const t = addText(d, 0);
    const n = Math.min(v.dims[2], opts.maxDescriptionSlicesPerVolume);
    for (let m = 0; m < n; m++) {
      const k = Math.floor(((m + 0.5) * v.dims[2]) / n);
      put({ volume, k, text: t, kind: 'description', classIndex: 0 });
    }
  });
  return { texts, classOfText, train, heldOut: held };
}

/** Texts that have at least one training pair: the ones a batch can draw. */
export function drawableTexts(pool: PairPool): number[] {
  return [...new Set(pool.train.map((p) => p.text))].sort((a, b) => a - b);
}

export interface PairBatch {
  size: [number, number];
  channels: number;
  count: number;
  /** Images [count, H, W, C] (NHWC)… */
  images: Float32Array;
  /** …and an independently augmented copy of each, for DuSSS's image–image term (IMC, eq 9). */
  imagesAugmented: Float32Array;
  /** Index into PairPool.texts per item; all distinct. */
  texts: number[];
  refs: PairRef[];
}

/** The window of slice k centred on a class's labeled pixels (or the slice centre) and the region mask around them. */
function regionWindow(v: TrainingVolume, ref: PairRef, size: [number, number]): { win: Window2D; keep: (y: number, x: number) => boolean } {
  const [ni, nj] = v.dims;
  const base = ref.k * ni * nj;
  let i0 = ni;
  let i1 = -1;
  let j0 = nj;
  let j1 = -1;
  for (let j = 0; j < nj; j++) {
    for (let i = 0; i < ni; i++) {
      const p = base + j * ni + i;
      if (v.labeled[p] && v.labels[p] === ref.classIndex) {
        i0 = Math.min(i0, i);
        i1 = Math.max(i1, i);
        j0 = Math.min(j0, j);
        j1 = Math.max(j1, j);
      }
    }
  }
  const [h, w] = size;
  const win = i1 < 0 ? centredWindow(v, size) : { top: Math.round((j0 + j1) / 2 - h / 2), left: Math.round((i0 + i1) / 2 - w / 2) };
  if (i1 < 0) return { win, keep: () => true };
  // A margin of a quarter of the box (at least 3 px) keeps the structure's border and a little context.
  const mi = Math.max(3, Math.round((i1 - i0 + 1) / 4));
  const mj = Math.max(3, Math.round((j1 - j0 + 1) / 4));
  return {
    win,
    keep: (y, x) => {
      const i = x + win.left;
      const j = y + win.top;
      return i >= i0 - mi && i <= i1 + mi && j >= j0 - mj && j <= j1 + mj;
    },
  };
}

/** Shrunk description images per volume (a volume's image never changes; a label edit makes a new TrainingVolume). */
const shrunk = new WeakMap<TrainingVolume, Map<string, Float32Array>>();

/**
 * Slice k shrunk to `size` by area averaging (each output pixel the mean of the source pixels it covers). A
 * description speaks of the whole image ("the nuclei density in the upper right is high"), so a slice larger than
 * the model's input is shown whole, smaller, rather than cropped to a part the sentence may not be about.
 */
export function shrinkSlice(v: TrainingVolume, k: number, size: [number, number]): Float32Array {
  const [h, w] = size;
  const [ni, nj] = v.dims;
  const ch = v.channels;
  const out = new Float32Array(h * w * ch);
  const base = k * ni * nj;
  for (let y = 0; y < h; y++) {
    const j0 = Math.floor((y * nj) / h);
    const j1 = Math.max(j0 + 1, Math.floor(((y + 1) * nj) / h));
    for (let x = 0; x < w; x++) {
      const i0 = Math.floor((x * ni) / w);
      const i1 = Math.max(i0 + 1, Math.floor(((x + 1) * ni) / w));
      const n = (j1 - j0) * (i1 - i0);
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) sum += v.image[(base + j * ni + i) * ch + c]!;
        out[(y * w + x) * ch + c] = sum / n;
      }
    }
  }
  return out;
}

/**
 * The pair's image at the fixed size: a description pair shows its whole slice (shrunk when larger than `size`),
 * a region pair its class's neighbourhood at full resolution, the rest masked to 0 (the normalised mean).
 */
export function pairImage(v: TrainingVolume, ref: PairRef, size: [number, number]): Float32Array {
  const ch = v.channels;
  if (ref.kind === 'description') {
    if (v.dims[0] <= size[1] && v.dims[1] <= size[0]) return extractSlice(v, ref.k, size, centredWindow(v, size)).image;
    // Shrinking a 1000² tile reads every pixel; the result never changes for a volume, so it is kept (a copy goes out:
    // callers augment in place).
    const key = `${ref.k}:${size[0]}x${size[1]}`;
    let cache = shrunk.get(v);
    if (!cache) shrunk.set(v, (cache = new Map()));
    let image = cache.get(key);
    if (!image) cache.set(key, (image = shrinkSlice(v, ref.k, size)));
    return image.slice();
  }
  const { win, keep } = regionWindow(v, ref, size);
  const image = extractSlice(v, ref.k, size, win).image;
  const [h, w] = size;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (!keep(y, x)) image.fill(0, (y * w + x) * ch, (y * w + x + 1) * ch);
  return image;
}

function augmentImage(image: Float32Array, size: [number, number], channels: number, cfg: AugmentConfig, rng: Random): Float32Array {
  const [h, w] = size;
  const sample = { height: h, width: w, channels, image, labels: new Uint8Array(h * w), mask: new Uint8Array(h * w) };
  return jitterIntensity(applyGeometry(sample, drawGeometry(cfg, rng)).image, cfg, rng);
}

/**
 * A batch of `count` pairs with distinct texts (fewer when fewer texts exist), each image augmented twice:
 * once for the cross-modal terms and once more for the image–image term.
 */
export function samplePairBatch(
  volumes: readonly TrainingVolume[],
  pool: PairPool,
  count: number,
  size: [number, number],
  augment: AugmentConfig,
  rng: Random,
): PairBatch {
  const byText = new Map<number, PairRef[]>();
  for (const p of pool.train) byText.set(p.text, [...(byText.get(p.text) ?? []), p]);
  const available = [...byText.keys()].sort((a, b) => a - b);
  for (let i = available.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [available[i], available[j]] = [available[j]!, available[i]!];
  }
  const chosen = available.slice(0, Math.min(count, available.length));
  const ch = volumes[0]?.channels ?? 1;
  const px = size[0] * size[1] * ch;
  const images = new Float32Array(chosen.length * px);
  const imagesAugmented = new Float32Array(chosen.length * px);
  const refs: PairRef[] = [];
  chosen.forEach((t, b) => {
    const options = byText.get(t)!;
    const ref = options[rng.int(0, options.length - 1)]!;
    refs.push(ref);
    const base = pairImage(volumes[ref.volume]!, ref, size);
    images.set(augmentImage(base, size, ch, augment, rng), b * px);
    imagesAugmented.set(augmentImage(base, size, ch, augment, rng), b * px);
  });
  return { size, channels: ch, count: chosen.length, images, imagesAugmented, texts: chosen, refs };
}
