import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import { expectEveryInputGradient } from '../../model/testing/gradientChecks.ts';
import { randomTensor } from '../../model/testing/tensors.ts';
import { arr, expectClose, lse, val } from './testing/tensorValues.ts';
import {
  featureSupervisionLoss,
  maskPool,
  mergedPseudoLabel,
  promptGuidedMask,
  regionAlignmentLoss,
  regionTextInfoNce,
  semiLoss,
  semiMergedLoss,
  semiTextLoss,
  textGuidedInfoNce,
  textGuidedLoss,
  textGuidedMaskSigmoid,
} from './textMaskLosses.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L3 = Math.log(3);
const r = Math.SQRT1_2;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('masks', () => {
  it('prompt-guided mask (PromptSSL eq 8): softmax over classes × s_c, with and without renormalising', async () => {
    // Image 0: pixel 0 logits (0, ln 3) → (¼, ¾); pixel 1 (0, 0) → (½, ½); s = (0.8, 0.4) → (0.2, 0.3), (0.4, 0.2).
    // Image 1: pixel 0 (ln 3, 0) → (¾, ¼); pixel 1 → (½, ½); s = (−0.5, 1), clamped to (0, 1) → (0, ¼), (0, ½).
    const act = tf.tensor4d([0, L3, 0, 0, L3, 0, 0, 0], [2, 1, 2, 2]);
    const s = tf.tensor2d([0.8, 0.4, -0.5, 1], [2, 2]);
    expectClose(await arr(promptGuidedMask(act, s)), [0.2, 0.3, 0.4, 0.2, 0, 0.25, 0, 0.5]);
    // Renormalised: (0.4, 0.6), (⅔, ⅓), (0, 1), (0, 1).
    expectClose(await arr(promptGuidedMask(act, s, { renormalize: true })), [0.4, 0.6, 2 / 3, 1 / 3, 0, 1, 0, 1]);
  });

  it('text-guided mask (DuSSS eq 11): a sigmoid per class', async () => {
    expectClose(await arr(textGuidedMaskSigmoid(tf.tensor4d([0, L3, -L3], [1, 1, 1, 3]))), [0.5, 0.75, 0.25]);
  });

  it('mask pooling: Σ m v / Σ m per class, padding dropped, empty mask → 0', async () => {
    // Pixels v = (1,0), (0,2), (4,4); the third is padding. Class 0 mask (1, 0, 1) → (1,0), mass 1.
    // Class 1 (½, ½, 0) → (½·(1,0) + ½·(0,2)) / 1 = (½, 1), mass 1. Class 2 (0, 0, 1) → mass 0 → (0, 0).
    const features = tf.tensor4d([1, 0, 0, 2, 4, 4], [1, 1, 3, 2]);
    const masks = tf.tensor4d([1, 0.5, 0, 0, 0.5, 0, 1, 0, 1], [1, 1, 3, 3]);
    const weight = tf.tensor4d([1, 1, 0], [1, 1, 3, 1]);
    const { pooled, mass } = maskPool(features, masks, weight);
    expectClose(await arr(pooled), [1, 0, 0.5, 1, 0, 0]);
    expectClose(await arr(mass), [1, 1, 0]);
  });
});

// Region–text contrast. Two images, two classes, 2-d; τ = 1. Texts T0 = (1,0), T1 = (0,1).
// Image 0 has both classes: V00 = (1,0), V01 = (1,1). Image 1 has class 1 only: V11 = (0,1); its class-0 mask
// pools V10 = (−1,0). cos with (T0, T1): V00 (1, 0); V01 (r, r); V10 (−1, 0); V11 (0, 1).
// Built from pixels with one-hot masks so mask pooling returns exactly these vectors.
const features = tf.tensor4d([1, 0, 1, 1, -1, 0, 0, 1], [2, 1, 2, 2]);
const oneHot = tf.tensor4d([1, 0, 0, 1, 1, 0, 0, 1], [2, 1, 2, 2]);
const textEmb = tf.tensor2d([1, 0, 0, 1], [2, 2]);
const present = tf.tensor2d([1, 1, 0, 1], [2, 2]);
const regions = tf.tensor3d([1, 0, 1, 1, -1, 0, 0, 1], [2, 2, 2]);
const tau1 = { tau: tf.scalar(1) };
// Region → text, anchors (0,0), (0,1), (1,1): log(e + 1) − 1; log(2e^r) − r = log 2; log(1 + e) − 1.
const R2T = (2 * (Math.log(Math.E + 1) - 1) + Math.log(2)) / 3;
// Text → region. Anchor (0,0): T0 vs own V00 (1); negatives = present regions of other classes: V01 (r), V11 (0).
// Anchor (0,1): T1 vs V01 (r); negatives: V00 (0); V11 is the same class → left out. Anchor (1,1): T1 vs V11 (1); V00 (0).
const T2R_00 = lse([1, r, 0]) - 1;
const T2R_01 = lse([r, 0]) - r;
const T2R_11 = lse([1, 0]) - 1;
const T2R = (T2R_00 + T2R_01 + T2R_11) / 3;
// With absent pairs as negatives, text T0 also meets V10 (−1) from image 1 (class 0 absent there).
const T2R_ABSENT = (lse([1, r, 0, -1]) - 1 + T2R_01 + T2R_11) / 3;

