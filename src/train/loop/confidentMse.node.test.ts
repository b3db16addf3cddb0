import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { softmaxMse } from '../losses.ts';
import { confidentSoftmaxMse } from './confidentMse.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const val = async (t: tf.Tensor) => (await t.data())[0]!;

describe('confident softmax MSE', () => {
  // Two voxels, two classes: the student says 50/50 on both; the teacher is sure of voxel 0 (0.9) and not of 1 (0.6).
  const student = () => tf.tensor4d([0, 0, 0, 0], [1, 1, 2, 2]);
  const teacher = () => tf.tensor4d([0.9, 0.1, 0.6, 0.4], [1, 1, 2, 2]);

  it('with confidence 0 is the plain mean teacher cost', async () => {
    expect(await val(confidentSoftmaxMse(student(), teacher(), 0))).toBeCloseTo(await val(softmaxMse(student(), teacher())), 7);
  });
  it('leaves out voxels where the teacher is less sure than the threshold', async () => {
    // Only voxel 0: ((0.5 − 0.9)² + (0.5 − 0.1)²) / 2 = 0.16; both voxels would give (0.16 + 0.01) / 2 = 0.085.
    expect(await val(confidentSoftmaxMse(student(), teacher(), 0.8))).toBeCloseTo(0.16, 6);
  });
  it('is 0 with no confident voxel, and sends no gradient to the teacher', async () => {
    expect(await val(confidentSoftmaxMse(student(), teacher(), 0.95))).toBe(0);
    const g = tf.grad((t: tf.Tensor) => confidentSoftmaxMse(student(), t, 0.5))(teacher());
    expect(Array.from(await g.data()).every((x) => x === 0)).toBe(true);
  });
});
