import { describe, expect, it } from 'vitest';
import { parseArm, parseArms } from './arms.ts';

const KNOWN = ['supervised', 'mean-teacher', 'duss'];

describe('arms of the semi-supervised harness', () => {
  it('takes a registered preset as an arm of its own name, with no settings', () => {
    expect(parseArm('mean-teacher', KNOWN)).toEqual({ name: 'mean-teacher', preset: 'mean-teacher', settings: [] });
  });

  it('turns NAME=PRESET:a=b,c=d into a named arm with one --set per knob', () => {
    expect(parseArm('mt-thr=mean-teacher:consistency.kind=pseudo-ce,consistency.threshold=0.9', KNOWN)).toEqual({
      name: 'mt-thr',
      preset: 'mean-teacher',
      settings: ['consistency.kind=pseudo-ce', 'consistency.threshold=0.9'],
    });
  });

  it('keeps a JSON value with commas in one setting', () => {
    expect(parseArm('s=duss:aug.scale=[0.9,1.1],text.merged=false', KNOWN).settings).toEqual(['aug.scale=[0.9,1.1]', 'text.merged=false']);
  });

  it('accepts an alias without settings', () => {
    expect(parseArm('baseline=supervised', KNOWN)).toEqual({ name: 'baseline', preset: 'supervised', settings: [] });
  });

  it('refuses presets the registry does not know, naming the known ones', () => {
    expect(() => parseArm('bcp', KNOWN)).toThrow(/unknown preset "bcp".*supervised, mean-teacher, duss/);
    expect(() => parseArm('x=bcp:a=1', KNOWN)).toThrow(/unknown preset "bcp"/);
  });

  it('refuses a name that cannot be a folder and a setting without a path', () => {
    expect(() => parseArm('a/b=supervised', KNOWN)).toThrow(/name/);
    expect(() => parseArm('x=supervised:=3', KNOWN)).toThrow(/not path=value/);
    expect(() => parseArm('supervised:a=1', KNOWN)).toThrow(/NAME=PRESET/);
  });

  it('parses a space-separated list and refuses two arms with one name', () => {
    expect(parseArms('  supervised   duss ', KNOWN).map((a) => a.name)).toEqual(['supervised', 'duss']);
    expect(() => parseArms('duss duss=supervised', KNOWN)).toThrow(/two arms are named "duss"/);
    expect(() => parseArms('   ', KNOWN)).toThrow(/no presets/);
  });
});
