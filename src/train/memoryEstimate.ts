import { vNet3DActivationFloats, vNet3DDivisor, vNet3DLevelChannels, vNet3DParamCount, type VNet3DConfig } from '../model/vnet3d.ts';

/*
 * GPU memory of a 3D training run, estimated from the V-Net's shapes before anything is allocated (issue #5 item 5):
 * so a configuration that cannot fit is refused with a reason and the largest one that does is offered, instead of
 * the browser losing its GPU device halfway through the first step.
 */

export interface Run3DShape {
  model: VNet3DConfig;
  patch: [number, number, number];
  batchLabeled: number;
  batchUnlabeled: number;
  /** Mean teacher: a second copy of the weights and a no-gradient forward over the unlabeled batch. */
  teacher: boolean;
}

export interface GpuLimits {
  /** The adapter's maxStorageBufferBindingSize: one tensor must fit in one binding (WEBGPU.md trap 10). */
  maxBindingBytes: number;
  /** Memory the run may use in all. WebGPU does not report the GPU's size, so this is a budget (see budgetFor). */
  budgetBytes: number;
}

export interface MemoryEstimate {
  /** Weights, their gradients, Adam's two moments, and the teacher's copy. */
  weightBytes: number;
  /** Feature maps held for the backward pass of the student's labeled and unlabeled forwards, plus their gradients. */
  activationBytes: number;
  /** The teacher's forward (nothing kept for a backward pass: about one level's maps at a time). */
  teacherBytes: number;
  totalBytes: number;
  /** The largest single tensor: the full-resolution skip concatenation of the bigger batch. */
  largestTensorBytes: number;
}

/**
 * Why 2× activations: the backward pass allocates a gradient of about every kept map; why ×1.25 on the total: the
 * WebGPU buffer pool keeps freed buffers keyed by size (WEBGPU.md trap 9), so peak use runs above the live sum.
 */
const BACKWARD_FACTOR = 2;
const POOL_FACTOR = 1.25;

export function estimateRun3DMemory(r: Run3DShape): MemoryEstimate {
  const params = vNet3DParamCount(r.model);
  const copies = 4 + (r.teacher ? 1 : 0); // weights, gradients, Adam m and v, teacher
  const weightBytes = 4 * params * copies;
  const kept = (b: number) => (b > 0 ? vNet3DActivationFloats(r.model, r.patch, b) : 0);
  const activationBytes = 4 * BACKWARD_FACTOR * (kept(r.batchLabeled) + kept(r.batchUnlabeled));
  // A no-gradient forward frees each level once the next is computed: about a tenth of the kept maps at once.
  const teacherBytes = r.teacher && r.batchUnlabeled > 0 ? 4 * Math.ceil(kept(r.batchUnlabeled) / 10) : 0;
  const voxels = r.patch[0] * r.patch[1] * r.patch[2];
  const largestTensorBytes = 4 * Math.max(r.batchLabeled, r.batchUnlabeled) * voxels * 2 * vNet3DLevelChannels(r.model, 0);
  return {
    weightBytes,
    activationBytes,
    teacherBytes,
    totalBytes: Math.ceil(POOL_FACTOR * (weightBytes + activationBytes + teacherBytes)),
    largestTensorBytes,
  };
}

export interface FitVerdict {
  fits: boolean;
  estimate: MemoryEstimate;
  /** Plain words for the user: what does not fit and by how much. */
  reason: string | null;
}

export function checkFit(r: Run3DShape, limits: GpuLimits): FitVerdict {
  const estimate = estimateRun3DMemory(r);
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  if (estimate.largestTensorBytes > limits.maxBindingBytes) {
    return {
      fits: false,
      estimate,
      reason: `its largest tensor needs ${mib(estimate.largestTensorBytes)}, over this GPU's ${mib(limits.maxBindingBytes)} per buffer`,
    };
  }
  if (estimate.totalBytes > limits.budgetBytes) {
    return { fits: false, estimate, reason: `it needs about ${mib(estimate.totalBytes)}, over the ${mib(limits.budgetBytes)} budget` };
  }
  return { fits: true, estimate, reason: null };
}

/**
 * The largest configuration that fits, trading in this order — batch (down to 1 + 1), then patch (each side by
 * one divisor step, the longest side first), then width (halved, not below 4) — because batch costs accuracy
 * least and width most. Null when even the smallest does not fit.
 */
export function largestFitting(r: Run3DShape, limits: GpuLimits): Run3DShape | null {
  let cur: Run3DShape = { ...r, patch: [...r.patch] as [number, number, number], model: { ...r.model } };
  for (let guard = 0; guard < 200; guard++) {
    if (checkFit(cur, limits).fits) return cur;
    if (cur.batchLabeled > 1 || cur.batchUnlabeled > 1) {
      cur = {
        ...cur,
        batchLabeled: Math.max(1, Math.floor(cur.batchLabeled / 2)),
        batchUnlabeled: Math.min(cur.batchUnlabeled, Math.max(1, Math.floor(cur.batchUnlabeled / 2))),
      };
      continue;
    }
    const unit = vNet3DDivisor(cur.model);
    const order = [0, 1, 2].sort((a, b) => cur.patch[b]! - cur.patch[a]!);
    const axis = order.find((a) => cur.patch[a]! - unit[a]! >= Math.max(unit[a]!, 8));
    if (axis !== undefined) {
      const patch = [...cur.patch] as [number, number, number];
      patch[axis] = patch[axis]! - unit[axis]!;
      cur = { ...cur, patch };
      continue;
    }
    if (cur.model.width > 4) {
      cur = { ...cur, model: { ...cur.model, width: Math.max(4, Math.floor(cur.model.width / 2)) } };
      continue;
    }
    return null;
  }
  return null;
}

/**
 * A memory budget from what WebGPU tells us: the adapter's limits bound single buffers, not the whole GPU. A
 * software adapter (SwiftShader) shares the machine's RAM; a real one is assumed to let a tab use 2 GiB unless the
 * caller knows better (the user can raise it).
 */
export function budgetFor(adapter: { maxStorageBufferBindingSize: number; maxBufferSize: number; software: boolean }, deviceMemoryGiB?: number): GpuLimits {
  const maxBindingBytes = Math.min(adapter.maxStorageBufferBindingSize, adapter.maxBufferSize);
  const gib = adapter.software ? Math.min(4, Math.max(1, (deviceMemoryGiB ?? 4) / 2)) : 2;
  return { maxBindingBytes, budgetBytes: gib * 2 ** 30 };
}
