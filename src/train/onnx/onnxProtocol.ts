import type { FromWorker } from '../protocol.ts';
import type { VoxelData } from '../../volume/Volume.ts';
import type { OnnxSidecar } from './sidecar.ts';

/**
 * Messages to the imported-model worker (src/train/worker/onnxWorker.ts). It answers with a subset of the training
 * worker's events (live predictions, predict-all progress and results, errors), so the store, the layers and the
 * review treat an imported model's output exactly as a trained one's. Plain data: the page imports this file.
 */
export type ToOnnxWorker =
  | { type: 'load'; model: Uint8Array; sidecar: OnnxSidecar; name: string; wasmUrl: string }
  /** A volume to predict on: its grid, spacing and voxels (a copy; the page keeps its own). */
  | { type: 'volume'; volumeId: string; dims: [number, number, number]; spacing: [number, number, number]; channels: number; voxels: VoxelData }
  | { type: 'forget'; volumeId: string }
  | { type: 'watch'; volumeId: string; ks: number[] }
  | { type: 'predictAll' }
  | { type: 'cancelPredictAll' };

export type FromOnnxWorker =
  | { type: 'loaded'; name: string; inputs: readonly string[]; outputs: readonly string[] }
  | Extract<FromWorker, { type: 'prediction' | 'sliceScores' | 'predictAllProgress' | 'predictAllVolume' | 'predictAllDone' | 'error' }>;

/** Buffers that move to the other side instead of being copied. */
export function onnxTransferables(m: ToOnnxWorker | FromOnnxWorker): Transferable[] {
  switch (m.type) {
    case 'load':
      return [m.model.buffer as ArrayBuffer];
    case 'prediction':
      return [m.labels.buffer as ArrayBuffer, m.uncertainty.buffer as ArrayBuffer];
    case 'predictAllVolume':
      return [m.labels.buffer as ArrayBuffer];
    case 'sliceScores':
      return [m.scores.buffer as ArrayBuffer];
    default:
      return [];
  }
}
