import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readNifti } from '../io/nifti/readNifti.ts';
import { parseCli, UsageError } from './args.ts';
import { runEval } from './evaluate.ts';
import { main } from './main.ts';
import { runPredict } from './predict.ts';
import { runTrain } from './train.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

describe('command line', () => {
  it('parses the train contract and rejects wrong arguments with a reason', () => {
    const a = parseCli(['train', '--data', 'd', '--preset', 'mean-teacher', '--labeled-fraction', '0.1', '--steps', '20', '--out', 'r']);
    expect(a).toMatchObject({ command: 'train', preset: 'mean-teacher', labeledFraction: 0.1, steps: 20, seed: 1, backend: 'wasm', kernels: true, network: null, patch: null });
    expect(parseCli(['predict', '--model', 'm', '--images', 'i', '--out', 'o', '--backend', 'webgpu', '--kernels', 'off'])).toMatchObject({ backend: 'webgpu', kernels: false });
    const tak = parseCli(['train', '--data', 'd', '--preset', 'tak', '--labeled-fraction', '0.1', '--network', '3d', '--patch', '16x32x32', '--out', 'r']);
    expect(tak).toMatchObject({ preset: 'tak', network: '3d', patch: [16, 32, 32] });
    expect(parseCli(['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '0.1', '--patch', '64', '--out', 'r'])).toMatchObject({ patch: [64] });
    const bad: [string[], RegExp][] = [
      [['train', '--data', 'd', '--preset', 'nope', '--labeled-fraction', '0.1', '--out', 'r'], /unknown preset "nope"/],
      [['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '2', '--out', 'r'], /at most 1/],
      [['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '0.1', '--steps', '5', '--minutes', '1', '--out', 'r'], /not both/],
      [['train', '--preset', 'supervised', '--labeled-fraction', '0.1', '--out', 'r'], /--data is required/],
      [['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', 'x', '--out', 'r'], /must be a number/],
      [['predict', '--model', 'm', '--images', 'i'], /--out is required/],
      [['eval', '--pred', 'p', '--labels', 'l', '--bogus', '1'], /bogus/],
      [['fly'], /unknown command/],
      [['predict', '--model', 'm', '--images', 'i', '--out', 'o', '--kernels', 'maybe'], /--kernels must be on or off/],
      [['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '0.1', '--network', '4d', '--out', 'r'], /2d or 3d/],
      [['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '0.1', '--patch', '16x2', '--out', 'r'], /integers ≥ 4/],
    ];
    for (const [argv, msg] of bad) expect(() => parseCli(argv), argv.join(' ')).toThrow(msg);
    expect(() => parseCli(['train', '--steps', '1.5'])).toThrow(UsageError);
  });

  it('exits non-zero with one line for unreadable data', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const code = await main(['train', '--data', '/nonexistent/folder', '--preset', 'supervised', '--labeled-fraction', '0.5', '--steps', '1', '--out', join(tmpdir(), 'x')]);
    expect(code).toBe(1);
    expect(err).toHaveBeenCalledTimes(1);
    expect(String(err.mock.calls[0]![0])).toMatch(/^pseudolab: data folder \/nonexistent\/folder does not exist$/);
    expect(await main(['train'])).toBe(2);
    err.mockRestore();
  });
});

describe.skipIf(!existsSync(HIPPO))('train → predict → eval on a small Decathlon folder (needs ../shared/datasets/hippocampus)', () => {
  it('writes a run, predicts label files with the images\' geometry, and evaluates them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-cli-'));
    const data = join(root, 'Task04');
    mkdirSync(join(data, 'imagesTr'), { recursive: true });
    mkdirSync(join(data, 'labelsTr'), { recursive: true });
    const meta = JSON.parse(readFileSync(join(HIPPO, 'dataset.json'), 'utf8'));
    meta.training = meta.training.slice(0, 6);
    writeFileSync(join(data, 'dataset.json'), JSON.stringify(meta));
    for (const c of meta.training as { image: string; label: string }[]) {
      copyFileSync(join(HIPPO, c.image), join(data, c.image));
      copyFileSync(join(HIPPO, c.label), join(data, c.label));
    }
    const lines: string[] = [];
    const run = join(root, 'run');
    await runTrain(
      { command: 'train', data, preset: 'mean-teacher', labeledFraction: 0.5, labeledSlices: 4, steps: 3, minutes: null, seed: 2, out: run, split: null, backend: 'wasm', kernels: true, width: 4, depth: 2, evalEvery: 2, vlmSteps: null, batchLabeled: null, batchUnlabeled: null, network: null, patch: null, set: [] },
      (l) => lines.push(l),
    );
    for (const f of ['model.pslb', 'config.json', 'split.json', 'log.csv', 'metrics.json']) expect(existsSync(join(run, f)), f).toBe(true);
    const split = JSON.parse(readFileSync(join(run, 'split.json'), 'utf8'));
    expect(split.train.length + split.val.length).toBe(6);
    expect(lines.join('\n')).toMatch(/5 training cases \(3 labeled, 12 labeled slices\)/);
    expect(readFileSync(join(run, 'log.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics.byClass)).toEqual(['1', '2']);

    const out = join(root, 'pred');
    await runPredict({ command: 'predict', model: run, images: join(data, 'imagesTr'), out, backend: 'wasm', kernels: true }, () => undefined);
    for (const c of meta.training as { image: string }[]) {
      const name = c.image.split('/').pop()!;
      const image = readNifti(new Uint8Array(readFileSync(join(data, c.image))), name).volume;
      const pred = readNifti(new Uint8Array(readFileSync(join(out, name))), name).volume;
      expect(pred.geometry.dims).toEqual(image.geometry.dims);
      expect(pred.geometry.ijkToLps).toEqual(image.geometry.ijkToLps);
      expect(new Set(pred.voxels).size).toBeGreaterThanOrEqual(1);
      for (const v of pred.voxels) expect([0, 1, 2]).toContain(v);
    }

    const json = join(root, 'eval.json');
    const table: string[] = [];
    await runEval({ command: 'eval', pred: join(data, 'labelsTr'), labels: join(data, 'labelsTr'), json }, (l) => table.push(l));
    const perfect = JSON.parse(readFileSync(json, 'utf8'));
    expect(perfect.mean).toEqual({ dice: 1, iou: 1, hd95: 0, asd: 0 });
    expect(table.join('\n')).toMatch(/mean\s+1\.0000\s+1\.0000\s+0\.00\s+0\.00/);
    await runEval({ command: 'eval', pred: out, labels: join(data, 'labelsTr'), json }, () => undefined);
    const real = JSON.parse(readFileSync(json, 'utf8'));
    expect(real.cases).toBe(6);
    expect(real.mean.dice).toBeLessThan(1);
  }, 180_000);
});
