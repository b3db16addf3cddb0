/**
 * The small JSON file that travels with an imported ONNX segmentation model (docs/onnx-models.md): what the network
 * expects (2D slices or 3D windows, patch, voxel spacing, channels, intensity normalisation) and what its output
 * channels mean (class values and names). An ONNX graph says none of this, and a model trained elsewhere (nnU-Net,
 * MONAI) predicts nonsense when any of it is wrong, so every field is checked here with a message that names it.
 *
 * Plain data, no tfjs and no onnxruntime: the page reads it too, to describe a model before the worker loads it.
 */

export type OnnxNormalisation =
  /** (x − mean) / std with a dataset's statistics (nnU-Net's CTNormalization clips to `clip` first). */
  | { kind: 'zscore'; mean: number; std: number; clip?: [number, number] }
  /** (x − mean) / std with each image's own mean and std (nnU-Net's ZScoreNormalization, most MR models). */
  | { kind: 'zscore-per-image' }
  /** (x − min) / (max − min): 0..1 for the given range (e.g. 0..255 for 8-bit pathology). */
  | { kind: 'range'; min: number; max: number }
  | { kind: 'none' };

export interface OnnxSidecar {
  /** 2: the network sees [N, C, H, W] slices; 3: [N, C, D, H, W] windows. */
  dimensions: 2 | 3;
  /** Window the network runs on: [H, W] (2D) or [D, H, W] (3D), in voxels at `spacing`. */
  patch: number[];
  /** Voxel size in mm along i, j, k that the network was trained at; null: use the image's own grid. */
  spacing: [number, number, number] | null;
  channels: 1 | 3;
  normalisation: OnnxNormalisation;
  /** Output channel c (c ≥ 1) is class `classes[c − 1]`; channel 0 is background. */
  classes: { value: number; name: string }[];
  /** Whether the output holds logits (softmax applied here) or probabilities already. */
  output: 'logits' | 'probabilities';
  /** Share of a window its neighbours overlap, 0 ≤ overlap < 1 (nnU-Net uses 0.5). */
  overlap: number;
  /** The graph's input name; null: its first input. */
  inputName: string | null;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function fail(file: string, what: string): never {
  throw new Error(`${file}: ${what} (docs/onnx-models.md describes the sidecar)`);
}

function positiveInts(x: unknown, n: number[], file: string, field: string): number[] {
  if (!Array.isArray(x) || !n.includes(x.length) || !x.every((v) => Number.isInteger(v) && v > 0)) {
    fail(file, `"${field}" must be ${n.join(' or ')} positive whole numbers`);
  }
  return x as number[];
}

function normalisationOf(x: unknown, file: string): OnnxNormalisation {
  const n = (x ?? { kind: 'none' }) as Record<string, unknown>;
  switch (n.kind) {
    case 'zscore': {
      if (!isNum(n.mean) || !isNum(n.std) || n.std <= 0) fail(file, '"normalisation" zscore needs a number "mean" and a positive "std"');
      const clip = n.clip as unknown;
      if (clip === undefined) return { kind: 'zscore', mean: n.mean, std: n.std };
      if (!Array.isArray(clip) || clip.length !== 2 || !isNum(clip[0]) || !isNum(clip[1]) || clip[0] >= clip[1])
        return fail(file, '"normalisation.clip" must be [low, high] with low < high');
      return { kind: 'zscore', mean: n.mean, std: n.std, clip: [clip[0], clip[1]] };
    }
    case 'zscore-per-image':
    case 'none':
      return { kind: n.kind };
    case 'range':
      if (!isNum(n.min) || !isNum(n.max) || n.max <= n.min) fail(file, '"normalisation" range needs numbers "min" < "max"');
      return { kind: 'range', min: n.min, max: n.max };
    default:
      return fail(file, `"normalisation.kind" must be zscore, zscore-per-image, range or none, not ${JSON.stringify(n.kind)}`);
  }
}

/** The sidecar in `text` (the contents of `file`), checked; throws a message naming the first wrong field. */
export function parseSidecar(text: string, file: string): OnnxSidecar {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return fail(file, 'is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, 'must hold one JSON object');
  const dimensions = raw.dimensions;
  if (dimensions !== 2 && dimensions !== 3) fail(file, '"dimensions" must be 2 (slices) or 3 (volumes)');
  const patch = positiveInts(raw.patch, [dimensions], file, 'patch');
  let spacing: [number, number, number] | null = null;
  if (raw.spacing !== undefined && raw.spacing !== null) {
    const s = raw.spacing;
    if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => isNum(v) && v > 0)) fail(file, '"spacing" must be [i, j, k] in mm (positive numbers) or null');
    spacing = [s[0], s[1], s[2]];
  }
  const channels = raw.channels ?? 1;
  if (channels !== 1 && channels !== 3) fail(file, '"channels" must be 1 (grey) or 3 (RGB)');
  const classes = raw.classes;
  if (!Array.isArray(classes) || classes.length === 0) fail(file, '"classes" must list at least one foreground class');
  const seen = new Set<number>();
  const parsed = classes.map((c: unknown, n) => {
    const { value, name } = (c ?? {}) as { value?: unknown; name?: unknown };
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 255) fail(file, `classes[${n}].value must be a whole number 1–255`);
    if (seen.has(value as number)) fail(file, `classes[${n}].value ${value} appears twice`);
    seen.add(value as number);
    return { value: value as number, name: typeof name === 'string' && name.trim() ? name.trim() : `class ${value}` };
  });
  const output = raw.output ?? 'logits';
  if (output !== 'logits' && output !== 'probabilities') fail(file, '"output" must be "logits" or "probabilities"');
  const overlap = raw.overlap ?? 0.5;
  if (!isNum(overlap) || overlap < 0 || overlap >= 1) fail(file, '"overlap" must be a number from 0 up to (not including) 1');
  const inputName = raw.input ?? null;
  if (inputName !== null && typeof inputName !== 'string') fail(file, '"input" must be the graph input\'s name');
  return { dimensions, patch, spacing, channels, normalisation: normalisationOf(raw.normalisation, file), classes: parsed, output, overlap, inputName };
}

/** One line for the user: what the imported model is. */
export function describeSidecar(s: OnnxSidecar): string {
  const grid = s.spacing ? ` at ${s.spacing.map((v) => +v.toFixed(3)).join('×')} mm` : '';
  return `${s.dimensions}D model, windows ${s.patch.join('×')}${grid}, ${s.classes.length} class${s.classes.length === 1 ? '' : 'es'} (${s.classes.map((c) => c.name).join(', ')})`;
}
