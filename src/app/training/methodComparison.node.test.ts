import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../persist/runKey.ts';
import { compareRuns, preferredRun } from './methodComparison.ts';

const SLICES = ['demo:3', 'demo:9', 'demo:14'];
const CLASSES = [
  { value: 1, name: 'Liver' },
  { value: 2, name: 'Tumour' },
];

/** A stored run validated at steps 20, 40, … with these mean Dice scores (per class: mean ± 0.05). */
function run(preset: string, means: (number | null)[], extra: Partial<RunSummary> = {}): RunSummary {
  return {
    key: `${preset}/2d/tiny`,
    preset,
    network: '2d',
    size: 'tiny',
    step: 20 * means.length,
    savedAt: 1000,
    classValues: [1, 2],
    classes: CLASSES,
    validationSlices: SLICES,
    validation: means.map((mean, n) => ({ step: 20 * (n + 1), mean, dice: mean === null ? [null, null] : [mean + 0.05, mean - 0.05] })),
    ...extra,
  };
}

describe('compareRuns', () => {
  it('ranks runs on the same slices by their latest mean Dice and marks the winner', () => {
    const c = compareRuns([run('supervised', [0.5, 0.7], { savedAt: 2000 }), run('mean-teacher', [0.4, 0.9, 0.8]), run('dusss', [0.6, 0.75])]);
    expect(c.rows.map((r) => r.preset)).toEqual(['mean-teacher', 'dusss', 'supervised']);
    expect(c.winner?.preset).toBe('mean-teacher');
    expect(c.rows.map((r) => r.winner)).toEqual([true, false, false]);
    const mt = c.rows[0]!;
    // Latest, not best: the checkpoint is the model at the latest step.
    expect(mt.latest).toMatchObject({ step: 60, mean: 0.8 });
    expect(mt.best).toEqual({ step: 40, mean: 0.9 });
    expect(mt.latest!.perClass).toEqual([
      { name: 'Liver', dice: 0.8 + 0.05 },
      { name: 'Tumour', dice: 0.8 - 0.05 },
    ]);
    expect(mt.curve.map((p) => p.step)).toEqual([20, 40, 60]);
    expect(c.rows[2]!.behind).toBeCloseTo(-0.1, 10);
    expect(c.sliceCount).toBe(3);
  });

  it('ranks no run validated on other slices, other classes or unrecorded slices, and says why', () => {
    const c = compareRuns([
      run('supervised', [0.7], { savedAt: 5000, validationLabels: '0000abcd' }),
      run('mean-teacher', [0.9], { validationSlices: ['demo:3', 'demo:9', 'demo:20'] }),
      run('dusss', [0.95], { classValues: [1], classes: [CLASSES[0]!] }),
      run('promptssl', [0.99], { validationSlices: undefined }),
      run('tak', []),
      run('bcp', [0.97], { validationLabels: 'ffff0000' }),
    ]);
    expect(c.rows.filter((r) => r.ranked).map((r) => r.preset)).toEqual(['supervised']);
    const why = Object.fromEntries(c.rows.map((r) => [r.preset, r.notComparable]));
    expect(why['mean-teacher']).toBe('validated on other slices (2 of its 3 shared)');
    expect(why['dusss']).toBe('trained for other classes');
    expect(why['promptssl']).toMatch(/not recorded/);
    expect(why['tak']).toBe('not validated yet');
    expect(why['bcp']).toBe('the held-out slices were relabeled between the runs');
    // One ranked run is no comparison: nothing wins, however high the unranked scores are.
    expect(c.winner).toBeNull();
    expect(c.rows.every((r) => !r.winner)).toBe(true);
  });

  it('ranks against the newest scored run: its slices are the current held-out set', () => {
    const older = ['demo:1', 'demo:2'];
    const c = compareRuns([
      run('supervised', [0.6], { savedAt: 3000 }),
      run('mean-teacher', [0.7], { savedAt: 2000 }),
      run('dusss', [0.99], { savedAt: 1000, validationSlices: older }),
      run('promptssl', [0.98], { savedAt: 900, validationSlices: older }),
    ]);
    expect(c.winner?.preset).toBe('mean-teacher');
    expect(c.rows.filter((r) => !r.ranked).map((r) => r.preset)).toEqual(['dusss', 'promptssl']);
  });

  it('calls a difference below display precision a tie, and skips validations without a mean', () => {
    const c = compareRuns([run('supervised', [0.8]), run('mean-teacher', [0.8002, null])]);
    expect(c.rows[0]!.latest!.mean).toBe(0.8002);
    expect(c.winner).toBeNull();
    expect(c.rows.every((r) => r.behind === null)).toBe(true);
  });

  it('cautions when the ranked runs trained for very different lengths, or on very few slices', () => {
    expect(compareRuns([run('supervised', [0.5, 0.6]), run('mean-teacher', [0.7])]).cautions).toEqual([
      'These runs trained for 20 to 40 steps: a longer run may lead only because it trained longer.',
    ]);
    expect(compareRuns([run('supervised', [0.5, 0.6]), run('mean-teacher', [0.7, 0.8])]).cautions).toEqual([]);
    const one = { validationSlices: ['demo:3'] };
    expect(compareRuns([run('supervised', [0.5], one), run('mean-teacher', [0.7], one)]).cautions).toEqual([
      'Measured on one held-out slice: hold out more for a surer ranking.',
    ]);
  });

  it('has nothing to compare with no runs', () => {
    expect(compareRuns([])).toEqual({ rows: [], winner: null, sliceCount: null, cautions: [] });
  });
});

describe('preferredRun', () => {
  it('is the winner on the shared slices, else the newest run', () => {
    const sup = run('supervised', [0.6], { savedAt: 3000 });
    const mt = run('mean-teacher', [0.8], { savedAt: 1000 });
    expect(preferredRun([sup, mt])?.key).toBe(mt.key);
    const elsewhere = { ...mt, validationSlices: ['demo:40'] };
    expect(preferredRun([sup, elsewhere])?.key).toBe(sup.key);
    expect(preferredRun([])).toBeNull();
  });
});
