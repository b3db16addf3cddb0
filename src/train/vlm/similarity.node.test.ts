import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTemperature, cosineSimilarityMatrix, infoNceRows, l2Normalize, twoWayInfoNce } from './similarity.ts';
import { arr, expectClose, val } from './testing/tensorValues.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('cosine similarity', () => {
  it('normalises rows, then one matmul', async () => {
    // a = (1,0), (0,2); b = (3,0), (1,1). cos: (1,0)·(1,0) = 1, (1,0)·(1,1)/√2 = 1/√2, (0,1)·(1,0) = 0, (0,1)·(1,1)/√2 = 1/√2.
    const a = tf.tensor2d([1, 0, 0, 2], [2, 2]);
    const b = tf.tensor2d([3, 0, 1, 1], [2, 2]);
    expectClose(await arr(cosineSimilarityMatrix(a, b)), [1, Math.SQRT1_2, 0, Math.SQRT1_2]);
  });

  it('a zero vector normalises to zero with a finite gradient', async () => {
    const z = tf.tensor2d([0, 0, 3, 4], [2, 2]);
    expectClose(await arr(l2Normalize(z)), [0, 0, 0.6, 0.8]);
    const g = await arr(tf.grad((x: tf.Tensor) => tf.sum(l2Normalize(x)))(z));
    expect(g.every(Number.isFinite)).toBe(true);
  });
});

describe('temperature', () => {
  it('τ, log τ and the logit scale 1/τ give the same logits', async () => {
    const sim = tf.tensor2d([1, 0, 0.5, -1], [2, 2]);
    const want = [2, 0, 1, -2]; // τ = 0.5
    expectClose(await arr(applyTemperature(sim, { tau: tf.scalar(0.5) })), want);
    expectClose(await arr(applyTemperature(sim, { logTau: tf.scalar(Math.log(0.5)) })), want);
    expectClose(await arr(applyTemperature(sim, { logitScale: tf.scalar(2) })), want);
  });
});

describe('InfoNCE', () => {
  // L = [[2, 0], [1, 1]].
  // Rows (image→text): row 0 −2 + log(e² + 1) = log(1 + e⁻²); row 1 −1 + log(e + e) = log 2.
  // Columns (text→image): column 0 (2, 1), positive 2: log(1 + e⁻¹); column 1 (0, 1), positive 1: log(1 + e⁻¹).
  const logits = tf.tensor2d([2, 0, 1, 1], [2, 2]);
  const i2t = (Math.log(1 + Math.exp(-2)) + Math.log(2)) / 2;
  const t2i = Math.log(1 + Math.exp(-1));

  it('two-way InfoNCE against hand values, mean and sum', async () => {
    const m = twoWayInfoNce(logits, { reduction: 'mean' });
    expect(await val(m.rowToColumn)).toBeCloseTo(i2t, 6);
    expect(await val(m.columnToRow)).toBeCloseTo(t2i, 6);
    expect(await val(m.loss)).toBeCloseTo((i2t + t2i) / 2, 6);
    expect(await val(twoWayInfoNce(logits, { reduction: 'sum' }).loss)).toBeCloseTo(i2t + t2i, 6);
  });

  it('equals log N for identical embeddings', async () => {
    for (const n of [2, 3, 5]) {
      const e = tf.tile(tf.tensor2d([[0.3, -1, 2]]), [n, 1]) as tf.Tensor2D;
      const l = applyTemperature(cosineSimilarityMatrix(e, e), { tau: tf.scalar(0.07) }) as tf.Tensor2D;
      const r = twoWayInfoNce(l, { reduction: 'mean' });
      expect(await val(r.rowToColumn)).toBeCloseTo(Math.log(n), 5);
      expect(await val(r.columnToRow)).toBeCloseTo(Math.log(n), 5);
      expect(await val(r.loss)).toBeCloseTo(Math.log(n), 5);
      expect(await val(twoWayInfoNce(l, { reduction: 'sum' }).loss)).toBeCloseTo(2 * Math.log(n), 5);
    }
  });

  it('a separate denominator replaces only the log-sum-exp', async () => {
    // Numerator diagonal (2, 1); denominator all zeros → log Σ exp(0) = log 2 on every row and column.
    const den = tf.zeros([2, 2]) as tf.Tensor2D;
    expect(await val(infoNceRows(logits, den))).toBeCloseTo(Math.log(2) - 1.5, 6);
    expect(await val(twoWayInfoNce(logits, { reduction: 'mean', denominator: den }).loss)).toBeCloseTo(Math.log(2) - 1.5, 6);
  });

  it('gradient w.r.t. the logits is (softmax − one-hot)/N per direction', async () => {
    const g = await arr(tf.grad((l: tf.Tensor) => twoWayInfoNce(l as tf.Tensor2D, { reduction: 'sum' }).loss)(logits));
    // Rows: softmax(2,0) = (s, 1−s), s = e²/(e²+1); softmax(1,1) = (½, ½). Columns: softmax(2,1) = (c, 1−c), c = e/(e+1);
    // softmax(0,1) = (1−c, c). Each direction averages over 2 anchors.
    const s = Math.exp(2) / (Math.exp(2) + 1);
    const c = Math.E / (Math.E + 1);
    const rows = [s - 1, 1 - s, 0.5, 0.5 - 1];
    const cols = [c - 1, 1 - c, 1 - c, c - 1]; // entries (0,0), (0,1), (1,0), (1,1): column j holds (L_0j, L_1j)
    expectClose(
      g,
      rows.map((r, n) => (r + cols[n]!) / 2),
    );
  });
});
