import * as tf from '@tensorflow/tfjs';
import { allocate, dispatchShader, gridFor, packUniforms, release } from './dispatch.ts';
import { webgpuBackend, type WebGPUBackendInternals } from './tfjsWebGPU.ts';

/*
 * Softmax + masked cross-entropy + soft Dice in three dispatches, with its gradient in one more:
 *   forward   shaders/softmax_ce_dice_forward.wgsl   per-workgroup sums [Σ m·CE_v, Σ m, I_k, D_k]
 *             shaders/softmax_ce_dice_reduce.wgsl    totals [2 + 2K] and the losses [CE, Dice]
 *   backward  shaders/softmax_ce_dice_backward.wgsl  ∂L/∂z per voxel from the totals and the upstream [dCe, dDice]
 * The tfjs-op route (maskedCrossEntropy + maskedSoftDice in src/train/losses.ts) runs a long chain of small
 * kernels (per-class unstacks, products, reductions over non-inner axes, then all their gradients) and keeps the
 * softmax, its log and several [N, K] products alive for the backward pass; this keeps only the 2 + 2K totals.
 * CE = Σ m·(−Σ_k g_k log p_k) / max(Σ m, 1) (PromptSSL eq 12, DuSSS eq 15); Dice = 1 − mean over scored classes
 * of (2 Σ m p_k g_k + ε)/(Σ m (p_k + g_k) + ε) over the whole batch (TAK L_s, L_u). The CPU spec is
 * src/gpu/reference/ceDice.ts.
 */

/** Classes the shaders hold in registers and workgroup memory (2 + 2K slots × 64 threads). */
export const FUSED_CE_DICE_MAX_CLASSES = 24;
const FORWARD_WORKGROUP = 64;
const BACKWARD_WORKGROUP = 64;
/** Voxels per backward thread (strided by the workgroup size, so reads stay coalesced). */
const BACKWARD_VOXELS_PER_THREAD = 4;

/**
 * Voxels per forward thread: a power of two from 8 to 128 that leaves about 256 workgroups. Each workgroup ends
 * in a 6-barrier reduction, which software GPUs emulate at great cost (on SwiftShader 32 voxels per thread ran
 * about 5× faster than 8: bench/results/software-gpu-notes-2026-12-07.md), while ~256 workgroups of 64 still
 * spread over a real GPU's cores. Powers of two keep the number of compiled pipelines small.
 */
function forwardVoxelsPerThread(n: number): number {
  const wanted = Math.ceil(n / (FORWARD_WORKGROUP * 256));
  return Math.min(128, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(wanted, 1)))));
}

export interface FusedCeDiceOptions {
  /** Score the background class (k = 0) in the Dice mean too. */
  includeBackground: boolean;
  /** Dice smoothing ε. */
  eps: number;
}

/**
 * Why `fusedCeDice` cannot take these tensors on the active backend, or null when it can. Logits [..., K] and
 * targets of the same shape, a mask with one value per voxel ([..., 1] or [...]), all float32, 2 ≤ K ≤ 24.
 */
export function fusedCeDiceUnsupported(logits: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): string | null {
  if (tf.getBackend() !== 'webgpu') return `the active backend is ${tf.getBackend()}, not webgpu`;
  if (logits.rank < 1) return 'logits need a class axis';
  const K = logits.shape[logits.rank - 1]!;
  if (K < 2 || K > FUSED_CE_DICE_MAX_CLASSES) return `${K} classes (the kernel takes 2 to ${FUSED_CE_DICE_MAX_CLASSES})`;
  if (!tf.util.arraysEqual(logits.shape, target.shape)) return `target shape ${target.shape} differs from logits ${logits.shape}`;
  if (mask.size * K !== logits.size) return `mask of ${mask.size} values for ${logits.size / K} voxels`;
  if (logits.size === 0) return 'no voxels';
  if ([logits, target, mask].some((t) => t.dtype !== 'float32')) return 'only float32 inputs';
  const limit = webgpuBackend().device.limits.maxStorageBufferBindingSize;
  if (logits.size * 4 > limit) return `${logits.size * 4} bytes of logits exceed the ${limit}-byte storage binding limit`;
  return null;
}

interface ForwardResult {
  /** [CE, Dice]. */
  losses: tf.TensorInfo;
  /** [Σ m·CE_v, Σ m, I_0..I_{K−1}, D_0..D_{K−1}], read by the backward pass. */
  totals: tf.TensorInfo;
}

