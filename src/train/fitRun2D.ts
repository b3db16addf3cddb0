import { patchSizeFor } from '../data/slices2d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { TrainConfig } from './config.ts';
import type { GpuLimits } from './memoryEstimate.ts';
import { checkFit2D, largestFitting2D, type Run2DShape } from './memoryEstimate2D.ts';
import type { FromWorker, Run2DSummary } from './protocol.ts';

/**
 * Windows per prediction batch. validate() and predict-all (inference.ts) predict 8 windows at a time whatever the
 * run, so the fit must leave room for 8; only the session's live layers and slice scores could go lower.
 */
export const ENGINE_INFERENCE_BATCH = 8;

function summary(r: Run2DShape): Run2DSummary {
  return { patch: [...r.patch], batchLabeled: r.batchLabeled, batchUnlabeled: r.batchUnlabeled, width: r.model.width, inferenceBatch: r.inferenceBatch };
}

/**
 * The 2D run's memory verdict before anything is allocated: the ResUNet the Trainer will build (patchSizeFor's
 * patch unless the config fixes one) checked against the backend's limits; when it does not fit, the largest shape
 * that does (largestFitting2D), written back into the config with a fixed patch. A resumed model keeps its width.
 */
export function fitRun2D(
  config: TrainConfig,
  volumes: readonly TrainingVolume[],
  numClasses: number,
  limits: GpuLimits,
  source: string,
  opts: { keepWidth: boolean },
): { config: TrainConfig; event: Extract<FromWorker, { type: 'memory2d' }> } {
  const shape: Run2DShape = {
    model: { inChannels: volumes[0]?.channels ?? 1, numClasses, width: config.model.width, depth: config.model.depth },
    patch: config.patch === 'auto' ? patchSizeFor(volumes, config.model.depth) : config.patch,
    batchLabeled: config.batchLabeled,
    batchUnlabeled: config.consistency.weight > 0 ? config.batchUnlabeled : 0,
    teacher: config.ema.enabled,
    inferenceBatch: ENGINE_INFERENCE_BATCH,
  };
  const first = checkFit2D(shape, limits);
  const base = { budgetBytes: limits.budgetBytes, budgetSource: source, requested: summary(shape) };
  if (first.fits) return { config, event: { type: 'memory2d', ...base, estimateBytes: first.estimate.totalBytes, reason: null, used: summary(shape) } };
  const fitted = largestFitting2D(shape, limits, { keepWidth: opts.keepWidth, keepInferenceBatch: true });
  if (!fitted) return { config, event: { type: 'memory2d', ...base, estimateBytes: first.estimate.totalBytes, reason: first.reason, used: null } };
  const next: TrainConfig = {
    ...config,
    patch: fitted.patch,
    batchLabeled: fitted.batchLabeled,
    // An unlabeled batch of 0 came from a switched-off term: leave the config's own number alone.
    batchUnlabeled: shape.batchUnlabeled > 0 ? fitted.batchUnlabeled : config.batchUnlabeled,
    model: { ...config.model, width: fitted.model.width },
  };
  return {
    config: next,
    event: { type: 'memory2d', ...base, estimateBytes: checkFit2D(fitted, limits).estimate.totalBytes, reason: first.reason, used: summary(fitted) },
  };
}