describe('L_region (PromptSSL eq 9) and L_feat (eq 10)', () => {
  it('region–text InfoNCE over present pairs', async () => {
    const out = regionTextInfoNce(regions, textEmb, present, tau1);
    expect(await val(out.regionToText)).toBeCloseTo(R2T, 6);
    expect(await val(out.textToRegion)).toBeCloseTo(T2R, 6);
    expect(await val(out.loss)).toBeCloseTo(R2T + T2R, 6);
    expect(await val(regionTextInfoNce(regions, textEmb, present, tau1, { reduction: 'mean' }).loss)).toBeCloseTo((R2T + T2R) / 2, 6);
  });

  it('L_region pools the features first', async () => {
    expect(await val(regionAlignmentLoss({ features, masks: oneHot, textEmb, present, temperature: tau1 }).loss)).toBeCloseTo(R2T + T2R, 6);
  });

  it('an anchor with no negatives contributes 0', async () => {
    // One image, one class present, one text: region → text has a single candidate → 0; text → region has no negative → 0.
    const out = regionTextInfoNce(tf.tensor3d([1, 0], [1, 1, 2]), tf.tensor2d([1, 0], [1, 2]), tf.tensor2d([1], [1, 1]), tau1);
    expect(await val(out.loss)).toBeCloseTo(0, 6);
  });

  it('L_feat: absent pairs as negatives, plus the mass of absent masks', async () => {
    // Image 1's class-0 mask is (1, 0) over 2 real pixels → mean 0.5; it is the only absent pair.
    const out = featureSupervisionLoss({ features, masks: oneHot, textEmb, present, temperature: tau1, absentWeight: 2 });
    expect(await val(out.contrastive)).toBeCloseTo(R2T + T2R_ABSENT, 6);
    expect(await val(out.absentMass)).toBeCloseTo(0.5, 6);
    expect(await val(out.loss)).toBeCloseTo(R2T + T2R_ABSENT + 2 * 0.5, 6);
    const off = featureSupervisionLoss({ features, masks: oneHot, textEmb, present, temperature: tau1, absentWeight: 0, absentAsNegatives: false });
    expect(await val(off.loss)).toBeCloseTo(R2T + T2R, 6);
  });

  it('L_feat pushes the mask of an absent class towards empty, and only that mask', async () => {
    const g = await arr(
      tf.grad(
        (m: tf.Tensor) =>
          featureSupervisionLoss({ features, masks: m as tf.Tensor4D, textEmb, present, temperature: tau1, absentWeight: 1, absentAsNegatives: false })
            .absentMass,
      )(oneHot),
    );
    // ∂/∂m of mean(m) over 2 pixels, one absent pair: ½ on image 1 class 0 (entries 4 and 6), 0 elsewhere.
    expectClose(g, [0, 0, 0, 0, 0.5, 0, 0.5, 0]);
    // Padding does not count: with pixel 1 of image 1 padded, its mass is 1/1 and its gradient 0.
    const weight = tf.tensor4d([1, 1, 1, 0], [2, 1, 2, 1]);
    const padded = featureSupervisionLoss({ features, masks: oneHot, textEmb, present, temperature: tau1, pixelWeight: weight });
    expect(await val(padded.absentMass)).toBeCloseTo(1, 6);
  });
});

