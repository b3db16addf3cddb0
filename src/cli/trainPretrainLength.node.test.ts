import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainArgs } from './args.ts';
import { parseSetting } from './args.ts';
import { HIPPOCAMPUS, smallHippocampusFolder } from './testing/hippocampusFolder.ts';
import { runTrain } from './train.ts';

const HIPPO = HIPPOCAMPUS;
const smallFolder = (): string => smallHippocampusFolder(6, 'pseudolab-cli-vlm-length-');

function args(data: string, out: string, set: string[]): TrainArgs {
  return {
    command: 'train',
    data,
    preset: 'promptssl',
    labeledFraction: 0.5,
    labeledSlices: 4,
    steps: 1,
    minutes: null,
    seed: 1,
    out,
    split: null,
    backend: 'wasm',
    kernels: true,
    width: 4,
    depth: 2,
    evalEvery: 100,
    vlmSteps: 4,
    batchLabeled: 1,
    batchUnlabeled: 1,
    network: '2d',
    patch: [32],
    set: set.map(parseSetting),
  };
}

/** The pre-training steps the log reports, in order ("vlm step N/T"). */
const vlmSteps = (log: string) => [...log.matchAll(/vlm step (\d+)\/(\d+) /g)].map((m) => ({ step: Number(m[1]), total: Number(m[2]) }));

// `--set vlm.maxStepsUntilRetrieval=N` through the real CLI: the key is accepted, stage 1 ends either where retrieval
// first helps or at the cap, and the log says which (the decision itself is tested in vlm/pretrainLength).
describe.skipIf(!existsSync(HIPPO))('pseudolab train --set vlm.maxStepsUntilRetrieval (needs ../shared/datasets/hippocampus)', () => {
  it('off: exactly --vlm-steps, and no stop line', async () => {
    const data = smallFolder();
    const lines: string[] = [];
    await runTrain(args(data, join(data, '..', 'off'), []), (l) => lines.push(l));
    const log = lines.join('\n');
    expect(vlmSteps(log).at(-1)).toEqual({ step: 4, total: 4 });
    expect(log).not.toMatch(/pre-training stopped/);
  }, 300_000);

  it('on: stops where the log says, never past the cap, and no step is past its reported total', async () => {
    const data = smallFolder();
    const lines: string[] = [];
    await runTrain(args(data, join(data, '..', 'on'), ['vlm.maxStepsUntilRetrieval=130']), (l) => lines.push(l));
    const log = lines.join('\n');
    const steps = vlmSteps(log);
    const last = steps.at(-1)!;
    expect(steps.every((s) => s.step <= s.total && s.total <= 130)).toBe(true);
    const stop = log.match(
      /pre-training stopped: (?:retrieval ([\d.]+) ≥ 2× chance ([\d.]+) at step (\d+)|cap 130 reached, retrieval still ([\d.]+) against chance ([\d.]+))/,
    );
    expect(stop, log).not.toBeNull();
    if (stop![3]) {
      expect(Number(stop![3])).toBe(last.step);
      expect(Number(stop![1])).toBeGreaterThanOrEqual(Math.min(1, 2 * Number(stop![2])) - 1e-9);
    } else {
      expect(last).toEqual({ step: 130, total: 130 });
    }
    // The last pre-training step is also the one the text encoder is named after.
    expect(log).toMatch(new RegExp(`\\(GLsc, ${last.step} steps\\)`));
  }, 300_000);
});
