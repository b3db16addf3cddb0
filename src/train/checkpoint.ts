import type { NamedArray } from '../model/params.ts';
import type { VisionLanguageConfig } from '../model/visionLanguageModel.ts';
import type { TakPromptTexts } from '../text/takPrompts.ts';
import type { TokenizerJSON } from '../text/tokenizer.ts';
import type { WorkspaceTexts } from '../text/workspaceTexts.ts';
import type { TrainConfig } from './config.ts';
import type { InferenceSpec } from './inferenceSpec.ts';

/**
 * The text presets' part of a checkpoint: the vision–language model (its config, tokenizer and weights), how far its
 * pre-training got, the texts it encoded, and the text-guided decoder once stage 2 has begun. Resuming restores
 * all of it, so a reload neither repeats pre-training nor changes the token ids under the embedding table.
 */
export interface TextCheckpoint {
  model: VisionLanguageConfig;
  /** The learned text encoder's vocabulary; null with a fixed provider, whose vectors are kept instead. */
  tokenizer: TokenizerJSON | null;
  vectors?: { provider: 'pretrained' | 'import'; name: string; dim: number; entries: { text: string; vector: Float32Array }[] } | null;
  pretrainSteps: number;
  texts: WorkspaceTexts;
  image: NamedArray[];
  text: NamedArray[];
  shared: NamedArray[];
  /** Null while stage 1 still runs. */
  decoder: NamedArray[] | null;
}

/**
 * TAK's part of a checkpoint: the prompt vectors its text-driven head was trained with (the head's controller reads
 * them, so resuming or predicting without them would change what every class means), who made them, and the texts
 * they encode, so a resumed run can tell whether the class descriptions changed since.
 */
export interface TakCheckpoint {
  dim: number;
  /** T_k^p and T_k^s of every class, background first: [K, dim] row-major each. */
  position: Float32Array;
  shape: Float32Array;
  encoder: string;
  /** Which kind of encoder made them, and from which texts; absent when the CLI saved the run. */
  provider?: 'learned' | 'pretrained' | 'import';
  texts?: TakPromptTexts;
}

/**
 * A checkpoint: everything needed to resume a run or predict with it — config, classes, step, student and
 * teacher weights, Adam's moments. One binary file: "PSLB", a little-endian u32 header length, a JSON header,
 * padding to 4 bytes, then float32 data. The same bytes go to IndexedDB, to a downloaded file and to the CLI's
 * run folder.
 */
export interface Checkpoint {
  version: 1;
  config: TrainConfig;
  /** Class values (as in label maps) in network output order 1..K−1, with names. */
  classes: { value: number; name: string }[];
  numClasses: number;
  inChannels: number;
  step: number;
  savedAt: number;
  student: NamedArray[];
  teacher: NamedArray[] | null;
  optimiser: { step: number; m: NamedArray[]; v: NamedArray[] } | null;
  /** promptssl, duss: the vision–language model and text decoder; absent for the other presets. */
  text?: TextCheckpoint | null;
  /** tak: the prompt vectors of the text-driven head; absent for the other presets. */
  tak?: TakCheckpoint | null;
  /** The training patch and normalisation every prediction uses; absent in files written before it was recorded. */
  inference?: InferenceSpec;
}

