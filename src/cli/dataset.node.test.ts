import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadImage, loadLabels, readDatasetFolder, readMsdFolder, splitFromRoles } from './dataset.ts';

const DATA = join(process.cwd(), '..', 'shared', 'datasets');
const MONUSEG = join(DATA, 'monuseg');
const HIPPO = join(DATA, 'hippocampus');
const HAS_MONUSEG = existsSync(join(MONUSEG, 'Train_Folder', 'img')) && existsSync(join(MONUSEG, 'Val_Folder', 'img'));

/** The CSV as published, row by row (it quotes nothing). */
function sentences(csv: string): Map<string, string> {
  const rows = readFileSync(csv, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  return new Map(rows.map((r) => [r.slice(0, r.indexOf(',')).replace(/\.png$/, ''), r.slice(r.indexOf(',') + 1).trim()]));
}

function tinySet(dir: string, images: string[], masks: string[], csv?: string): void {
  mkdirSync(join(dir, 'img'), { recursive: true });
  mkdirSync(join(dir, 'labelcol'), { recursive: true });
  const rgb = encodePng({ width: 2, height: 2, data: new Uint8Array(12).map((_, n) => [220, 150, 200][n % 3]!), depth: 8, channels: 3 });
  const mask = encodePng({ width: 2, height: 2, data: new Uint8Array([0, 255, 255, 0]), depth: 8, channels: 1 });
  for (const n of images) writeFileSync(join(dir, 'img', n), rgb);
  for (const n of masks) writeFileSync(join(dir, 'labelcol', n), mask);
  if (csv !== undefined) writeFileSync(join(dir, 'text.csv'), csv);
}

describe('--data folders the CLI reads', () => {
  it('reads a MoNuSeg-style folder with masks, descriptions and warnings; PNGs load as the app reads them', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pseudolab-ds-')), 'Set');
    tinySet(dir, ['a.png', 'b.png', 'c.png'], ['a.png', 'b.png'], 'Image,Description\na.png,"Dense, upper left."\nb.png,Sparse.\nghost.png,Not here.\n');
    const ds = readDatasetFolder(dir);
    expect(ds.layout).toBe('monuseg');
    expect(ds.classes).toEqual([{ value: 1, name: 'Nucleus' }]);
    expect(ds.cases).toEqual([
      { id: 'a', imagePath: join(dir, 'img', 'a.png'), labelPath: join(dir, 'labelcol', 'a.png'), description: 'Dense, upper left.' },
      { id: 'b', imagePath: join(dir, 'img', 'b.png'), labelPath: join(dir, 'labelcol', 'b.png'), description: 'Sparse.' },
      { id: 'c', imagePath: join(dir, 'img', 'c.png'), labelPath: null },
    ]);
    expect(ds.warnings).toEqual([
      'Set: 1 image(s) have no mask of their name in labelcol/: c.png',
      'text.csv: describes 1 image(s) that are not in Set/img/: ghost.png',
    ]);
    expect(splitFromRoles(ds.cases, 1)).toBeNull();
    const image = loadImage(ds.cases[0]!.imagePath);
    expect(image).toMatchObject({ channels: 3, geometry: { dims: [2, 2, 1] } });
    expect(loadLabels(ds.cases[0]!.labelPath!)).toEqual({ values: new Uint8Array([0, 1, 1, 0]), dims: [2, 2, 1] });
  });

  it('marks Train_Folder cases train and Val_Folder cases validation, leaves a Test_Folder out, and refuses other folders', () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-ds-'));
    tinySet(join(root, 'Train_Folder'), ['t1.png', 't2.png'], ['t1.png', 't2.png']);
    tinySet(join(root, 'Val_Folder'), ['v1.png'], ['v1.png']);
    tinySet(join(root, 'Test_Folder'), ['x1.png'], ['x1.png']);
    const ds = readDatasetFolder(root);
    expect(ds.cases.map((c) => [c.id, c.role])).toEqual([
      ['t1', 'train'],
      ['t2', 'train'],
      ['v1', 'validation'],
    ]);
    expect(ds.warnings).toEqual(['Test_Folder/ is left out: only Train_Folder/ and Val_Folder/ are read']);
    expect(splitFromRoles(ds.cases, 3)).toEqual({ seed: 3, train: ['t1', 't2'], val: ['v1'] });
    const empty = mkdtempSync(join(tmpdir(), 'pseudolab-ds-'));
    expect(() => readDatasetFolder(empty)).toThrow(/is neither a Decathlon folder \(dataset\.json or imagesTr\/\) nor a MoNuSeg folder/);
    expect(() => readDatasetFolder(join(empty, 'nope'))).toThrow(/^data folder .* does not exist$/);
  });

  it('still reads a Decathlon folder as readMsdFolder does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pseudolab-ds-'));
    mkdirSync(join(dir, 'imagesTr'));
    mkdirSync(join(dir, 'labelsTr'));
    writeFileSync(join(dir, 'imagesTr', 'c1.nii.gz'), '');
    writeFileSync(join(dir, 'labelsTr', 'c1.nii.gz'), '');
    expect(readDatasetFolder(dir)).toEqual({ ...readMsdFolder(dir), layout: 'msd', warnings: [] });
    expect(readDatasetFolder(dir).cases).toEqual([{ id: 'c1', imagePath: join(dir, 'imagesTr', 'c1.nii.gz'), labelPath: join(dir, 'labelsTr', 'c1.nii.gz') }]);
  });

  it.skipIf(!existsSync(HIPPO))('reads the hippocampus Decathlon folder unchanged (needs ../shared/datasets/hippocampus)', () => {
    const ds = readDatasetFolder(HIPPO);
    expect(ds.layout).toBe('msd');
    expect(ds.cases).toHaveLength(220);
    expect(ds.cases.every((c) => c.role === undefined && c.description === undefined)).toBe(true);
    expect(ds.classes.map((c) => c.name)).toEqual(['Anterior', 'Posterior']);
  });
});

