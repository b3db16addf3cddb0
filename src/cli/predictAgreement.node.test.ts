import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, type EvalArgs, type PredictArgs, type TrainArgs } from './args.ts';
import { runEval } from './evaluate.ts';
import { runPredict } from './predict.ts';
import { smallHippocampusFolder } from './testing/hippocampusFolder.ts';
import { runTrain } from './train.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

/**
 * A user scores a model with `predict` + `eval` on images it has not seen; `train` scores its validation cases
 * itself. Both must be the same number: one inference path, in windows of the training patch, recorded in the model
 * file (src/train/inferenceSpec.ts). Before, `predict` sized its canvas to each volume and scored 30–40 Dice points
 * below `train` on held-out hippocampus cases.
 */
describe.skipIf(!existsSync(HIPPO))('train, predict and eval agree (needs ../shared/datasets/hippocampus)', () => {
  function smallTask(cases: number): { root: string; data: string } {
    const data = smallHippocampusFolder(cases, 'pseudolab-agree-');
    return { root: dirname(data), data };
  }

  /** Copies the validation cases' images and labels into folders of their own, as a user's held-out set. */
  function heldOut(root: string, data: string, ids: string[]): { images: string; labels: string } {
    const images = join(root, 'val-images');
    const labels = join(root, 'val-labels');
    mkdirSync(images, { recursive: true });
    mkdirSync(labels, { recursive: true });
    for (const id of ids) {
      copyFileSync(join(data, 'imagesTr', `${id}.nii.gz`), join(images, `${id}.nii.gz`));
      copyFileSync(join(data, 'labelsTr', `${id}.nii.gz`), join(labels, `${id}.nii.gz`));
    }
    return { images, labels };
  }

  async function trainPredictEval(network: '2d' | '3d', extra: string[]): Promise<{ train: number; predicted: number }> {
    const { root, data } = smallTask(8);
    const run = join(root, 'run');
    const trainArgs = parseCli([
      'train',
      '--data',
      data,
      '--preset',
      'supervised',
      '--labeled-fraction',
      '1',
      '--seed',
      '1',
      '--backend',
      'wasm',
      '--network',
      network,
      '--out',
      run,
      ...extra,
    ]) as TrainArgs;
    await runTrain(trainArgs, () => undefined);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    const split = JSON.parse(readFileSync(join(run, 'split.json'), 'utf8')) as { val: string[] };
    const { images, labels } = heldOut(root, data, split.val);
    const pred = join(root, 'pred');
    await runPredict(parseCli(['predict', '--model', run, '--images', images, '--out', pred, '--backend', 'wasm']) as PredictArgs, () => undefined);
    const json = join(root, 'eval.json');
    await runEval(parseCli(['eval', '--pred', pred, '--labels', labels, '--json', json]) as EvalArgs, () => undefined);
    const scored = JSON.parse(readFileSync(json, 'utf8'));
    expect(scored.cases).toBe(split.val.length);
    return { train: metrics.mean.dice, predicted: scored.mean.dice };
  }

  it("2D: predict + eval on the held-out cases equals train's own score", async () => {
    const r = await trainPredictEval('2d', ['--steps', '60', '--width', '4', '--depth', '2']);
    console.log(`2D: train ${r.train.toFixed(4)}, predict+eval ${r.predicted.toFixed(4)}`);
    // A barely trained model still draws some structure (seeded: 0.018), so the two scores compare real maps.
    expect(r.train).toBeGreaterThan(0.005);
    expect(Math.abs(r.predicted - r.train)).toBeLessThan(1e-3);
  }, 400_000);

  it("3D: predict + eval on the held-out cases equals train's own score", async () => {
    const r = await trainPredictEval('3d', [
      '--steps',
      '12',
      '--width',
      '4',
      '--depth',
      '2',
      '--patch',
      '16x32x32',
      '--batch-labeled',
      '2',
      '--batch-unlabeled',
      '2',
    ]);
    console.log(`3D: train ${r.train.toFixed(4)}, predict+eval ${r.predicted.toFixed(4)}`);
    expect(Math.abs(r.predicted - r.train)).toBeLessThan(1e-3);
  }, 400_000);
});
