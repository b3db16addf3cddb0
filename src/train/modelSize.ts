import type { BackendChoice } from './backend.ts';

export type ModelSize = 'tiny' | 'small' | 'standard' | 'large';
export type ModelSizeChoice = ModelSize | 'auto';
export const MODEL_SIZES: readonly ModelSizeChoice[] = ['auto', 'tiny', 'small', 'standard', 'large'];

export interface SizedParts {
  model: { width: number; depth: number };
  batchLabeled: number;
  batchUnlabeled: number;
}

export const MODEL_SIZE_LABELS: Record<ModelSizeChoice, string> = {
  auto: 'Auto (fits the backend)',
  tiny: 'Tiny (software GPUs, quick tries)',
  small: 'Small (CPU)',
  standard: 'Standard (GPU)',
  large: 'Large (fast GPU)',
};

/**
 * What a model size means: width and batch set the cost of a step. 'auto' picks by the backend: a software GPU
 * can afford only the tiniest model, the CPU a small one, a real GPU the standard one. Large images (pathology
 * tiles, 512² CT) get one more level down, for context, at little extra cost.
 */
export function resolveModelSize(
  choice: ModelSizeChoice,
  backend: Pick<BackendChoice, 'name' | 'software'>,
  largestSide: number,
): { size: ModelSize; parts: SizedParts } {
  const size: ModelSize = choice !== 'auto' ? choice : backend.software ? 'tiny' : backend.name === 'wasm' || backend.name === 'cpu' ? 'small' : 'standard';
  const deep = largestSide >= 192 ? 1 : 0;
  const parts: Record<ModelSize, SizedParts> = {
    tiny: { model: { width: 4, depth: 2 + deep }, batchLabeled: 2, batchUnlabeled: 2 },
    small: { model: { width: 8, depth: 3 + deep }, batchLabeled: 4, batchUnlabeled: 4 },
    standard: { model: { width: 16, depth: 3 + deep }, batchLabeled: 4, batchUnlabeled: 4 },
    large: { model: { width: 32, depth: 4 }, batchLabeled: 8, batchUnlabeled: 8 },
  };
  return { size, parts: parts[size] };
}

/**
 * The voxel budget of an 'auto' 3D patch per model size: the patch, not the width, is what makes a 3D step costly
 * (every activation scales with it). The tiny size is for software GPUs and WebAssembly, where a 48³ patch takes
 * many seconds a step; 24³ keeps a step near a second and still holds a few slices of context.
 */
export const PATCH_VOXELS_3D: Record<ModelSize, number> = {
  tiny: 24 * 24 * 24,
  small: 32 * 32 * 32,
  standard: 48 * 48 * 48,
  large: 64 * 64 * 64,
};

/**
 * Patches (labeled, and unlabeled) per 3D step by model size. A 3D patch holds ~30–50 k voxels, so the 2D batches
 * are too many: the small size at 4 + 4 needs ~2.5 GiB, over WebAssembly's 2 GiB budget, and every CPU run started
 * with a "does not fit, trains smaller" warning (bench/results/3d-step-2026-12-06.md).
 */
export const BATCH_3D: Record<ModelSize, number> = {
  tiny: 2,
  small: 2,
  standard: 4,
  large: 8,
};
