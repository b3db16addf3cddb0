import { patchSizeFor } from '../data/slices2d.ts';
import { NORMALISATION, type Normalisation } from '../data/trainingVolume.ts';
import type { Checkpoint } from './checkpoint.ts';

/**
 * What a model needs to predict an image it has never seen exactly as it predicted during training: the window it
 * was trained on and how intensities were normalised. Instance norm makes the network's output depend on the
 * window it sees, so every prediction runs in windows of the training patch (Gaussian-blended where they overlap)
 * and never in a canvas sized to whichever volumes happen to be open. The model file carries this, so a model
 * trained in one workspace predicts correctly in another.
 */
export interface InferenceSpec {
  /** 2D: [height, width]; 3D: [depth, height, width], in voxels. */
  patch: number[];
  normalisation: Normalisation;
}

export function inferenceSpecFor(patch: readonly number[]): InferenceSpec {
  return { patch: [...patch], normalisation: NORMALISATION };
}

/** The 2D window of a checkpoint: the recorded training patch; for files written before it was recorded, the config's. */
export function inferencePatch2D(c: Checkpoint, volumes: Parameters<typeof patchSizeFor>[0]): { patch: [number, number]; recorded: boolean } {
  checkNormalisation(c);
  const p = c.inference?.patch;
  if (p && p.length === 2) return { patch: [p[0]!, p[1]!], recorded: true };
  if (c.config.patch !== 'auto') return { patch: c.config.patch, recorded: true };
  // An 'auto' patch was the training volumes' largest slice rounded up (capped): the volumes to predict stand in.
  return { patch: patchSizeFor(volumes, c.config.model.depth), recorded: false };
}

/** The 3D window of a checkpoint when it was recorded (null: plan it as the run would have). */
export function inferencePatch3D(c: Checkpoint): [number, number, number] | null {
  checkNormalisation(c);
  const p = c.inference?.patch;
  if (p && p.length === 3) return [p[0]!, p[1]!, p[2]!];
  return c.config.patch3d !== 'auto' ? c.config.patch3d : null;
}

function checkNormalisation(c: Checkpoint): void {
  const n = c.inference?.normalisation;
  if (n !== undefined && n !== NORMALISATION) throw new Error(`the model was trained on intensities normalised by '${n}', which this version does not know`);
}