describe('L_tg (DuSSS eq 12)', () => {
  // One image, V0 = (1,0), V1 = (1,1); texts T0 = (1,0), T1 = (0,1); cos rows: V0 (1, 0), V1 (r, r). τ = 1.
  // Region → text: log(e + 1) − 1; log 2. Text → region (same image's K regions): T0 over (V0: 1, V1: r), positive 1;
  // T1 over (V0: 0, V1: r), positive r.
  const v = tf.tensor3d([1, 0, 1, 1], [1, 2, 2]);
  const r2t = [Math.log(Math.E + 1) - 1, Math.log(2)];
  const t2r = [lse([1, r]) - 1, lse([0, r]) - r];

  it('½ E[region → text] + ½ E[text → region] over the K classes', async () => {
    const out = textGuidedInfoNce(v, textEmb, tau1);
    expect(await val(out.loss)).toBeCloseTo(((r2t[0]! + r2t[1]!) / 2 + (t2r[0]! + t2r[1]!) / 2) / 2, 6);
    // Anchors restricted to class 0; class 1 stays a candidate.
    const some = textGuidedInfoNce(v, textEmb, tau1, tf.tensor2d([1, 0], [1, 2]));
    expect(await val(some.loss)).toBeCloseTo((r2t[0]! + t2r[0]!) / 2, 6);
    const pooled = textGuidedLoss({
      features: tf.tensor4d([1, 0, 1, 1], [1, 1, 2, 2]),
      masks: tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]),
      textEmb,
      temperature: tau1,
    });
    expect(await val(pooled.loss)).toBeCloseTo(await val(out.loss), 6);
  });
});

describe('decoder losses: gradients', () => {
  it('reach the features, the mask logits, the texts and log τ', async () => {
    const rng = new Random(23);
    const draw = (...shape: number[]) => randomTensor(rng, shape);
    const x = [draw(2, 3, 3, 4), draw(2, 3, 3, 3), draw(3, 4), tf.scalar(Math.log(0.3))];
    const pres = tf.tensor2d([1, 1, 0, 0, 1, 1], [2, 3]);
    const scores = tf.tensor2d([0.9, 0.5, 0.2, 0.1, 0.8, 0.7], [2, 3]);
    const losses = {
      region: (t: tf.Tensor[]) =>
        regionAlignmentLoss({
          features: t[0] as tf.Tensor4D,
          masks: promptGuidedMask(t[1] as tf.Tensor4D, scores),
          textEmb: t[2] as tf.Tensor2D,
          present: pres,
          temperature: { logTau: t[3]! },
        }).loss,
      feat: (t: tf.Tensor[]) =>
        featureSupervisionLoss({
          features: t[0] as tf.Tensor4D,
          masks: promptGuidedMask(t[1] as tf.Tensor4D, scores),
          textEmb: t[2] as tf.Tensor2D,
          present: pres,
          temperature: { logTau: t[3]! },
        }).loss,
      tg: (t: tf.Tensor[]) =>
        textGuidedLoss({
          features: t[0] as tf.Tensor4D,
          masks: textGuidedMaskSigmoid(t[1] as tf.Tensor4D),
          textEmb: t[2] as tf.Tensor2D,
          present: pres,
          temperature: { logTau: t[3]! },
        }).loss,
    };
    for (const [name, f] of Object.entries(losses)) {
      const grads = tf.grads((...t: tf.Tensor[]) => f(t) as tf.Scalar)(x);
      await expectEveryInputGradient(grads, (n) => `${name} input ${n}`);
    }
  });
});

// L_semi. One image, two pixels, two classes.
// Student: pixel 0 (ln 3, 0) → p = (¾, ¼); pixel 1 (0, ln 3) → (¼, ¾).
// Teacher: pixel 0 (0, 0); pixel 1 (ln 3 + 0.2, 0). Text mask: pixel 0 (0.5, 0.5); pixel 1 (0.1, 0.3).
const student = tf.tensor4d([L3, 0, 0, L3], [1, 1, 2, 2]);
const teacher = tf.tensor4d([0, 0, L3 + 0.2, 0], [1, 1, 2, 2]);
const textMask = tf.tensor4d([0.5, 0.5, 0.1, 0.3], [1, 1, 2, 2]);
const both = tf.tensor4d([1, 1], [1, 1, 2, 1]);
const first = tf.tensor4d([1, 0], [1, 1, 2, 1]);
const ce = (q: number[], p: number[]): number => -q.reduce((s, qc, c) => s + qc * Math.log(p[c]!), 0);
const P0 = [0.75, 0.25];
const P1 = [0.25, 0.75];