interface TensorEntry {
  group: 'student' | 'teacher' | 'm' | 'v' | 'vlm.image' | 'vlm.text' | 'vlm.shared' | 'text.decoder' | 'text.vectors' | 'tak.position' | 'tak.shape';
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

const MAGIC = [0x50, 0x53, 0x4c, 0x42]; // "PSLB"

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const groups: [TensorEntry['group'], NamedArray[]][] = [
    ['student', c.student],
    ['teacher', c.teacher ?? []],
    ['m', c.optimiser?.m ?? []],
    ['v', c.optimiser?.v ?? []],
    ['vlm.image', c.text?.image ?? []],
    ['vlm.text', c.text?.text ?? []],
    ['vlm.shared', c.text?.shared ?? []],
    ['text.decoder', c.text?.decoder ?? []],
    ['text.vectors', (c.text?.vectors?.entries ?? []).map((e) => ({ name: e.text, shape: [e.vector.length], values: e.vector }))],
    ['tak.position', c.tak ? [{ name: 'position', shape: [c.tak.position.length / c.tak.dim, c.tak.dim], values: c.tak.position }] : []],
    ['tak.shape', c.tak ? [{ name: 'shape', shape: [c.tak.shape.length / c.tak.dim, c.tak.dim], values: c.tak.shape }] : []],
  ];
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [group, arrays] of groups) {
    for (const a of arrays) {
      entries.push({ group, name: a.name, shape: a.shape, offset, length: a.values.length });
      offset += a.values.length;
    }
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      version: c.version,
      config: c.config,
      classes: c.classes,
      numClasses: c.numClasses,
      inChannels: c.inChannels,
      step: c.step,
      savedAt: c.savedAt,
      hasTeacher: c.teacher !== null,
      optimiserStep: c.optimiser?.step ?? null,
      text: c.text
        ? {
            model: c.text.model,
            tokenizer: c.text.tokenizer,
            pretrainSteps: c.text.pretrainSteps,
            texts: c.text.texts,
            hasDecoder: c.text.decoder !== null,
            vectors: c.text.vectors ? { provider: c.text.vectors.provider, name: c.text.vectors.name, dim: c.text.vectors.dim } : null,
          }
        : null,
      tak: c.tak ? { dim: c.tak.dim, encoder: c.tak.encoder, provider: c.tak.provider, texts: c.tak.texts } : null,
      inference: c.inference ?? null,
      tensors: entries,
    }),
  );
  const dataStart = Math.ceil((8 + header.length) / 4) * 4;
  const out = new Uint8Array(dataStart + offset * 4);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  const data = new Float32Array(out.buffer, dataStart, offset);
  let n = 0;
  for (const [, arrays] of groups)
    for (const a of arrays) {
      data.set(a.values, n);
      n += a.values.length;
    }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a Pseudolab model file (its signature is missing)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error('model file is truncated (its header is incomplete)');
  let header: {
    version: number;
    config: TrainConfig;
    classes: Checkpoint['classes'];
    numClasses: number;
    inChannels: number;
    step: number;
    savedAt: number;
    hasTeacher: boolean;
    optimiserStep: number | null;
    text?: {
      model: VisionLanguageConfig;
      tokenizer: TokenizerJSON | null;
      pretrainSteps: number;
      texts: WorkspaceTexts;
      hasDecoder: boolean;
      vectors?: { provider: 'pretrained' | 'import'; name: string; dim: number } | null;
    } | null;
    tak?: { dim: number; encoder: string; provider?: TakCheckpoint['provider']; texts?: TakPromptTexts } | null;
    inference?: InferenceSpec | null;
    tensors: TensorEntry[];
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new Error('model file is corrupt (its header is not readable)');
  }
  if (header.version !== 1) throw new Error(`model file version ${header.version} is not supported`);
  const dataStart = Math.ceil((8 + headerLength) / 4) * 4;
  const total = header.tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0);
  if (dataStart + total * 4 > bytes.length) throw new Error('model file is truncated (weights are missing)');
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const data = new Float32Array(aligned.buffer, aligned.byteOffset + dataStart, total);
  const pick = (group: TensorEntry['group']): NamedArray[] =>
    header.tensors.filter((t) => t.group === group).map((t) => ({ name: t.name, shape: t.shape, values: data.slice(t.offset, t.offset + t.length) }));
  return {
    version: 1,
    config: header.config,
    classes: header.classes,
    numClasses: header.numClasses,
    inChannels: header.inChannels,
    step: header.step,
    savedAt: header.savedAt,
    student: pick('student'),
    teacher: header.hasTeacher ? pick('teacher') : null,
    optimiser: header.optimiserStep === null ? null : { step: header.optimiserStep, m: pick('m'), v: pick('v') },
    text: header.text
      ? {
          model: header.text.model,
          tokenizer: header.text.tokenizer,
          pretrainSteps: header.text.pretrainSteps,
          texts: header.text.texts,
          image: pick('vlm.image'),
          text: pick('vlm.text'),
          shared: pick('vlm.shared'),
          decoder: header.text.hasDecoder ? pick('text.decoder') : null,
          vectors: header.text.vectors ? { ...header.text.vectors, entries: pick('text.vectors').map((a) => ({ text: a.name, vector: a.values })) } : null,
        }
      : null,
    tak: header.tak
      ? { ...header.tak, position: pick('tak.position')[0]?.values ?? new Float32Array(0), shape: pick('tak.shape')[0]?.values ?? new Float32Array(0) }
      : null,
    ...(header.inference ? { inference: header.inference } : {}),
  };
}

/**
 * A checkpoint's header without its weights: what storage needs to file it (method, network, width, step) when
 * only the bytes are at hand, as when an older database is upgraded. Null when the bytes are not a checkpoint.
 */
export function peekCheckpoint(bytes: Uint8Array): { config: TrainConfig; step: number; classes: Checkpoint['classes'] } | null {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + headerLength > bytes.length) return null;
  try {
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
      config: TrainConfig;
      step: number;
      classes: Checkpoint['classes'];
    };
    return { config: h.config, step: h.step, classes: h.classes };
  } catch {
    return null;
  }
}