describe.skipIf(!HAS_MONUSEG)('MoNuSeg from ../shared/datasets/monuseg (skipped: the dataset is not there)', () => {
  it('reads the dataset root: 24 Train_Folder cases to train on, 6 Val_Folder cases to validate on, each with its mask and sentence', () => {
    const ds = readDatasetFolder(MONUSEG);
    expect(ds.warnings).toEqual([]);
    const train = ds.cases.filter((c) => c.role === 'train');
    const val = ds.cases.filter((c) => c.role === 'validation');
    expect([train.length, val.length, ds.cases.length]).toEqual([24, 6, 30]);
    const text = new Map([...sentences(join(MONUSEG, 'Train_Folder', 'Train_text.csv')), ...sentences(join(MONUSEG, 'Val_Folder', 'Val_text.csv'))]);
    for (const c of ds.cases) {
      expect(c.description, c.id).toBe(text.get(c.id));
      expect(existsSync(c.labelPath!), c.id).toBe(true);
    }
    expect(
      readdirSync(join(MONUSEG, 'Val_Folder', 'img'))
        .map((f) => f.replace(/\.png$/, ''))
        .sort(),
    ).toEqual(val.map((c) => c.id));
    const split = splitFromRoles(ds.cases, 1)!;
    expect([split.train.length, split.val.length]).toEqual([24, 6]);
    // One case end to end through the app's readers.
    const image = loadImage(train[0]!.imagePath);
    expect(image).toMatchObject({ channels: 3, geometry: { dims: [1000, 1000, 1] } });
    const labels = loadLabels(train[0]!.labelPath!);
    expect(labels.dims).toEqual([1000, 1000, 1]);
    expect([...new Set(labels.values)].sort()).toEqual([0, 1]);
  });

  it('reads Train_Folder on its own as one set with no fixed roles', () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-ds-'));
    const dir = join(root, 'Train_Folder');
    mkdirSync(join(dir, 'img'), { recursive: true });
    mkdirSync(join(dir, 'labelcol'));
    const names = readdirSync(join(MONUSEG, 'Train_Folder', 'img'))
      .sort()
      .slice(0, 2);
    for (const n of names) for (const sub of ['img', 'labelcol']) copyFileSync(join(MONUSEG, 'Train_Folder', sub, n), join(dir, sub, n));
    copyFileSync(join(MONUSEG, 'Train_Folder', 'Train_text.csv'), join(dir, 'Train_text.csv'));
    const ds = readDatasetFolder(dir);
    expect(ds.cases.map((c) => c.role)).toEqual([undefined, undefined]);
    expect(ds.cases.every((c) => (c.description ?? '').length > 10)).toBe(true);
    expect(ds.warnings).toEqual([expect.stringMatching(/^Train_text\.csv: describes 22 image\(s\) that are not in Train_Folder\/img\/: /)]);
  });
});
