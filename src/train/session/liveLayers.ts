import { argmaxClasses } from '../inference.ts';
import type { FromWorker } from '../protocol.ts';
import type { PreparedRun } from './runPreparation.ts';
import { predictLayers, predictTextLayers } from './trainerOps.ts';
import { classValuesOf } from './workerVolumes.ts';

/** The slices on screen get a fresh prediction every few steps, and at least this often while steps are slow. */
const REFRESH_EVERY_STEPS = 5;
const REFRESH_EVERY_MS = 2_000;
/** Slices of the watched volume predicted per refresh beyond those on screen, so other views fill in. */
const SWEEP_SLICES = 4;

/** Each foreground class's text activation (0..1) × 255, class-major: K − 1 planes of pixels. */
export function activationBytes(mask: Float32Array, K: number): Uint8Array {
  const n = mask.length / K;
  const out = new Uint8Array(n * (K - 1));
  for (let c = 1; c < K; c++) for (let p = 0; p < n; p++) out[(c - 1) * n + p] = Math.max(0, Math.min(255, Math.round(255 * mask[p * K + c]!)));
  return out;
}

/** Which slices a refresh predicts: those on screen (only the first when steps are slow), and in 2D a few more in turn. */
export function refreshSlices(a: { onScreen: readonly number[]; nk: number; slow: boolean; volumetric: boolean; sweep: boolean; cursor: number }): {
  ks: number[];
  cursor: number;
} {
  const ks = new Set((a.slow && !a.volumetric ? a.onScreen.slice(0, 1) : a.onScreen).filter((k) => k >= 0 && k < a.nk));
  let cursor = a.cursor;
  // 3D predicts a slab around the slices on screen: its neighbours cost almost nothing more, far slices a slab each.
  if (a.sweep && !a.slow && !a.volumetric) {
    for (let n = 0; n < SWEEP_SLICES; n++) {
      ks.add(cursor % a.nk);
      cursor++;
    }
  }
  return { ks: [...ks], cursor };
}

/**
 * The watched volume's live layers: predictions for the slices on screen as soon as a step ends (and, while
 * training, a few more of that volume so other views fill in), with the text presets' layers beside them.
 */
export class LiveLayers {
  /** The volume and slices on screen; `fresh` until they have been predicted once. */
  watch: { volumeId: string; ks: number[]; fresh: boolean } | null = null;
  private cursor = 0;
  private lastAt = 0;

  setWatch(volumeId: string, ks: number[]): void {
    this.watch = { volumeId, ks, fresh: true };
  }

  /** A refresh is due every few steps, or when the last one is too long ago. */
  due(step: number): boolean {
    return step % REFRESH_EVERY_STEPS === 0 || performance.now() - this.lastAt > REFRESH_EVERY_MS;
  }

  async serve(run: PreparedRun, o: { sweep: boolean; slow: boolean }, emit: (m: FromWorker) => void): Promise<void> {
    const t = run.trainer;
    const w = this.watch;
    if (!w) return;
    w.fresh = false;
    // An untrained network's answer is noise: show nothing until it has learned for a step.
    if (t.step === 0) return;
    this.lastAt = performance.now();
    const index = run.volumes.findIndex((v) => v.id === w.volumeId);
    if (index < 0) return;
    const threeD = t.kind === '3d';
    const picked = refreshSlices({ onScreen: w.ks, nk: run.volumes[index]!.dims[2], slow: o.slow, volumetric: threeD, sweep: o.sweep, cursor: this.cursor });
    this.cursor = picked.cursor;
    const values = run.classes.map((c) => c.value);
    const K = t.numClasses;
    const text = await predictTextLayers(t, index, picked.ks);
    const batch = o.slow ? 1 : threeD ? 2 : 8;
    const layers = await predictLayers(t, index, run.trainingVolumes[index]!, picked.ks, { batch, overlap2D: run.previewOverlap2D });
    layers.forEach(({ k, labels, uncertainty }, n) => {
      const tx = text?.[n];
      emit({
        type: 'prediction',
        volumeId: w.volumeId,
        k,
        step: t.step,
        labels: classValuesOf(labels, values),
        uncertainty,
        text: tx
          ? {
              labels: classValuesOf(argmaxClasses(tx.text, K), values),
              merged: classValuesOf(argmaxClasses(tx.merged, K), values),
              activation: activationBytes(tx.activation, K),
            }
          : null,
      });
    });
  }
}
