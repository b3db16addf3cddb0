import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { SliceProvenance } from '../../volume/labels.ts';
import { readMaskImage } from '../image2d/readMaskImage.ts';
import { openInputs } from '../openInputs.ts';
import { memoryFile, nodeFile, nodeFolder } from '../testing/nodeFiles.ts';
import { differences } from '../testing/sameValues.ts';
import type { OpenResult } from '../types.ts';
import { findImageMaskRoots, maskNamesFor, roleOfFolder } from './monusegLayout.ts';

const MONUSEG = join(process.cwd(), '..', 'shared', 'datasets', 'monuseg');
const TRAIN = join(MONUSEG, 'Train_Folder');
const HAS_MONUSEG = existsSync(join(TRAIN, 'img')) && existsSync(join(TRAIN, 'Train_text.csv'));

const text = (s: string) => new TextEncoder().encode(s);
/** The CSV as published, row by row (it quotes nothing), to check the app against the file, not against itself. */
function sentences(csv: string): Map<string, string> {
  const rows = readFileSync(csv, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  return new Map(rows.map((r) => [r.slice(0, r.indexOf(',')), r.slice(r.indexOf(',') + 1).trim()]));
}
const grey = (w: number, h: number, values: number[]) => encodePng({ width: w, height: h, data: new Uint8Array(values), depth: 8, channels: 1 });
/** H&E-like pink: the channels differ, so it stays RGB (an RGB image whose channels agree opens as grey). */
const rgb = (w: number, h: number) =>
  encodePng({ width: w, height: h, data: new Uint8Array(w * h * 3).map((_, n) => [220, 150, 200][n % 3]!), depth: 8, channels: 3 });

describe('the MoNuSeg layout', () => {
  it('finds folders with img/ and labelcol/, pairs masks by name and knows Train_Folder from Val_Folder', () => {
    expect(
      findImageMaskRoots([
        'M/Train_Folder/img/a.png',
        'M/Train_Folder/labelcol/a.png',
        'M/Val_Folder/img/b.png',
        'M/Val_Folder/labelcol/b.png',
        'X/img/c.png',
        'img/d.png',
        'labelcol/d.png',
      ]),
    ).toEqual(['', 'M/Train_Folder', 'M/Val_Folder']);
    expect(maskNamesFor('covid_1.jpg')).toEqual(['covid_1.jpg', 'covid_1.png', 'mask_covid_1.jpg', 'mask_covid_1.png']);
    expect(['Train_Folder', 'Val_Folder', 'validation', 'Test_Folder', 'img'].map(roleOfFolder)).toEqual([
      'train',
      'validation',
      'validation',
      undefined,
      undefined,
    ]);
  });

  it('opens images with their masks as class Nucleus, reports images without a mask and masks without an image', async () => {
    const result = await openInputs([
      memoryFile('Set/img/a.png', rgb(3, 2)),
      memoryFile('Set/img/b.png', rgb(3, 2)),
      memoryFile('Set/labelcol/a.png', grey(3, 2, [0, 255, 255, 0, 0, 255])),
      memoryFile('Set/labelcol/z.png', grey(3, 2, [0, 0, 0, 0, 0, 0])),
    ]);
    expect(result.volumes.map((v) => [v.name, v.channels])).toEqual([
      ['a.png', 3],
      ['b.png', 3],
    ]);
    expect(result.classes).toEqual([{ value: 1, name: 'Nucleus' }]);
    expect(result.labels.map((l) => [l.volumeId, [...l.labels.voxels]])).toEqual([[result.volumes[0]!.id, [0, 1, 1, 0, 0, 1]]]);
    expect(result.problems.map((p) => p.message)).toEqual([
      'Set: 1 image opens unlabeled because labelcol/ has no mask of its name: b.png',
      'Set: labelcol/ holds 1 mask with no image of its name in img/: z.png',
    ]);
  });
});

describe.skipIf(!HAS_MONUSEG)('MoNuSeg from ../shared/datasets/monuseg (skipped: the dataset is not there)', () => {
  // Thirty 1000×1000 tiles take seconds to decode: the dataset root is opened once, as a user drops it.
  const files = HAS_MONUSEG ? nodeFolder(MONUSEG) : [];
  const progress: number[] = [];
  let result: OpenResult;
  beforeAll(async () => {
    result = await openInputs(files, (done) => progress.push(done));
  }, 120_000);
  const inFolder = (folder: string) => {
    const names = new Set(readdirSync(join(MONUSEG, folder, 'img')));
    return result.volumes.filter((v) => names.has(v.name));
  };

  it("opens without a word: each *_text.xlsx is its CSV's twin, and progress reaches every file", () => {
    expect(result.problems).toEqual([]);
    expect(result.volumes).toHaveLength(30);
    expect(progress.at(-1)).toBe(files.length);
  });

  it('opens Train_Folder: 24 H&E images with their masks as class Nucleus and their 24 sentences, matched by name', () => {
    const train = inFolder('Train_Folder');
    const images = readdirSync(join(TRAIN, 'img'))
      .filter((f) => f.endsWith('.png'))
      .sort();
    expect(images).toHaveLength(24);
    expect(train.map((v) => v.name)).toEqual(images);
    for (const v of train) expect(v).toMatchObject({ channels: 3, geometry: { dims: [1000, 1000, 1] } });
    expect(result.classes).toEqual([{ value: 1, name: 'Nucleus' }]);
    const labels = new Map(result.labels.map((l) => [l.volumeId, l]));
    expect(train.map((v) => labels.get(v.id)?.fileName)).toEqual(images);
    const first = readMaskImage(new Uint8Array(readFileSync(join(TRAIN, 'labelcol', images[0]!))), images[0]!);
    const firstLabels = labels.get(train[0]!.id)!.labels;
    expect(differences(firstLabels.voxels, first.values)).toBe(0);
    expect([...new Set(firstLabels.voxels)].sort()).toEqual([0, 1]);
    expect(firstLabels.slices[2][0]).toBe(SliceProvenance.Imported);
    const expected = sentences(join(TRAIN, 'Train_text.csv'));
    expect(expected.size).toBe(24);
    expect(Object.fromEntries(train.map((v) => [v.name, v.description]))).toEqual(Object.fromEntries(expected));
  });

  it("opens Val_Folder's 6 images with their sentences, set aside for validation", () => {
    const val = inFolder('Val_Folder');
    expect(val).toHaveLength(6);
    expect([...(result.validationVolumeIds ?? [])].sort()).toEqual(val.map((v) => v.id).sort());
    const valText = sentences(join(MONUSEG, 'Val_Folder', 'Val_text.csv'));
    for (const v of val) expect(v.description).toBe(valText.get(v.name));
  });

  it('reports a CSV row naming an image that is not there, naming the CSV and the image; the rest still opens', async () => {
    const names = readdirSync(join(TRAIN, 'img')).sort().slice(0, 2);
    const csv = `Image,Description\n${names[0]},First sentence.\nTCGA-NOT-THERE.png,Nothing to describe.\n${names[1]},"Second, quoted."\n`;
    const result = await openInputs([
      ...names.flatMap((n) => [nodeFile(join(TRAIN, 'img', n), MONUSEG), nodeFile(join(TRAIN, 'labelcol', n), MONUSEG)]),
      memoryFile('Train_Folder/my_text.csv', text(csv)),
    ]);
    expect(result.volumes.map((v) => [v.name, v.description])).toEqual([
      [names[0], 'First sentence.'],
      [names[1], 'Second, quoted.'],
    ]);
    expect(result.labels).toHaveLength(2);
    expect(result.problems).toEqual([
      { file: 'Train_Folder/my_text.csv', severity: 'warning', message: 'my_text.csv: describes 1 image that was not opened: TCGA-NOT-THERE.png' },
    ]);
  }, 30_000);
});
