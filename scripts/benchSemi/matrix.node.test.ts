import { describe, expect, it } from 'vitest';
import { parseArms } from './arms.ts';
import { DATASETS, pickRegimes } from './datasets.ts';
import { buildMatrix, decideRun } from './matrix.ts';

const KNOWN = ['supervised', 'mean-teacher'];
const hippo = DATASETS.hippocampus;
const arms = parseArms('supervised mt-thr=mean-teacher:consistency.threshold=0.9', KNOWN);
const opts = { out: 'runs/x', steps: 800, width: 8, evalEvery: null, backend: null };

/** The value after `flag` in an argument list. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe('the run matrix', () => {
  it('has one run per regime × arm × seed, seed outermost so early seeds pair across arms', () => {
    const runs = buildMatrix(hippo, pickRegimes(hippo, ['slices3', 'volumes']), arms, [1, 2, 3], opts);
    expect(runs).toHaveLength(2 * 2 * 3);
    expect(runs.slice(0, 4).map((r) => `${r.seed} ${r.regime.name} ${r.arm.name}`)).toEqual([
      '1 slices3 supervised',
      '1 slices3 mt-thr',
      '1 volumes supervised',
      '1 volumes mt-thr',
    ]);
    expect(new Set(runs.map((r) => r.dir)).size).toBe(runs.length);
  });

  it("turns regime, arm and seed into train's flags, and scores the held-out folders", () => {
    const [sup, mt] = buildMatrix(hippo, pickRegimes(hippo, ['slices3']), arms, [2], opts);
    expect(flag(sup!.train, '--labeled-slices')).toBe('3');
    expect(flag(sup!.train, '--labeled-fraction')).toBe('0.1');
    // Train reads a split derived from bench/hippocampus-split.json, written into the output folder.
    expect(flag(sup!.train, '--split')).toBe('runs/x/train-split.json');
    expect(flag(sup!.train, '--seed')).toBe('2');
    expect(flag(sup!.train, '--steps')).toBe('800');
    expect(flag(sup!.train, '--out')).toBe('runs/x/slices3/supervised/seed2');
    expect(sup!.train).not.toContain('--set');
    expect(flag(mt!.train, '--preset')).toBe('mean-teacher');
    expect(flag(mt!.train, '--set')).toBe('consistency.threshold=0.9');
    // Validation inside train is off unless asked for: no step number reaches it.
    expect(Number(flag(sup!.train, '--eval-every'))).toBeGreaterThan(800);
    expect(flag(sup!.predict, '--images')).toBe('runs/x/held-out/images');
    expect(flag(sup!.eval, '--labels')).toBe('runs/x/held-out/labels');
    expect(flag(sup!.eval, '--json')).not.toBe(sup!.evalJson);
    expect(sup!.train).not.toContain('--backend');
  });

  it('passes a chosen backend to train and predict alike', () => {
    const [run] = buildMatrix(hippo, pickRegimes(hippo, ['volumes']), arms.slice(0, 1), [1], { ...opts, backend: 'webgpu' });
    expect(flag(run!.train, '--backend')).toBe('webgpu');
    expect(flag(run!.predict, '--backend')).toBe('webgpu');
    expect(run!.train).not.toContain('--labeled-slices');
  });

  it('reads MoNuSeg held-out images from Val_Folder and labels the regime by fraction', () => {
    const [run] = buildMatrix(DATASETS.monuseg, pickRegimes(DATASETS.monuseg, ['labeled50']), arms.slice(0, 1), [1], { ...opts, evalEvery: 50 });
    expect(flag(run!.train, '--labeled-fraction')).toBe('0.5');
    expect(flag(run!.train, '--eval-every')).toBe('50');
    expect(flag(run!.predict, '--images')).toBe('../shared/datasets/monuseg/Val_Folder/img');
    expect(() => pickRegimes(DATASETS.monuseg, ['slices3'])).toThrow(/unknown regime "slices3" for monuseg/);
  });
});

describe('resuming a matrix', () => {
  const [run] = buildMatrix(hippo, pickRegimes(hippo, ['slices3']), arms, [1], opts);
  const recorded = [run!.train, run!.predict, run!.eval];

  it('skips a finished run made by the same commands', () => {
    expect(decideRun({ evalDone: true, dirExists: true, recorded }, run!)).toBe('skip');
  });

  it('refuses a finished run made by other commands, or with no record of them', () => {
    const other = [run!.train.map((a) => (a === '800' ? '400' : a)), run!.predict, run!.eval];
    expect(decideRun({ evalDone: true, dirExists: true, recorded: other }, run!)).toBe('stale');
    expect(decideRun({ evalDone: true, dirExists: true, recorded: null }, run!)).toBe('stale');
  });

  it('redoes a half-done run from scratch and starts a missing one', () => {
    expect(decideRun({ evalDone: false, dirExists: true, recorded }, run!)).toBe('redo');
    expect(decideRun({ evalDone: false, dirExists: false, recorded: null }, run!)).toBe('fresh');
  });
});
