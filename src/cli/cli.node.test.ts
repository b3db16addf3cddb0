import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { readNifti } from '../io/nifti/readNifti.ts';
import { COMMAND_USAGE, parseCli, UsageError } from './args.ts';
import { runEval } from './evaluate.ts';
import { main } from './main.ts';
import { runPredict } from './predict.ts';
import { smallHippocampusFolder } from './testing/hippocampusFolder.ts';
import { runTrain } from './train.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');
const MONUSEG = join(process.cwd(), '..', 'shared', 'datasets', 'monuseg', 'Train_Folder');

/** What main prints on stdout and stderr, and its exit code. */
async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await main(argv);
    return { code, out: log.mock.calls.map((c) => String(c[0])).join('\n'), err: error.mock.calls.map((c) => String(c[0])).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('command line', () => {
  it('parses the train contract and rejects wrong arguments with a reason', () => {
    const a = parseCli(['train', '--data', 'd', '--preset', 'mean-teacher', '--labeled-fraction', '0.1', '--steps', '20', '--out', 'r']);
    expect(a).toMatchObject({
      command: 'train',
      preset: 'mean-teacher',
      labeledFraction: 0.1,
      steps: 20,
      seed: 1,
      backend: 'wasm',
      kernels: true,
      network: null,
      patch: null,
    });
    expect(parseCli(['predict', '--model', 'm', '--images', 'i', '--out', 'o', '--backend', 'webgpu', '--kernels', 'off'])).toMatchObject({
      backend: 'webgpu',
      kernels: false,
    });
    const tak = parseCli(['train', '--data', 'd', '--preset', 'tak', '--labeled-fraction', '0.1', '--network', '3d', '--patch', '16x32x32', '--out', 'r']);
    expect(tak).toMatchObject({ preset: 'tak', network: '3d', patch: [16, 32, 32] });
    expect(parseCli(['train', '--data', 'd', '--preset', 'supervised', '--labeled-fraction', '0.1', '--patch', '64', '--out', 'r'])).toMatchObject({
      patch: [64],
    });
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
    const code = await main([
      'train',
      '--data',
      '/nonexistent/folder',
      '--preset',
      'supervised',
      '--labeled-fraction',
      '0.5',
      '--steps',
      '1',
      '--out',
      join(tmpdir(), 'x'),
    ]);
    expect(code).toBe(1);
    expect(err).toHaveBeenCalledTimes(1);
    expect(String(err.mock.calls[0]![0])).toMatch(/^pseudolab: data folder \/nonexistent\/folder does not exist$/);
    expect(await main(['train'])).toBe(2);
    err.mockRestore();
  });
});

describe('help', () => {
  it("pseudolab --help lists every command; <command> --help prints that command's usage", async () => {
    for (const argv of [['--help'], ['-h'], ['help'], []]) {
      const all = await runMain(argv);
      expect(all.code, argv.join(' ')).toBe(0);
      for (const c of ['train', 'predict', 'eval']) expect(all.out).toMatch(new RegExp(`^  pseudolab ${c} --`, 'm'));
    }
    for (const command of ['train', 'predict', 'eval'] as const) {
      for (const argv of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
        [command, '--out', 'x', '--help'],
      ]) {
        const one = await runMain(argv);
        expect(one.code, argv.join(' ')).toBe(0);
        expect(one.out).toMatch(new RegExp(`^Usage: pseudolab ${command} --`));
        expect(one.out).toContain(COMMAND_USAGE[command].details.split('\n')[0]);
        for (const other of ['train', 'predict', 'eval'].filter((c) => c !== command)) expect(one.out).not.toContain(`pseudolab ${other} --`);
      }
    }
    expect((await runMain(['predict', '--help'])).out).toMatch(/TIFF/);
    expect((await runMain(['eval', '--help'])).out).toMatch(/HD95 \(px\)/);
    const wrong = await runMain(['eval', '--pred', 'p']);
    expect([wrong.code, wrong.err]).toEqual([2, 'pseudolab: --labels is required (pseudolab eval --help shows its usage)']);
    expect((await runMain(['help', 'fly'])).code).toBe(2);
  });
});

