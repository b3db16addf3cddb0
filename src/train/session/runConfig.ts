import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { BackendChoice } from '../backend.ts';
import type { Checkpoint } from '../checkpoint.ts';
import type { TrainConfig } from '../config.ts';
import { fitRun2D } from '../fitRun2D.ts';
import { fitRun3D, memoryLimitsFor } from '../fitRun3D.ts';
import { BATCH_3D, PATCH_VOXELS_3D, resolveModelSize, type ModelSize, type ModelSizeChoice } from '../modelSize.ts';
import type { FromWorker } from '../protocol.ts';

/** The machine's memory as Chrome reports it (rounded; absent in other browsers): a software GPU's budget is a share of it. */
function deviceMemoryGiB(): number | undefined {
  return (globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory;
}

/** The size a resumed run was trained at, read back from its width. */
function sizeOfWidth(width: number): ModelSize {
  return width === 4 ? 'tiny' : width === 8 ? 'small' : width === 32 ? 'large' : 'standard';
}

/**
 * The config a run trains with. A resumed run keeps its network, batches and the window it learned in; a fresh one
 * is sized for the backend and the largest slice. Either is then fitted to the backend's memory, with the reason
 * when it had to shrink (the `fit` event), so a run that cannot fit is made smaller instead of losing the device
 * (or WebAssembly's heap) in its first step.
 */
export function resolveRunConfig(a: {
  config: TrainConfig;
  modelSize: ModelSizeChoice;
  backend: BackendChoice;
  saved: Checkpoint | null;
  volumes: TrainingVolume[];
  numClasses: number;
  emit: (m: FromWorker) => void;
}): { config: TrainConfig; size: ModelSize } {
  let config = a.config;
  let size: ModelSize;
  const resumed = a.saved?.config ?? null;
  if (resumed) {
    config = {
      ...config,
      model: resumed.model,
      batchLabeled: resumed.batchLabeled,
      batchUnlabeled: resumed.batchUnlabeled,
      patch3d: resumed.patch3d,
      patchVoxels: resumed.patchVoxels,
    };
    // …and the window it learned and predicts in (inferenceSpec.ts), even when the open volumes would plan another.
    const recorded = a.saved?.inference?.patch;
    if (recorded?.length === 2 && resumed.model.kind === '2d') config = { ...config, patch: [recorded[0]!, recorded[1]!] };
    if (recorded?.length === 3 && resumed.model.kind === '3d') config = { ...config, patch3d: [recorded[0]!, recorded[1]!, recorded[2]!] };
    size = sizeOfWidth(resumed.model.width);
  } else {
    const sized = resolveModelSize(a.modelSize, a.backend, Math.max(...a.volumes.map((v) => Math.max(v.dims[0], v.dims[1]))));
    size = sized.size;
    config = { ...config, ...sized.parts, model: { ...config.model, ...sized.parts.model } };
    if (config.model.kind === '3d') config = { ...config, batchLabeled: BATCH_3D[size], batchUnlabeled: BATCH_3D[size] };
    if (config.model.kind === '3d' && config.patch3d === 'auto') config = { ...config, patchVoxels: PATCH_VOXELS_3D[size] };
    // The vision–language model scales with the segmentation network: a software GPU gets the smallest one.
    if (size === 'tiny') config = { ...config, vlm: { ...config.vlm, dim: 32, depth: 1, steps: Math.min(config.vlm.steps, 150) } };
  }
  const { limits, source } = memoryLimitsFor(a.backend, deviceMemoryGiB());
  const keepWidth = { keepWidth: resumed !== null };
  if (config.model.kind === '3d') {
    const fit = fitRun3D(config, a.volumes, a.numClasses, limits, source, keepWidth);
    a.emit(fit.event);
    if (!fit.event.used)
      throw new Error(
        `The 3D network does not fit on this backend even at its smallest: ${fit.event.reason}. Pick the 2D network, or a backend with more memory.`,
      );
    return { config: fit.config, size };
  }
  // A 512² scan at the size 'auto' picks can need several times WebAssembly's heap, which the engine reports only as
  // "Aborted()" mid-step: the largest run that fits trains instead, and the panel says so.
  const fit = fitRun2D(config, a.volumes, a.numClasses, limits, source, keepWidth);
  a.emit(fit.event);
  if (!fit.event.used)
    throw new Error(
      `The network does not fit in ${source} even at its smallest: ${fit.event.reason}. Pick a smaller model size, or a backend with more memory.`,
    );
  return { config: fit.config, size };
}
