import { describe, expect, it } from 'vitest';
import { describeTextReadiness, retrievalHelps, type TextReadinessInput } from './textReadiness.ts';

const base: TextReadinessInput = {
  preset: 'promptssl',
  provider: 'learned',
  encoderName: null,
  phase: null,
  pretrainStep: 0,
  pretrainTotal: 300,
  retrieval: null,
};

describe('text readiness', () => {
  // The text encoder made here starts from random weights: a panel that implied the descriptions are read would mislead.
  it('says plainly that descriptions carry no meaning before pre-training, and what would fix it', () => {
    const r = describeTextReadiness(base);
    expect(r.level).toBe('none');
    expect(r.text).toMatch(/not used meaningfully yet: the text encoder is untrained/);
    expect(r.text).toMatch(/pre-training/);
    expect(r.text).toMatch(/pretrained text model/);
  });
  it('says TAK’s text encoder made here stays untrained, whatever the phase', () => {
    for (const phase of [null, 'training'] as const) {
      const r = describeTextReadiness({ ...base, preset: 'tak', phase, encoderName: 'learned text transformer (seeded, not pre-trained)' });
      expect(r.level).toBe('none');
      expect(r.text).toMatch(/untrained \(random weights\)/);
      expect(r.text).toMatch(/pretrained text model folder/);
    }
  });
  it('counts an encoder trained elsewhere as ready', () => {
    expect(describeTextReadiness({ ...base, preset: 'tak', provider: 'pretrained', encoderName: 'tiny-clip' })).toMatchObject({ level: 'ready' });
    expect(describeTextReadiness({ ...base, provider: 'import', encoderName: 'bank.json' }).text).toMatch(/bank\.json, trained elsewhere/);
    // Chosen but not yet used: TAK falls back to the untrained encoder when the bank lacks a prompt, and says so.
    expect(describeTextReadiness({ ...base, preset: 'tak', provider: 'import' }).text).toMatch(/otherwise the untrained text encoder/);
  });
  it('judges pre-training by retrieval against chance', () => {
    expect(describeTextReadiness({ ...base, phase: 'pretraining', pretrainStep: 40 })).toMatchObject({ level: 'learning' });
    const good = describeTextReadiness({ ...base, phase: 'training', pretrainStep: 300, retrieval: { accuracy: 0.8, chance: 0.25, pairs: 12 } });
    expect(good.level).toBe('ready');
    expect(good.text).toContain('80 % of the time (chance 25 %, 12 pairs)');
    const weak = describeTextReadiness({ ...base, phase: 'training', pretrainStep: 20, retrieval: { accuracy: 0.3, chance: 0.25, pairs: 12 } });
    expect(weak.level).toBe('weak');
    expect(weak.text).toMatch(/barely help/);
    expect(describeTextReadiness({ ...base, phase: 'training', pretrainStep: 0 }).level).toBe('weak');
  });
  it('says when pre-training has stalled because the global term went quiet, and that more steps will not help', () => {
    const during = { ...base, phase: 'pretraining' as const, pretrainStep: 650, pretrainTotal: 1200 };
    expect(describeTextReadiness({ ...during, globalWeight: 0.9 }).level).toBe('learning');
    expect(describeTextReadiness({ ...during, globalWeight: null }).level).toBe('learning');
    // A dip to 10⁻⁴ recovered once on the hippocampus workspace: not yet a stall.
    expect(describeTextReadiness({ ...during, globalWeight: 1.5e-4 }).level).toBe('learning');
    const stalled = describeTextReadiness({ ...during, globalWeight: 3e-8 });
    expect(stalled.level).toBe('weak');
    expect(stalled.text).toMatch(/stalled at step 650 of 1200/);
    expect(stalled.text).toMatch(/3e-8/);
    expect(stalled.text).toMatch(/more steps will not fix it/);
  });
  it('needs about twice chance to call retrieval helpful', () => {
    expect(retrievalHelps({ accuracy: 0.5, chance: 0.25 })).toBe(true);
    expect(retrievalHelps({ accuracy: 0.45, chance: 0.25 })).toBe(false);
    expect(retrievalHelps({ accuracy: 0.9, chance: 0.5 })).toBe(false);
    expect(retrievalHelps({ accuracy: 1, chance: 0.5 })).toBe(true);
  });
});