function runForward(
  backend: WebGPUBackendInternals,
  logits: tf.Tensor,
  target: tf.Tensor,
  mask: tf.Tensor,
  K: number,
  opts: FusedCeDiceOptions,
): ForwardResult {
  const n = mask.size;
  const slots = 2 + 2 * K;
  const perThread = forwardVoxelsPerThread(n);
  const groups = Math.ceil(n / (FORWARD_WORKGROUP * perThread));
  const partials = allocate(backend, [groups, slots]);
  dispatchShader(backend, {
    shader: 'softmax_ce_dice_forward',
    constants: { K, VOXELS_PER_THREAD: perThread },
    buffers: [partials, logits, target, mask],
    uniforms: packUniforms([
      ['u32', n],
      ['u32', groups],
    ]),
    workgroups: gridFor(groups),
  });
  const totals = allocate(backend, [slots]);
  const losses = allocate(backend, [2]);
  dispatchShader(backend, {
    shader: 'softmax_ce_dice_reduce',
    constants: { K },
    buffers: [totals, losses, partials],
    uniforms: packUniforms([
      ['u32', groups],
      ['f32', opts.eps],
      ['u32', opts.includeBackground ? 0 : 1],
    ]),
    workgroups: [1, 1, 1],
  });
  release(backend, partials);
  return { losses, totals };
}

function runBackward(
  backend: WebGPUBackendInternals,
  logits: tf.Tensor,
  target: tf.Tensor,
  mask: tf.Tensor,
  totals: tf.Tensor,
  dy: tf.Tensor,
  opts: FusedCeDiceOptions,
): tf.TensorInfo {
  const K = logits.shape[logits.rank - 1]!;
  const n = mask.size;
  const dz = allocate(backend, logits.shape);
  dispatchShader(backend, {
    shader: 'softmax_ce_dice_backward',
    constants: { K, WG: BACKWARD_WORKGROUP, VOXELS_PER_THREAD: BACKWARD_VOXELS_PER_THREAD },
    buffers: [dz, logits, target, mask, totals, dy],
    uniforms: packUniforms([
      ['u32', n],
      ['f32', opts.eps],
      ['u32', opts.includeBackground ? 0 : 1],
    ]),
    workgroups: gridFor(Math.ceil(n / (BACKWARD_WORKGROUP * BACKWARD_VOXELS_PER_THREAD))),
  });
  return dz;
}

/**
 * `t` with float32 storage. tfjs's Cast from bool or int32 to float32 is an identity that keeps the integer
 * buffer (WEBGPU.md trap "cast then transpose"), which tfjs's own shaders read by the stored dtype but ours
 * would read as f32 bit patterns — a one-hot built by tf.cast(tf.greaterEqual(…)) (the pseudo-labels) would
 * look like zeros. One elementwise tfjs op writes a real f32 copy; it has a gradient, so logits stay
 * differentiable.
 */
function withFloat32Storage(backend: WebGPUBackendInternals, t: tf.Tensor): tf.Tensor {
  return backend.tensorMap.get(t.dataId).dtype === 'float32' ? t : tf.add(t, 0);
}

/**
 * Masked cross-entropy and soft Dice of softmax(logits) against `target`, fused, on the webgpu backend.
 * Equal to maskedCrossEntropy(logits, target, mask) and maskedSoftDice(softmax(logits), target, mask, opts);
 * gradients flow into `logits` only (target and mask get zero gradient, as constants should). Throws when
 * fusedCeDiceUnsupported says why; callers that want a fallback ask it first (see maskedCeDice).
 */
export function fusedCeDice(logits: tf.Tensor, target: tf.Tensor, mask: tf.Tensor, opts: FusedCeDiceOptions): { ce: tf.Scalar; dice: tf.Scalar } {
  const why = fusedCeDiceUnsupported(logits, target, mask);
  if (why) throw new Error(`fusedCeDice: ${why}`);
  const K = logits.shape[logits.rank - 1]!;
  const backend = webgpuBackend();
  const engine = tf.engine();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, g, m] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const out = runForward(backend, z!, g!, m!, K, opts);
    // Saved (cloned and kept) only while a tape records; this tensor itself goes with customGrad's tidy.
    save([z!, g!, m!, engine.makeTensorFromTensorInfo(out.totals)]);
    return {
      value: engine.makeTensorFromTensorInfo(out.losses),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [zs, gs, ms, totals] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const dz = runBackward(backend, zs, gs, ms, totals, withFloat32Storage(backend, dy as tf.Tensor), opts);
        return [engine.makeTensorFromTensorInfo(dz), tf.zerosLike(gs), tf.zerosLike(ms)];
      },
    };
  });
  return tf.tidy(() => {
    const [z, g, m] = [logits, target, mask].map((t) => withFloat32Storage(backend, t)) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [ce, dice] = tf.unstack(op(z, g, m) as tf.Tensor) as [tf.Scalar, tf.Scalar];
    return { ce, dice };
  });
}
