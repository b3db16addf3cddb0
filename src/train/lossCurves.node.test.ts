import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig, type PresetName } from './config.ts';
import { Trainer, type StepReport } from './Trainer.ts';
import { Trainer3D, type TakTextVectors } from './Trainer3D.ts';
import { createTextGuidance, createVlmPretrainer } from './vlm/textStage.ts';
import { CLASS_TEXTS, describedWorkspace } from './vlm/testing/describedWorkspace.ts';

/*
 * The engine's loss curves, pinned: every method trains a few steps from a fixed seed on tiny synthetic data on
 * tfjs's cpu backend (deterministic, no GPU), and every logged loss term of every step must match the fixture
 * recorded before the engine was restructured. A refactor that changes what a step computes, in any method, fails
 * here. Record again only for an intended change in the maths: UPDATE_GOLDEN=1 npx vitest run <this file>.
 */

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'lossCurves.golden.json');
const STEPS = 5;
/** Relative tolerance (with an absolute floor for terms near 0): the cpu backend is deterministic, this covers op reordering. */
const REL = 1e-5;
const ABS = 1e-7;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Every number a step reports except its timing. */
function terms(r: StepReport): Record<string, number> {
  const out: Record<string, number> = { step: r.step, lr: r.lr, lambdaU: r.lambdaU, ...r.losses };
  if (r.text) for (const [k, v] of Object.entries(r.text)) out[`text.${k}`] = v as number;
  if (r.tak) for (const [k, v] of Object.entries(r.tak)) out[`tak.${k}`] = v;
  return out;
}

async function curve2D(preset: PresetName): Promise<Record<string, number>[]> {
  const volumes = describedWorkspace(4);
  const cfg = presetConfig(preset, {
    seed: 7,
    model: { width: 4, depth: 2 },
    patch: [16, 16],
    batchLabeled: 2,
    batchUnlabeled: 2,
    optimiser: { warmupSteps: 2 },
    consistency: { rampUpSteps: 3 },
    vlm: { dim: 16, depth: 1, patchSize: 8, batch: 2, maxTokens: 16 },
  });
  const trainer = new Trainer(volumes, 3, cfg);
  let pre: { dispose(): void } | null = null;
  if (cfg.text.enabled) {
    // An untrained vision–language model is enough: the test pins the arithmetic of the step, not what it learns.
    const texts = { background: 'mid grey noise', classes: CLASS_TEXTS, descriptions: volumes.map(() => 'a slice') };
    const p = createVlmPretrainer(volumes, trainer.pools, texts, trainer.patch, cfg);
    trainer.attachTextGuidance(await createTextGuidance(p, texts, cfg));
    pre = p;
  }
  const out: Record<string, number>[] = [];
  for (let s = 0; s < STEPS; s++) out.push(terms(await trainer.trainStep()));
  trainer.dispose();
  pre?.dispose();
  return out;
}

/** Two 12³ volumes with a bright ball and a dark bar; a few labeled slices of the first. */
function volumes3D(): TrainingVolume[] {
  const rng = new Random(5);
  const n = 12;
  return [0, 1].map((v) => {
    const image = new Float32Array(n ** 3);
    const labels = new Uint8Array(n ** 3);
    const labeled = new Uint8Array(n ** 3);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const p = (k * n + j) * n + i;
          let x = 0.3 * rng.normal();
          if ((i - 5 - v) ** 2 + (j - 6) ** 2 + (k - 6) ** 2 <= 6) {
            x += 2;
            labels[p] = 1;
          } else if (j >= 9 && j < 11 && i >= 2 && i < 10 && k >= 3 && k < 9) {
            x -= 2;
            labels[p] = 2;
          }
          image[p] = x;
          if (v === 0 && [4, 6, 8].includes(k)) labeled[p] = 1;
        }
      }
    }
    return { id: `v${v}`, dims: [n, n, n], spacing: [1, 1, 1], channels: 1, image, labels: v === 0 ? labels : new Uint8Array(labels.length), labeled };
  });
}

async function curve3D(preset: PresetName): Promise<Record<string, number>[]> {
  const cfg = presetConfig(preset, {
    seed: 3,
    model: { kind: '3d', width: 4, depth: 2 },
    patch3d: [8, 8, 8],
    batchLabeled: 1,
    batchUnlabeled: 1,
    optimiser: { warmupSteps: 2 },
    consistency: { rampUpSteps: 3 },
    validation: { fraction: 0, minLabeledSlices: 1000 },
    // L_con joins at step 2, so the curve covers TAK with and without it.
    tak: { conWarmupSteps: 2, samplesPerClass: 4 },
  });
  const trainer = new Trainer3D(volumes3D(), 3, cfg);
  if (cfg.tak.enabled) {
    const rng = new Random(11);
    const dim = 8;
    const vec = () => Float32Array.from({ length: 3 * dim }, () => rng.normal());
    const texts: TakTextVectors = { dim, position: vec(), shape: vec(), encoder: 'test vectors' };
    trainer.attachTakTexts(texts);
  }
  const out: Record<string, number>[] = [];
  for (let s = 0; s < STEPS; s++) out.push(terms(await trainer.trainStep()));
  trainer.dispose();
  return out;
}

const RUNS: { name: string; run: () => Promise<Record<string, number>[]> }[] = [
  ...(['supervised', 'mean-teacher', 'promptssl', 'duss'] as const).map((p) => ({ name: `2d/${p}`, run: () => curve2D(p) })),
  ...(['supervised', 'mean-teacher', 'tak'] as const).map((p) => ({ name: `3d/${p}`, run: () => curve3D(p) })),
];

describe('loss curves match the recorded ones (fixed seed, cpu backend)', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  const golden: Record<string, Record<string, number>[]> = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};
  const recorded: Record<string, Record<string, number>[]> = {};

  for (const { name, run } of RUNS) {
    it(name, async () => {
      const got = await run();
      if (update) {
        recorded[name] = got;
        writeFileSync(FIXTURE, `${JSON.stringify({ ...golden, ...recorded }, null, 1)}\n`);
        return;
      }
      const want = golden[name];
      expect(want, `no recorded curve for ${name}: record with UPDATE_GOLDEN=1`).toBeDefined();
      expect(got.length).toBe(want!.length);
      for (let s = 0; s < got.length; s++) {
        expect(Object.keys(got[s]!).sort(), `${name} step ${s}: logged terms`).toEqual(Object.keys(want![s]!).sort());
        for (const [term, w] of Object.entries(want![s]!)) {
          const g = got[s]![term]!;
          expect(Math.abs(g - w), `${name} step ${s} ${term}: ${g} vs recorded ${w}`).toBeLessThanOrEqual(Math.max(ABS, REL * Math.abs(w)));
        }
      }
      // Something moves: a curve of constants would pin nothing.
      expect(got.at(-1)!.total).not.toBe(got[0]!.total);
    }, 60_000);
  }
});
