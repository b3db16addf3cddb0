import { describe, expect, it } from 'vitest';
import { parseOptions, type HarnessOptions } from './options.ts';

const KNOWN = ['supervised', 'mean-teacher', 'promptssl', 'duss', 'tak'];

function parse(argv: string[], known = KNOWN): HarnessOptions {
  const o = parseOptions(argv, known);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

describe('the harness command line', () => {
  it('defaults to every regime, four presets, three seeds, 2 niced jobs and no validation inside train', () => {
    const o = parse(['hippocampus']);
    expect(o.regimes.map((r) => r.name)).toEqual(['slices3', 'slices10', 'volumes']);
    expect(o.arms.map((a) => a.name)).toEqual(['supervised', 'mean-teacher', 'promptssl', 'duss']);
    expect(o.seeds).toEqual([1, 2, 3]);
    expect([o.steps, o.width, o.jobs, o.nice, o.evalEvery, o.out, o.dryRun]).toEqual([1500, 8, 2, true, null, 'runs/semi-hippocampus', false]);
    expect(parse(['monuseg']).steps).toBe(300);
  });

  it('adds bcp to the default arms once the registry has it', () => {
    expect(parse(['monuseg'], [...KNOWN, 'bcp']).arms.map((a) => a.name)).toContain('bcp');
  });

  it('reads the brief run: one regime, two presets, three seeds, a budget', () => {
    const o = parse([
      'hippocampus',
      '--regimes',
      'slices3',
      '--presets',
      'supervised mean-teacher',
      '--seeds',
      '1,2,3',
      '--steps',
      '800',
      '--width',
      '8',
      '--out',
      'runs/a/',
      '--no-nice',
      '--jobs',
      '1',
    ]);
    expect(o.regimes.map((r) => r.name)).toEqual(['slices3']);
    expect(o.arms.map((a) => a.preset)).toEqual(['supervised', 'mean-teacher']);
    expect([o.steps, o.out, o.nice, o.jobs, o.backend]).toEqual([800, 'runs/a', false, 1, null]);
    expect(parse(['monuseg', '--backend', 'webgpu']).backend).toBe('webgpu');
  });

  it('refuses what would fail an hour later: unknown dataset, regime or preset, bad numbers, repeated seeds', () => {
    expect(() => parse([])).toThrow(/one dataset/);
    expect(() => parse(['brats'])).toThrow(/unknown dataset/);
    expect(() => parse(['monuseg', '--regimes', 'slices3'])).toThrow(/unknown regime/);
    expect(() => parse(['monuseg', '--presets', 'supervised unimatch'])).toThrow(/unknown preset "unimatch"/);
    expect(() => parse(['monuseg', '--steps', '0'])).toThrow(/--steps/);
    expect(() => parse(['monuseg', '--seeds', '1,1'])).toThrow(/twice/);
    expect(() => parse(['monuseg', '--backend', 'webgl'])).toThrow(/--backend/);
    expect(parseOptions(['--help'], KNOWN)).toBe('help');
  });
});
