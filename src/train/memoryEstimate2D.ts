import { levelChannels, type ResUNet2DConfig } from '../model/resunet2d.ts';
import type { GpuLimits } from './memoryEstimate.ts';

/*
 * Memory of a 2D training run, estimated from the ResUNet's shapes before anything is allocated, like the 3D one
 * (memoryEstimate.ts): a run that would overflow WebAssembly's heap or a WebGPU buffer is made smaller with a reason
 * before its first step, instead of the engine aborting ("Aborted()", "memory access out of bounds") mid-step.
 *
 * Why the counts are large: tfjs keeps every intermediate of a tf.tidy until it ends, and a step's tidy holds the
 * student's forwards (taped for the backward pass) and the gradient of every taped tensor (accumulated until the
 * backward pass returns). The teacher's forward runs in a tidy of its own before them and leaves only its logits
 * and probabilities. A no-gradient prediction's tidy keeps every intermediate of its forward too. So memory is
 * counted in whole feature maps, per op.
 */

export interface Run2DShape {
  model: ResUNet2DConfig;
  patch: [number, number];
  batchLabeled: number;
  /** 0 when the unlabeled term is off (supervised). */
  batchUnlabeled: number;
  /** Mean teacher: a second copy of the weights and a forward over the unlabeled batch before the student's. */
  teacher: boolean;
  /** Windows per prediction batch (live layers, validation, predict-all). */
  inferenceBatch: number;
}

export interface MemoryEstimate2D {
  /** Weights, their gradients, Adam's two moments, and the teacher's copy. */
  weightBytes: number;
  /** The training step: student forwards kept with their gradients, and the teacher's forward. */
  stepBytes: number;
  /** One prediction batch: every intermediate of a forward over inferenceBatch windows. */
  inferenceBytes: number;
  /** The peak: weights plus the larger of a step and a prediction batch (they never overlap), with overheads. */
  totalBytes: number;
  /** The largest single tensor: the full-resolution skip concatenation of the biggest batch. */
  largestTensorBytes: number;
}

/** Feature maps (each channel of each pixel one float) an op leaves behind in a tidy, as counted in ops.ts. */
const NORM = 6; // instanceNorm: x − mean, its square (moments), the centred map again, ÷σ, ×γ, +β
const ACT = 5; // leakyRelu as relu(x) − a·relu(−x): relu, neg, relu, mul, sub
const CONV_UNIT = 1 + NORM + ACT;
const RES_BLOCK = CONV_UNIT + (1 + NORM) + 1 + ACT; // conv-IN-lReLU, conv-IN, + input, lReLU
/** Per class at full resolution: logits, bias add, and the loss's softmax, log-softmax and their products. */
const HEAD_PER_CLASS = 10;

/** Floats one forward of the ResUNet leaves in a tidy, for `batch` images of `patch`. */
export function resUNet2DActivationFloats(cfg: ResUNet2DConfig, patch: [number, number], batch: number): number {
  const unit = 2 ** cfg.depth;
  if (patch[0] % unit !== 0 || patch[1] % unit !== 0) throw new Error(`patch ${patch.join('×')} is not divisible by 2^depth = ${unit}`);
  const px = (level: number) => batch * (patch[0] / 2 ** level) * (patch[1] / 2 ** level);
  const ch = (level: number) => levelChannels(cfg, level);
  // Encoder: the stem (or a strided down-conv) and a residual block at each level.
  let n = 0;
  for (let d = 0; d <= cfg.depth; d++) n += px(d) * ch(d) * (CONV_UNIT + RES_BLOCK);
  // Decoder: the upsampled coarser map, its conv unit, the skip concatenation (2c), the merge conv unit and a block.
  for (let d = 0; d < cfg.depth; d++) n += px(d) * (ch(d + 1) + ch(d) * (CONV_UNIT + 2 + CONV_UNIT + RES_BLOCK));
  return n + px(0) * cfg.numClasses * HEAD_PER_CLASS;
}

export function resUNet2DParamCount(cfg: ResUNet2DConfig): number {
  const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;
  const c0 = levelChannels(cfg, 0);
  let n = conv(3, cfg.inChannels, c0) + 2 * conv(3, c0, c0);
  for (let d = 1; d <= cfg.depth; d++)
    n += conv(3, levelChannels(cfg, d - 1), levelChannels(cfg, d)) + 2 * conv(3, levelChannels(cfg, d), levelChannels(cfg, d));
  for (let d = cfg.depth - 1; d >= 0; d--) {
    const c = levelChannels(cfg, d);
    n += conv(3, levelChannels(cfg, d + 1), c) + conv(3, 2 * c, c) + 2 * conv(3, c, c);
  }
  return n + c0 * cfg.numClasses + cfg.numClasses;
}

/**
 * Why 2× the student's maps: the backward pass keeps a gradient of about every taped map until it returns. Why
 * ×1.3 on the total: the backward pass's own temporaries (transposed inputs of the filter gradients, padded
 * gradients) and the allocator — the WebAssembly heap never shrinks and fragments; WebGPU's buffer pool keeps freed
 * buffers keyed by size (WEBGPU.md trap 9). Checked against measured peaks in memoryEstimate2D.node.test.ts.
 */
