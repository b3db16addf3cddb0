import { describe, expect, it } from 'vitest';
import { runKey, type RunSummary } from '../persist/runKey.ts';
import { planStart, shownRunKey } from './startPlan.ts';

/* Nothing discarded without asking: Start resumes the matching stored run, or asks before the shown one is left behind. */

function run(preset: string, size: 'tiny' | 'small', step: number, savedAt: number): RunSummary {
  return { key: runKey(preset, '2d', size), preset, network: '2d', size, step, savedAt, classValues: [1, 3] };
}

describe('what Start does', () => {
  it('resumes a matching run, asks before leaving the shown one behind, and says when it would be replaced', () => {
    const mt = run('mean-teacher', 'tiny', 581, 10);
    const want = { preset: 'mean-teacher', network: '2d' as const, size: 'tiny' as const, classValues: [1, 3] };
    expect(planStart([mt], want, mt.key)).toEqual({ kind: 'resume', run: mt });
    expect(planStart([mt], { ...want, preset: 'promptssl' }, mt.key)).toEqual({ kind: 'ask', shown: mt, replaces: false });
    expect(planStart([mt], { ...want, size: 'small' }, mt.key)).toEqual({ kind: 'ask', shown: mt, replaces: false });
    expect(planStart([mt], { ...want, classValues: [1] }, mt.key)).toEqual({ kind: 'ask', shown: mt, replaces: true });
    expect(planStart([], want, null)).toEqual({ kind: 'fresh' });
    expect(planStart([mt], { ...want, preset: 'supervised' }, null)).toEqual({ kind: 'fresh' });
    // A model this tab holds but could not store is lost to a fresh run: asked too; a stored match still resumes.
    expect(planStart([], want, null, { step: 40 })).toEqual({ kind: 'askUnsaved', step: 40 });
    expect(planStart([mt], want, mt.key, { step: 40 })).toEqual({ kind: 'resume', run: mt });
  });

  it('keys the shown model only when storage took it: a model held in this tab alone stands for no stored run', () => {
    const shown = { preset: 'mean-teacher', network: '2d' as const, size: 'tiny' as const, stored: true };
    expect(shownRunKey(shown)).toBe(runKey('mean-teacher', '2d', 'tiny'));
    expect(shownRunKey({ ...shown, stored: false })).toBeNull();
    expect(shownRunKey({ preset: 'mean-teacher', network: '2d', stored: true })).toBeNull();
    expect(shownRunKey(null)).toBeNull();
  });
});
