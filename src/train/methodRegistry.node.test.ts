import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, presetConfig, presetModelKind, usesText, type PresetName } from './config.ts';
import { Trainer } from './Trainer.ts';
import { describedWorkspace } from './vlm/testing/describedWorkspace.ts';
import { allMethods, findMethod, methodNamed, registerMethod } from './methods/registry.ts';
import { toyMethod } from './methods/testing/toyMethod.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('the method registry', () => {
  it('declares every built-in method once, and config.ts reads its answers from it', () => {
    expect(PRESETS).toEqual(['supervised', 'mean-teacher', 'promptssl', 'duss', 'tak', 'bcp']);
    expect(new Set(allMethods().map((m) => m.label)).size).toBe(allMethods().length);
    expect(PRESETS.map(presetModelKind)).toEqual([null, null, '2d', '2d', '3d', null]);
    expect(PRESETS.filter(usesText)).toEqual(['promptssl', 'duss']);
    expect(methodNamed('tak').text).toBe('class-prompts');
    expect(presetConfig('tak').model.kind).toBe('3d');
    expect(presetConfig('duss').text.form).toBe('sigmoid');
    expect(() => methodNamed('nope')).toThrow(/unknown training method "nope"/);
    expect(() => registerMethod(methodNamed('duss'))).toThrow(/already registered/);
  });

  it('a new method is one file and one registry line: a toy method trains', async () => {
    registerMethod(toyMethod);
    expect(findMethod('toy')).toBe(toyMethod);
    // A method registered at run time is outside the built-in name union, hence the cast.
    const cfg = presetConfig('toy' as PresetName, {
      seed: 2,
      model: { width: 4, depth: 2 },
      patch: [16, 16],
      batchLabeled: 2,
      batchUnlabeled: 2,
      consistency: { rampUpSteps: 0 },
    });
    expect(cfg.preset).toBe('toy');
    expect(cfg.consistency).toMatchObject({ kind: 'pseudo-ce', threshold: 0.5 });
    const trainer = new Trainer(describedWorkspace(3), 3, cfg);
    expect(trainer.method).toBe(toyMethod);
    const first = await trainer.trainStep();
    const second = await trainer.trainStep();
    trainer.dispose();
    // Its unlabeled term ran, and its extra term joined the sum once its weight turned on.
    expect(first.losses.consistency).toBeGreaterThan(0);
    expect(first.extra?.toy).toEqual({ value: 0, weight: 0 });
    expect(second.extra?.toy?.weight).toBe(0.25);
    expect(second.extra!.toy!.value).toBeGreaterThan(0);
    for (const r of [first, second]) {
      const extra = r.extra!.toy!.weight * r.extra!.toy!.value;
      expect(r.losses.total).toBeCloseTo(r.losses.ce + r.losses.dice + r.lambdaU * r.losses.consistency + extra, 5);
    }
  });
});
