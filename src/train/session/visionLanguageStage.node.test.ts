import { describe, expect, it } from 'vitest';
import type { FromWorker } from '../protocol.ts';
import type { RetrievalReport, VlmStepReport } from '../vlm/VlmPretrainer.ts';
import { PretrainRun, type StepPretrainer } from './visionLanguageStage.ts';

/**
 * A stand-in pre-trainer: no model, a step counter and a scripted held-out retrieval (accuracy as a function of the
 * step), so stage 1's loop can be driven through hundreds of steps in milliseconds.
 */
class ScriptedPretrainer implements StepPretrainer {
  step = 0;
  trained = 0;
  constructor(private readonly accuracyAt: (step: number) => number) {}

  async trainStep(): Promise<VlmStepReport> {
    this.step++;
    this.trained++;
    return { step: this.step, lr: 1e-3, pairs: 8, losses: { total: 1, terms: { cmc: 0.5, imc: 0.5 } }, tau: 0.07, uncertaintyWeight: 0.5, ms: 0 };
  }

  async retrieval(): Promise<RetrievalReport> {
    return { step: this.step, accuracy: this.accuracyAt(this.step), chance: 0.125, pairs: 32, candidates: 8 };
  }
}

/** Runs stage 1 to its end as the CLI does (measure, then steps until the loop says stop), keeping every event. */
async function runStage(pre: ScriptedPretrainer, vlm: { steps: number; maxStepsUntilRetrieval?: number }, retrievalEvery = 25) {
  const events: FromWorker[] = [];
  const run = new PretrainRun(pre, vlm, { retrievalEvery, emit: (m) => events.push(m) });
  await run.measure();
  while (await run.advance(0)) {}
  const steps = events.flatMap((m) => (m.type === 'vlmStep' ? [{ step: m.report.step, total: m.totalSteps }] : []));
  const retrievals = events.flatMap((m) => (m.type === 'vlmRetrieval' ? [m.report.step] : []));
  return { run, steps, retrievals };
}

describe('stage 1 length (PretrainRun, as the session and the CLI drive it)', () => {
  // Retrieval at chance until step 130, then 0.4 (above 2× chance 0.125).
  const learnsAt130 = (step: number) => (step >= 130 ? 0.4 : 0.12);

  it('off by default: exactly vlm.steps steps, whatever retrieval says', async () => {
    const pre = new ScriptedPretrainer(learnsAt130);
    const { run, steps, retrievals } = await runStage(pre, { steps: 100, maxStepsUntilRetrieval: 0 });
    expect(pre.trained).toBe(100);
    expect(steps.every((s) => s.total === 100)).toBe(true);
    expect(retrievals).toEqual([0, 25, 50, 75, 100]);
    expect(run.plan.stopped?.reason).toBe('planned');
  });

  it('on: extends block by block while retrieval stays at chance, and stops at the first measurement that helps', async () => {
    const pre = new ScriptedPretrainer(learnsAt130);
    const { run, steps, retrievals } = await runStage(pre, { steps: 100, maxStepsUntilRetrieval: 400 });
    // 100 planned, then blocks of 25 to 125 (0.12: at chance) and 150 (0.4: helps).
    expect(pre.trained).toBe(150);
    expect(retrievals).toEqual([0, 25, 50, 75, 100, 125, 150]);
    expect(run.plan.stopped?.reason).toBe('helps');
    // The total each step reports grows before a step passes it: never "step 101 of 100".
    expect(steps.every((s) => s.step <= s.total)).toBe(true);
    expect(steps.find((s) => s.step === 101)?.total).toBe(125);
    expect(steps.at(-1)).toEqual({ step: 150, total: 150 });
  });

  it('on, retrieval never leaves chance: stops at the cap, the last block cut to fit', async () => {
    const pre = new ScriptedPretrainer(() => 0.13);
    const { run, steps, retrievals } = await runStage(pre, { steps: 100, maxStepsUntilRetrieval: 160 });
    expect(pre.trained).toBe(160);
    expect(retrievals.slice(-3)).toEqual([125, 150, 160]);
    expect(steps.at(-1)).toEqual({ step: 160, total: 160 });
    expect(run.plan.stopped?.reason).toBe('cap');
  });

  it('on, retrieval already helps at vlm.steps: no extension', async () => {
    const pre = new ScriptedPretrainer(() => 0.5);
    const { run } = await runStage(pre, { steps: 100, maxStepsUntilRetrieval: 400 });
    expect(pre.trained).toBe(100);
    expect(run.plan.stopped?.reason).toBe('helps');
  });

  it('a resumed stage 1 already past vlm.steps is judged by the retrieval measured on resuming', async () => {
    const pre = new ScriptedPretrainer(learnsAt130);
    pre.step = 110;
    const { run, retrievals } = await runStage(pre, { steps: 100, maxStepsUntilRetrieval: 400 });
    // 0.12 at 110: one block to 135, where it helps.
    expect(pre.trained).toBe(25);
    expect(retrievals).toEqual([110, 125, 135]);
    expect(run.plan.stopped?.reason).toBe('helps');
  });
});