describe.skipIf(!existsSync(MONUSEG))('train → predict → eval on MoNuSeg PNG and TIFF images (needs ../shared/datasets/monuseg)', () => {
  it("predicts 0/255 PNG masks of each image's size for PNG and TIFF inputs, and eval reports Dice and HD95 in pixels", async () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-cli2d-'));
    const data = join(root, 'monuseg');
    mkdirSync(join(data, 'img'), { recursive: true });
    mkdirSync(join(data, 'labelcol'), { recursive: true });
    const [a, b] = readdirSync(join(MONUSEG, 'img'))
      .filter((f) => f.endsWith('.png'))
      .sort();
    for (const f of [a!, b!]) {
      copyFileSync(join(MONUSEG, 'img', f), join(data, 'img', f));
      copyFileSync(join(MONUSEG, 'labelcol', f), join(data, 'labelcol', f));
    }
    const run = join(root, 'run');
    await runTrain(
      {
        command: 'train',
        data,
        preset: 'supervised',
        labeledFraction: 1,
        labeledSlices: null,
        steps: 2,
        minutes: null,
        seed: 3,
        out: run,
        split: null,
        backend: 'wasm',
        kernels: true,
        width: 4,
        depth: 2,
        evalEvery: 100,
        vlmSteps: null,
        batchLabeled: 1,
        batchUnlabeled: 0,
        network: '2d',
        patch: [64],
        set: [],
      },
      () => undefined,
    );

    // The same two tiles as predict's input: the first as its PNG, the second re-saved as an LZW TIFF.
    const images = join(root, 'images');
    mkdirSync(images);
    copyFileSync(join(data, 'img', a!), join(images, a!));
    const tif = b!.replace(/\.png$/, '.tif');
    await sharp(join(data, 'img', b!))
      .tiff({ compression: 'lzw' })
      .toFile(join(images, tif));
    const out = join(root, 'pred');
    const lines: string[] = [];
    await runPredict({ command: 'predict', model: run, images, out, backend: 'wasm', kernels: true }, (l) => lines.push(l));
    expect(readdirSync(out).sort()).toEqual([a!, b!].sort());
    expect(lines.join('\n')).toContain(`${tif} → ${b}`);
    for (const f of [a!, b!]) {
      const mask = decodePng(new Uint8Array(readFileSync(join(out, f))));
      expect([mask.width, mask.height, mask.channels, mask.depth], f).toEqual([1000, 1000, 1, 8]);
      for (const v of new Set(mask.data)) expect([0, 255]).toContain(v);
    }

    const json = join(root, 'eval.json');
    const table: string[] = [];
    // --labels names the MoNuSeg folder: its labelcol/ holds the masks.
    await runEval({ command: 'eval', pred: out, labels: data, json }, (l) => table.push(l));
    const text = table.join('\n');
    expect(text).toMatch(/^2 cases$/m);
    expect(text).toMatch(/Dice\s+IoU\s+HD95 \(px\)\s+ASD \(px\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.distanceUnit).toBe('px');
    expect(report.cases).toBe(2);
    expect(report.mean.dice).toBeGreaterThanOrEqual(0);
    expect(report.mean.dice).toBeLessThanOrEqual(1);
    expect(text).toMatch(new RegExp(`^mean\\s+${report.mean.dice.toFixed(4)}\\s`, 'm'));
    // The labels against themselves: a perfect score, distances zero pixels.
    await runEval({ command: 'eval', pred: join(data, 'labelcol'), labels: join(data, 'labelcol'), json }, () => undefined);
    expect(JSON.parse(readFileSync(json, 'utf8')).mean).toEqual({ dice: 1, iou: 1, hd95: 0, asd: 0 });
  }, 300_000);
});

describe.skipIf(!existsSync(HIPPO))('train → predict → eval on a small Decathlon folder (needs ../shared/datasets/hippocampus)', () => {
  it("writes a run, predicts label files with the images' geometry, and evaluates them", async () => {
    const data = smallHippocampusFolder(6);
    const root = join(data, '..');
    const meta = JSON.parse(readFileSync(join(data, 'dataset.json'), 'utf8'));
    const lines: string[] = [];
    const run = join(root, 'run');
    await runTrain(
      {
        command: 'train',
        data,
        preset: 'mean-teacher',
        labeledFraction: 0.5,
        labeledSlices: 4,
        steps: 3,
        minutes: null,
        seed: 2,
        out: run,
        split: null,
        backend: 'wasm',
        kernels: true,
        width: 4,
        depth: 2,
        evalEvery: 2,
        vlmSteps: null,
        batchLabeled: null,
        batchUnlabeled: null,
        network: null,
        patch: null,
        set: [],
      },
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