describe('L_semi (PromptSSL eq 13–15, DuSSS eq 16–18)', () => {
  it('softmax merge: CE against softmax(y^t + y^text); text CE against the normalised mask', async () => {
    // Merged logits: pixel 0 (0.5, 0.5) → (½, ½); pixel 1 (ln 3 + 0.3, 0.3) → (¾, ¼).
    expectClose(await arr(mergedPseudoLabel(teacher, textMask, 'softmax')), [0.5, 0.5, 0.75, 0.25]);
    const merged = (ce([0.5, 0.5], P0) + ce([0.75, 0.25], P1)) / 2;
    // Text target normalised: (½, ½), (¼, ¾).
    const text = (ce([0.5, 0.5], P0) + ce([0.25, 0.75], P1)) / 2;
    const opts = { merge: 'softmax' as const };
    expect(await val(semiMergedLoss(student, teacher, textMask, both, opts))).toBeCloseTo(merged, 6);
    expect(await val(semiTextLoss(student, textMask, both, opts))).toBeCloseTo(text, 6);
    const out = semiLoss(student, teacher, textMask, both, opts);
    expect(await val(out.total)).toBeCloseTo((merged + text) / 2, 6);
    // Pixel weights: only pixel 0 counts; an all-zero weight gives 0.
    expect(await val(semiMergedLoss(student, teacher, textMask, first, opts))).toBeCloseTo(ce([0.5, 0.5], P0), 6);
    expect(await val(semiLoss(student, teacher, textMask, tf.zerosLike(both) as tf.Tensor4D, opts).total)).toBe(0);
  });

  it("'raw' uses the text mask as it stands (eq 14 literally)", async () => {
    // Pixel 1: −(0.1 log ¼ + 0.3 log ¾).
    const want = (ce([0.5, 0.5], P0) + ce([0.1, 0.3], P1)) / 2;
    expect(await val(semiTextLoss(student, textMask, both, { merge: 'softmax', target: 'raw' }))).toBeCloseTo(want, 6);
  });

  it('sigmoid merge: per-class sigmoid normalised over classes (default)', async () => {
    // q = σ(y^t + y^text): pixel 0 (σ(0.5), σ(0.5)) → (½, ½); pixel 1 (σ(ln 3 + 0.3), σ(0.3)), then ÷ their sum.
    const [a, b] = [sigmoid(L3 + 0.3), sigmoid(0.3)];
    expectClose(await arr(mergedPseudoLabel(teacher, textMask, 'sigmoid')), [sigmoid(0.5), sigmoid(0.5), a, b]);
    const merged = (ce([0.5, 0.5], P0) + ce([a / (a + b), b / (a + b)], P1)) / 2;
    expect(await val(semiMergedLoss(student, teacher, textMask, both, { merge: 'sigmoid' }))).toBeCloseTo(merged, 6);
  });

  it("sigmoid merge, 'binary': per-class BCE against sigmoid(student), summed over classes", async () => {
    // σ(student): pixel 0 (¾, ½); pixel 1 (½, ¾).
    const bce = (q: number[], s: number[]): number => q.reduce((acc, qc, c) => acc - qc * Math.log(s[c]!) - (1 - qc) * Math.log(1 - s[c]!), 0);
    const [a, b] = [sigmoid(L3 + 0.3), sigmoid(0.3)];
    const merged = (bce([sigmoid(0.5), sigmoid(0.5)], [0.75, 0.5]) + bce([a, b], [0.5, 0.75])) / 2;
    const text = (bce([0.5, 0.5], [0.75, 0.5]) + bce([0.1, 0.3], [0.5, 0.75])) / 2;
    const opts = { merge: 'sigmoid' as const, target: 'binary' as const };
    expect(await val(semiMergedLoss(student, teacher, textMask, both, opts))).toBeCloseTo(merged, 5);
    expect(await val(semiTextLoss(student, textMask, both, opts))).toBeCloseTo(text, 5);
    expect(() => semiLoss(student, teacher, textMask, both, { merge: 'softmax', target: 'binary' })).toThrow();
  });

  it('gradients reach the student only: zero into teacher logits and text mask', async () => {
    const configs = [
      { merge: 'softmax' as const },
      { merge: 'softmax' as const, target: 'raw' as const },
      { merge: 'sigmoid' as const },
      { merge: 'sigmoid' as const, target: 'binary' as const },
    ];
    for (const opts of configs) {
      const [gs, gt, gx] = tf.grads(
        (s: tf.Tensor, t: tf.Tensor, x: tf.Tensor) => semiLoss(s as tf.Tensor4D, t as tf.Tensor4D, x as tf.Tensor4D, both, opts).total,
      )([student, teacher, textMask]);
      const s = await arr(gs!);
      expect(s.every(Number.isFinite) && Math.max(...s.map(Math.abs)) > 1e-3, JSON.stringify(opts)).toBe(true);
      expect(
        (await arr(gt!)).every((g) => g === 0),
        JSON.stringify(opts),
      ).toBe(true);
      expect(
        (await arr(gx!)).every((g) => g === 0),
        JSON.stringify(opts),
      ).toBe(true);
    }
  });
});
