import { plan3D } from '../data/plan3d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { BackendChoice } from './backend.ts';
import type { TrainConfig } from './config.ts';
import { budgetFor, checkFit, largestFitting, type GpuLimits, type Run3DShape } from './memoryEstimate.ts';
import type { FromWorker, Run3DSummary } from './protocol.ts';

/** WebAssembly's 32-bit heap: tfjs-wasm cannot grow past it in practice, whatever the machine has. */
const WASM_BUDGET_BYTES = 2 * 2 ** 30;

/**
 * What a 3D run may use on this backend. WebGPU reports per-buffer limits, not the GPU's size, so its budget comes
 * from budgetFor; the CPU backends live in the WebAssembly (or JavaScript) heap; WebGL hides its memory entirely,
 * so it gets the same 2 GiB a real GPU is assumed to lend a tab.
 */
export function memoryLimitsFor(
  backend: Pick<BackendChoice, 'name' | 'software' | 'gpuLimits'>,
  deviceMemoryGiB?: number,
): { limits: GpuLimits; source: string } {
  if (backend.name === 'webgpu' && backend.gpuLimits) {
    const limits = budgetFor({ ...backend.gpuLimits, software: backend.software }, deviceMemoryGiB);
    return {
      limits,
      source: `WebGPU adapter limits (${Math.round(limits.maxBindingBytes / 2 ** 20)} MiB per buffer${backend.software ? '; a software GPU shares the machine’s memory' : ''})`,
    };
  }
  const source =
    backend.name === 'wasm'
      ? 'the WebAssembly heap'
      : backend.name === 'cpu'
        ? 'the JavaScript heap'
        : backend.name === 'webgl'
          ? 'a 2 GiB budget (WebGL does not report its memory)'
          : 'a 2 GiB budget';
  // The WebGPU minimum per binding when the adapter's own limit is unknown; the CPU heaps have no per-buffer limit.
  const maxBindingBytes = backend.name === 'webgpu' ? 128 * 2 ** 20 : WASM_BUDGET_BYTES;
  return { limits: { maxBindingBytes, budgetBytes: WASM_BUDGET_BYTES }, source };
}

function summary(r: Run3DShape): Run3DSummary {
  return { patch: [...r.patch], batchLabeled: r.batchLabeled, batchUnlabeled: r.batchUnlabeled, width: r.model.width };
}

/**
 * The 3D run's memory verdict before anything is allocated: the shape Trainer3D will build (plan3D's patch and
 * strides unless the config fixes the patch), checked against the limits; when it does not fit, the largest shape
 * that does (largestFitting), written back into the config. A resumed model keeps its width (its weights have that
 * many channels), so only batch and patch can give way then.
 */
export function fitRun3D(
  config: TrainConfig,
  volumes: readonly TrainingVolume[],
  numClasses: number,
  limits: GpuLimits,
  source: string,
  opts: { keepWidth: boolean },
): { config: TrainConfig; event: Extract<FromWorker, { type: 'memory' }> } {
  const plan = plan3D(volumes, { depth: config.model.depth, maxVoxels: config.patchVoxels });
  const shape: Run3DShape = {
    model: { inChannels: volumes[0]?.channels ?? 1, numClasses, width: config.model.width, depth: config.model.depth, strides: plan.strides },
    patch: config.patch3d === 'auto' ? plan.patch : config.patch3d,
    batchLabeled: config.batchLabeled,
    batchUnlabeled: config.consistency.weight > 0 ? config.batchUnlabeled : 0,
    teacher: config.ema.enabled,
  };
  const first = checkFit(shape, limits);
  const base = { budgetBytes: limits.budgetBytes, budgetSource: source, requested: summary(shape) };
  if (first.fits) return { config, event: { type: 'memory', ...base, estimateBytes: first.estimate.totalBytes, reason: null, used: summary(shape) } };
  let fitted = largestFitting(shape, limits);
  let reason = first.reason!;
  if (fitted && opts.keepWidth && fitted.model.width !== shape.model.width) {
    fitted = { ...fitted, model: shape.model };
    reason += `; the resumed model keeps its width of ${shape.model.width}, so it may still not fit`;
  }
  if (!fitted) return { config, event: { type: 'memory', ...base, estimateBytes: first.estimate.totalBytes, reason, used: null } };
  const next: TrainConfig = {
    ...config,
    patch3d: fitted.patch,
    batchLabeled: fitted.batchLabeled,
    // An unlabeled batch of 0 came from a switched-off term: leave the config's own number alone.
    batchUnlabeled: shape.batchUnlabeled > 0 ? fitted.batchUnlabeled : config.batchUnlabeled,
    model: { ...config.model, width: fitted.model.width },
  };
  return { config: next, event: { type: 'memory', ...base, estimateBytes: checkFit(fitted, limits).estimate.totalBytes, reason, used: summary(fitted) } };
}
