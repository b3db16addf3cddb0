import * as tf from '@tensorflow/tfjs';
import { maxClasses, softmaxClasses, sumClasses } from '../../model/classAxis.ts';
import { stopGradient } from '../losses.ts';

/**
 * The mean teacher's consistency cost (Tarvainen & Valpola, NeurIPS 2017), the squared difference of class
 * probabilities, averaged only over voxels where the teacher is at least `confidence` sure of its top class. Where the
 * early teacher is unsure its target is mostly noise, and pulling the student towards it there slows the supervised
 * signal down; UA-MT (Yu et al., *Uncertainty-aware self-ensembling model for semi-supervised 3D left atrium
 * segmentation*, MICCAI 2019, eq 2) masks the same cost by the teacher's uncertainty for that reason. Confidence 0
 * keeps every voxel: the plain mean of softmaxMse. With no voxel confident the term is 0.
 */
export function confidentSoftmaxMse(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, confidence: number): tf.Scalar {
  return tf.tidy(() => {
    const t = stopGradient(teacherProbs);
    const sq = tf.square(tf.sub(softmaxClasses(studentLogits), t));
    const keep = tf.cast(tf.greaterEqual(maxClasses(t), confidence), 'float32');
    const k = studentLogits.shape[studentLogits.shape.length - 1]!;
    const kept = tf.sum(keep);
    return tf.div(tf.sum(tf.mul(sumClasses(sq), keep)), tf.maximum(tf.mul(kept, k), 1)) as tf.Scalar;
  });
}
