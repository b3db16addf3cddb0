import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../data/random.ts';
import type { Params } from '../../model/params.ts';
import type { TrainConfig } from '../config.ts';
import { argmaxClasses } from '../inference.ts';
import { sampleStageVoxels, stageAlignmentLoss, voxelEntropy, type VoxelSource } from './contrastiveAlignment.ts';

/** Which voxels L_con may draw, per batch element of the labeled and of the unlabeled patches. */
export interface ContrastSources {
  labeled: VoxelSource[];
  unlabeled: VoxelSource[];
}

/**
 * L_con's voxels for one step (Leveraging Textual Anatomical Knowledge for Class-Imbalanced Semi-Supervised
 * Multi-Organ Segmentation, TAK): labeled ground truth, then the teacher's pseudo-labels where its entropy (eq 1) is
 * at most `entropyThreshold`·log K. The teacher's probabilities come back to the CPU once for that.
 */
export async function contrastSources(
  batch: { labeledCount: number; unlabeledCount: number; labels: Uint8Array; mask: Uint8Array },
  patch: readonly [number, number, number],
  numClasses: number,
  teacherProbs: tf.Tensor | null,
  entropyThreshold: number,
): Promise<ContrastSources> {
  const n = patch[0] * patch[1] * patch[2];
  const labeled: VoxelSource[] = [];
  for (let b = 0; b < batch.labeledCount; b++)
    labeled.push({ classes: batch.labels.subarray(b * n, (b + 1) * n), eligible: batch.mask.subarray(b * n, (b + 1) * n) });
  const unlabeled: VoxelSource[] = [];
  if (teacherProbs) {
    const probs = (await teacherProbs.data()) as Float32Array;
    const limit = entropyThreshold * Math.log(numClasses);
    const h = voxelEntropy(probs, numClasses);
    const cls = argmaxClasses(probs, numClasses);
    const eligible = Uint8Array.from(h, (x) => (x <= limit ? 1 : 0));
    for (let b = 0; b < batch.unlabeledCount; b++)
      unlabeled.push({ classes: cls.subarray(b * n, (b + 1) * n), eligible: eligible.subarray(b * n, (b + 1) * n) });
  }
  return { labeled, unlabeled };
}

/** What one stage's L_con needs of the run. */
export interface StageContrastContext {
  student: Params;
  patch: [number, number, number];
  numClasses: number;
  tak: TrainConfig['tak'];
  rng: Random;
  prompts: { position: tf.Tensor2D; shape: tf.Tensor2D };
}

/** The classes L_con aligns: the structures, or every class with background ('all', or a single structure). */
function contrastClasses(K: number, conClasses: TrainConfig['tak']['conClasses']): number[] {
  const all = Array.from({ length: K }, (_, c) => c);
  return conClasses === 'all' || K < 3 ? all : all.slice(1);
}

/** L_con (TAK eq 2) at one stage over labeled and unlabeled student features, both drawn per class (λ_N each set). */
export function stageContrast(ctx: StageContrastContext, stage: number, fl: tf.Tensor5D, fu: tf.Tensor5D | null, src: ContrastSources): tf.Scalar {
  const classes = contrastClasses(ctx.numClasses, ctx.tak.conClasses);
  const grid = (f: tf.Tensor5D) => ({ full: ctx.patch, stage: [f.shape[1], f.shape[2], f.shape[3]] as [number, number, number] });
  const sl = sampleStageVoxels(src.labeled, grid(fl), classes, ctx.tak.samplesPerClass, ctx.rng);
  // Both sets go into one Ω: the unlabeled features are concatenated after the labeled ones, rows offset to match.
  let features: tf.Tensor5D = fl;
  let rows = sl.rows;
  let cls = sl.classes;
  if (fu && src.unlabeled.length > 0) {
    const su = sampleStageVoxels(src.unlabeled, grid(fu), classes, ctx.tak.samplesPerClass, ctx.rng);
    const offset = fl.shape[0] * fl.shape[1] * fl.shape[2] * fl.shape[3];
    features = tf.concat([fl, fu], 0) as tf.Tensor5D;
    rows = Int32Array.from([...sl.rows, ...Array.from(su.rows, (r) => r + offset)]);
    cls = Int32Array.from([...sl.classes, ...su.classes]);
  }
  return stageAlignmentLoss(ctx.student, stage, features, { rows, classes: cls }, ctx.prompts.position, ctx.prompts.shape, classes, {
    tau: ctx.tak.tau,
    denominator: ctx.tak.denominator,
  });
}
