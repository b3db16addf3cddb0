import { describe, expect, it } from 'vitest';
import { meanSd, renderResults, type RunResult } from './table.ts';

function result(arm: string, seed: number, dice: number, extra: Partial<RunResult> = {}): RunResult {
  return {
    regime: 'slices3',
    arm,
    seed,
    dice,
    classDice: { '1': dice - 0.01, '2': dice + 0.01 },
    hd95: 4,
    distanceUnit: 'mm',
    trainSeconds: 120,
    wallSeconds: 180,
    check: { cases: 4, train: dice, heldOut: dice },
    ...extra,
  };
}

const base = {
  title: 'T',
  setup: 'setup line',
  regimes: [
    { name: 'slices3', label: '3 slices' },
    { name: 'volumes', label: 'volumes' },
  ],
  arms: ['supervised', 'mean-teacher'],
  seeds: [1, 2, 3],
  classNames: { '1': 'anterior', '2': 'posterior' },
};

/** The table row that starts with these cells. */
function row(md: string, ...cells: string[]): string {
  const prefix = `| ${cells.join(' | ')} |`;
  const line = md.split('\n').find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no row ${prefix} in\n${md}`);
  return line;
}

describe('the results table', () => {
  it('formats mean ± sample sd, the mean alone for one value, a dash for none', () => {
    expect(meanSd([0.7, 0.8, 0.9], 4)).toBe('0.8000 ± 0.1000');
    expect(meanSd([0.75], 4)).toBe('0.7500');
    expect(meanSd([], 4)).toBe('—');
  });

  it('summarises each regime × arm over seeds, per class too, and dashes the missing ones', () => {
    const md = renderResults({
      ...base,
      results: [result('supervised', 1, 0.7), result('supervised', 2, 0.8), result('supervised', 3, 0.9), result('mean-teacher', 1, 0.72)],
    });
    expect(row(md, '3 slices', 'supervised', '3/3')).toBe(
      '| 3 slices | supervised | 3/3 | 0.8000 ± 0.1000 | 0.7900 ± 0.1000 | 0.8100 ± 0.1000 | 4.00 ± 0.00 | 2.0 ± 0.0 | 3.0 ± 0.0 |',
    );
    expect(row(md, '3 slices', 'mean-teacher', '1/3')).toContain('| 0.7200 | 0.7100 | 0.7300 |');
    expect(row(md, 'volumes', 'supervised', '0/3')).toBe('| volumes | supervised | 0/3 | — | — | — | — | — | — |');
    expect(md).toContain('HD95 (mm)');
  });

  it('pairs each arm with supervised per seed in Dice points and counts wins', () => {
    const md = renderResults({
      ...base,
      results: [
        result('supervised', 1, 0.7),
        result('supervised', 2, 0.8),
        result('supervised', 3, 0.75),
        result('mean-teacher', 1, 0.73),
        result('mean-teacher', 2, 0.79),
        result('mean-teacher', 3, 0.77),
      ],
    });
    // Differences +3, −1, +2 points: mean 1.33, sd sqrt(((5/3)² + (7/3)² + (2/3)²) / 2) = 2.08.
    expect(row(md, '3 slices', 'mean-teacher', '+3.00')).toBe('| 3 slices | mean-teacher | +3.00 | −1.00 | +2.00 | +1.33 ± 2.08 | 2 of 3 |');
    expect(row(md, 'volumes', 'mean-teacher', '—')).toBe('| volumes | mean-teacher | — | — | — | — | — |');
    expect(md).toContain('agree within 0.001 Dice on the cases both scored, in 6 of 6 finished runs');
  });

  it('names runs where train and predict + eval disagree', () => {
    const md = renderResults({ ...base, results: [result('supervised', 1, 0.7, { check: { cases: 4, train: 0.75, heldOut: 0.7 } })] });
    expect(md).toContain('DISAGREE');
    expect(md).toContain('slices3/supervised/seed1 (0.7500 vs 0.7000 on 4 cases)');
  });

  it('leaves out per-class columns for one class and says when there is no baseline to pair with', () => {
    const md = renderResults({
      ...base,
      arms: ['mean-teacher'],
      classNames: { '255': 'nuclei' },
      results: [result('mean-teacher', 1, 0.7, { distanceUnit: 'px', classDice: { '255': 0.7 } })],
    });
    expect(md).not.toContain('nuclei Dice');
    expect(md).toContain('HD95 (px)');
    expect(md).toContain('No pairing');
  });
});