const BACKWARD_FACTOR = 2;
const OVERHEAD_FACTOR = 1.3;

export function estimateRun2DMemory(r: Run2DShape): MemoryEstimate2D {
  const params = resUNet2DParamCount(r.model);
  const copies = 4 + (r.teacher ? 1 : 0); // weights, gradients, Adam m and v, teacher
  const weightBytes = 4 * params * copies;
  const kept = (b: number) => (b > 0 ? resUNet2DActivationFloats(r.model, r.patch, b) : 0);
  const student = BACKWARD_FACTOR * (kept(r.batchLabeled) + kept(r.batchUnlabeled));
  // The teacher's forward peaks on its own (its tidy ends before the student's forward); its logits and
  // probabilities stay for the loss.
  const teacherOut = r.teacher && r.batchUnlabeled > 0 ? 2 * r.batchUnlabeled * r.patch[0] * r.patch[1] * r.model.numClasses : 0;
  const teacherForward = r.teacher ? kept(r.batchUnlabeled) : 0;
  const stepBytes = 4 * Math.max(student + teacherOut, teacherForward);
  const inferenceBytes = 4 * kept(r.inferenceBatch);
  const pixels = r.patch[0] * r.patch[1];
  const biggest = Math.max(r.batchLabeled, r.batchUnlabeled, r.inferenceBatch);
  const largestTensorBytes = 4 * biggest * pixels * 2 * levelChannels(r.model, 0);
  return {
    weightBytes,
    stepBytes,
    inferenceBytes,
    totalBytes: Math.ceil(OVERHEAD_FACTOR * (weightBytes + Math.max(stepBytes, inferenceBytes))),
    largestTensorBytes,
  };
}

export interface FitVerdict2D {
  fits: boolean;
  estimate: MemoryEstimate2D;
  /** Plain words: what does not fit and by how much. */
  reason: string | null;
}

const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

export function checkFit2D(r: Run2DShape, limits: GpuLimits): FitVerdict2D {
  const estimate = estimateRun2DMemory(r);
  if (estimate.largestTensorBytes > limits.maxBindingBytes) {
    return {
      fits: false,
      estimate,
      reason: `its largest tensor needs ${mib(estimate.largestTensorBytes)}, over the ${mib(limits.maxBindingBytes)} one buffer may hold`,
    };
  }
  if (estimate.totalBytes > limits.budgetBytes) {
    return { fits: false, estimate, reason: `it needs about ${mib(estimate.totalBytes)}, over the ${mib(limits.budgetBytes)} available` };
  }
  return { fits: true, estimate, reason: null };
}

/** The smallest 2D patch side the fit goes down to: below it a 512² slice gives too little context. */
export const MIN_PATCH_2D = 64;

/** n, n/2, n/4, … down to `floor` (n itself always, even below it). */
function halvings(n: number, floor: number, round: (x: number) => number = Math.floor): number[] {
  const out = [n];
  for (let x = round(n / 2); x >= floor && x < out.at(-1)!; x = round(x / 2)) out.push(x);
  return out;
}

/**
 * The largest configuration that fits. What gives way first is the batch (halved, down to 1 + 1), then the patch
 * (both sides halved, neither below MIN_PATCH_2D nor 2^depth), then the width (halved, not below 4): batch costs
 * accuracy least and width most. So the width is kept while any patch fits, and each patch gets back the largest
 * batch that fits it. The prediction batch costs only speed: it takes whatever is left, down to 1, unless
 * `keepInferenceBatch` (the engine predicts at a fixed batch). `keepWidth`: a resumed model's weights fix its width.
 * Null when even the smallest does not fit.
 */
export function largestFitting2D(r: Run2DShape, limits: GpuLimits, opts: { keepWidth?: boolean; keepInferenceBatch?: boolean } = {}): Run2DShape | null {
  const unit = 2 ** r.model.depth;
  const sideFloor = Math.max(MIN_PATCH_2D, unit);
  const roundToUnit = (x: number) => Math.ceil(x / unit) * unit;
  const widths = opts.keepWidth ? [r.model.width] : halvings(r.model.width, 4);
  // Patches: both sides halve together, keeping the shape (a square patch stays square).
  const patches: [number, number][] = [[...r.patch]];
  for (;;) {
    const [h, w] = patches.at(-1)!;
    const next: [number, number] = [roundToUnit(h / 2), roundToUnit(w / 2)];
    if (Math.min(...next) < sideFloor || (next[0] >= h && next[1] >= w)) break;
    patches.push(next);
  }
  const batches = halvings(Math.max(r.batchLabeled, r.batchUnlabeled, 1), 1);
  const inference = opts.keepInferenceBatch ? [r.inferenceBatch] : halvings(r.inferenceBatch, 1);
  for (const width of widths) {
    for (const patch of patches) {
      for (const b of batches) {
        for (const inferenceBatch of inference) {
          const shape: Run2DShape = {
            ...r,
            model: { ...r.model, width },
            patch,
            batchLabeled: Math.min(r.batchLabeled, b),
            batchUnlabeled: r.batchUnlabeled > 0 ? Math.max(1, Math.min(r.batchUnlabeled, b)) : 0,
            inferenceBatch,
          };
          if (checkFit2D(shape, limits).fits) return shape;
        }
      }
    }
  }
  return null;
}
