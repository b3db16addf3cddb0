import { describe, expect, it } from 'vitest';
import { describePretrainStop, PretrainPlan, pretrainLength, type PretrainLength, type RetrievalFigure } from './pretrainLength.ts';

/** Eight candidate texts: chance 0.125, so retrieval helps from 0.25 up. */
const at = (step: number, accuracy: number, pairs = 32): RetrievalFigure => ({ step, accuracy, chance: 0.125, pairs });
const base = { steps: 300, cap: 1200, block: 100 };
const stopped = (d: PretrainLength) => {
  if (!d.done) throw new Error(`expected a stop, got total ${d.total}`);
  return d;
};

describe('pretrainLength', () => {
  it('off (cap 0): stops at vlm.steps whatever retrieval says', () => {
    const d = pretrainLength({ ...base, cap: 0, step: 300, latest: at(300, 0.1) });
    expect(stopped(d).reason).toBe('planned');
  });

  it('a cap at or below vlm.steps extends nothing (the switch never shortens the plan either)', () => {
    expect(stopped(pretrainLength({ ...base, cap: 300, step: 300, latest: at(300, 0.1) })).reason).toBe('planned');
    expect(pretrainLength({ ...base, cap: 200, step: 150, latest: at(100, 0.1) })).toEqual({ done: false, total: 300 });
  });

  it('before vlm.steps it goes on to vlm.steps, even when retrieval already helps', () => {
    expect(pretrainLength({ ...base, step: 200, latest: at(200, 0.9) })).toEqual({ done: false, total: 300 });
  });

  it('retrieval ≥ 2× chance at vlm.steps: stops', () => {
    const d = stopped(pretrainLength({ ...base, step: 300, latest: at(300, 0.25) }));
    expect(d.reason).toBe('helps');
    expect(describePretrainStop(d, base.cap)).toBe('retrieval 0.250 ≥ 2× chance 0.125 at step 300');
  });

  it('still near chance and below the cap: one more block', () => {
    expect(pretrainLength({ ...base, step: 300, latest: at(300, 0.2) })).toEqual({ done: false, total: 400 });
    expect(pretrainLength({ ...base, step: 700, latest: at(700, 0.13) })).toEqual({ done: false, total: 800 });
  });

  it('the last block ends at the cap, not past it', () => {
    expect(pretrainLength({ ...base, cap: 1150, step: 1100, latest: at(1100, 0.1) })).toEqual({ done: false, total: 1150 });
  });

  it('at the cap: stops, and says retrieval is still near chance', () => {
    const d = stopped(pretrainLength({ ...base, step: 1200, latest: at(1200, 0.13) }));
    expect(d.reason).toBe('cap');
    expect(describePretrainStop(d, base.cap)).toBe('cap 1200 reached, retrieval still 0.130 against chance 0.125');
  });

  it('no held-out pairs (or no measurement): nothing to judge by, so no extension', () => {
    expect(stopped(pretrainLength({ ...base, step: 300, latest: { step: 300, accuracy: NaN, chance: 0.125, pairs: 0 } })).reason).toBe('unmeasured');
    expect(stopped(pretrainLength({ ...base, step: 300, latest: null })).reason).toBe('unmeasured');
  });
});

describe('PretrainPlan', () => {
  it('grows its total block by block while retrieval stays at chance, then stops when it helps', () => {
    const plan = new PretrainPlan(300, 1200, 100);
    expect(plan.due(299, at(200, 0.1))).toBe(true);
    expect(plan.total).toBe(300);
    expect(plan.due(300, at(300, 0.1))).toBe(true);
    expect(plan.total).toBe(400);
    expect(plan.due(350, at(300, 0.1))).toBe(true);
    expect(plan.total).toBe(400);
    expect(plan.due(400, at(400, 0.3))).toBe(false);
    expect(plan.stopped?.reason).toBe('helps');
    expect(plan.total).toBe(400);
  });

  it('a checkpoint from before the switch (no cap) is off', () => {
    const plan = new PretrainPlan(300, undefined, 25);
    expect(plan.extends).toBe(false);
    expect(plan.due(300, at(300, 0.1))).toBe(false);
    expect(plan.stopped?.reason).toBe('planned');
  });
});
