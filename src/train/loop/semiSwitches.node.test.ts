import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRONG_AUGMENT } from '../../data/strongAugment2d.ts';
import { type DeepPartial, presetConfig, type TrainConfig } from '../config.ts';
import { emaDecay } from '../ema.ts';
import { Trainer } from '../Trainer.ts';
import { describedWorkspace } from '../vlm/testing/describedWorkspace.ts';

/*
 * Each switch of docs/semi-supervision-audit.md changes what a mean-teacher step computes: the same seeded run with
 * the switch on must report different numbers than with it off. A switch the loop ignored would fail here.
 */

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const BASE: DeepPartial<TrainConfig> = {
  seed: 4,
  model: { width: 4, depth: 2 },
  patch: [16, 16],
  batchLabeled: 2,
  batchUnlabeled: 2,
  optimiser: { warmupSteps: 2, totalSteps: 20 },
  consistency: { rampUpSteps: 3 },
};

/** λ_u and the consistency term of each of `steps` steps, and a teacher weight at the end. */
async function run(over: DeepPartial<TrainConfig>, steps = 3): Promise<{ lambdaU: number[]; cons: number[]; teacherSum: number }> {
  const cfg = presetConfig('mean-teacher', { ...BASE, ...over, consistency: { ...BASE.consistency, ...over.consistency } });
  const trainer = new Trainer(describedWorkspace(2), 3, cfg);
  const lambdaU: number[] = [];
  const cons: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = await trainer.trainStep();
    lambdaU.push(r.lambdaU);
    cons.push(r.losses.consistency);
  }
  const name = trainer.student.names()[0]!;
  const teacherSum = (await tf.sum(trainer.teacher!.get(name)).data())[0]!;
  trainer.dispose();
  return { lambdaU, cons, teacherSum };
}

describe('semi-supervision switches change the step', () => {
  it('consistency.rampUpFraction sets the ramp from the run length', async () => {
    const base = await run({});
    const frac = await run({ consistency: { rampUpFraction: 1 } });
    expect(frac.lambdaU).not.toEqual(base.lambdaU);
    // 20 steps × 1: at step 2 the ramp is at t = 0.1, exp(−5·0.81).
    expect(frac.lambdaU[2]).toBeCloseTo(Math.exp(-5 * 0.9 * 0.9), 6);
  });

  it('consistency.mseConfidence changes the consistency term', async () => {
    const base = await run({});
    const conf = await run({ consistency: { mseConfidence: 0.9 } });
    expect(conf.cons[2]).not.toBeCloseTo(base.cons[2]!, 6);
  });

  it('strongAugment changes the student view, hence the consistency term', async () => {
    const base = await run({});
    const strong = await run({ strongAugment: { ...STRONG_AUGMENT, cutoutProb: 1, blurProb: 1 } });
    expect(strong.cons[0]).not.toBeCloseTo(base.cons[0]!, 6);
  });

  it('ema.alphaRampSteps changes the teacher once 1 − 1/(step + 1) exceeds alphaStart', async () => {
    // emaDecay caps the decay by 1 − 1/(step + 1): from step 2 on (0.667) a start of 0.5 is what binds.
    expect(emaDecay(2, 0.5)).toBe(0.5);
    const base = await run({});
    const ramped = await run({ ema: { alphaStart: 0.5, alphaRampSteps: 100 } });
    // Steps 0 and 1 use the same decay either way (the cap binds), so the first three steps' teachers agree…
    expect(ramped.cons).toEqual(base.cons);
    // …and step 2's update (0.504 instead of 0.667) leaves a different teacher.
    expect(ramped.teacherSum).not.toBeCloseTo(base.teacherSum, 6);
  });
});
