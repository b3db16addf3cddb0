import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, zipSync } from 'fflate';
import { encode as encodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineFromParts } from '../volume/geometry.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { importLabelFile, openInputs } from './openInputs.ts';
import { makeDicom } from './testing/dicomFixture.ts';
import { bytesOf, makeNifti } from './testing/niftiFixture.ts';
import { configureNodeCodecs } from './testing/nodeCodecs.ts';
import { memoryFile, nodeFile, nodeFolder } from './testing/nodeFiles.ts';
import type { InputFile } from './types.ts';

const DATA = join(process.cwd(), '..', 'shared', 'datasets');
const HIPPO = join(DATA, 'hippocampus');
const MONUSEG = join(DATA, 'monuseg', 'Train_Folder');
const DICOM = join(DATA, 'dicom');

beforeAll(() => {
  configureNodeCodecs();
});

const small = (values = [1, 2, 3, 4]) =>
  makeNifti({ dims: [3, 2, 2, 1], datatype: 4, bitsPerVoxel: 16, data: bytesOf(new Int16Array(values)), qformCode: 1, sformCode: 1 });
const text = (s: string) => new TextEncoder().encode(s);

describe('damaged and unknown files become problems that name the file; nothing throws', () => {
  it('reports each bad file in words and still opens the good one', async () => {
    const good = gzipSync(small());
    const plain = small();
    const random = new Uint8Array(4096).map((_, n) => (n * 7919) % 251);
    const pair = plain.slice(0, 348);
    pair.set(text('ni1\0'), 344);
    const result = await openInputs([
      memoryFile('scans/cut.nii.gz', good.subarray(0, good.length - 15)),
      memoryFile('scans/cut.nii', plain.subarray(0, plain.length - 2)),
      memoryFile('scans/scan.dcm', random),
      memoryFile('scans/notes.txt', text('not an image at all\n')),
      memoryFile('scans/empty.nii', new Uint8Array(0)),
      memoryFile('scans/archive.zip', zipSync({ 'a.txt': text('x') })),
      memoryFile('scans/brain.hdr', pair),
      memoryFile('scans/.DS_Store', new Uint8Array([0, 1, 2])),
      memoryFile('scans/._good.nii.gz', new Uint8Array([0, 1, 2])),
      memoryFile('scans/Thumbs.db', new Uint8Array([0, 1, 2])),
      memoryFile('scans/good.nii.gz', good),
    ]);
    expect(result.volumes.map((v) => v.name)).toEqual(['good.nii.gz']);
    const messages = Object.fromEntries(result.problems.map((p) => [p.file, p.message]));
    expect(messages).toEqual({
      'scans/cut.nii.gz': 'cut.nii.gz: file is truncated — its gzip stream ends early (an incomplete download or copy?)',
      'scans/cut.nii': 'cut.nii: file is truncated — its header promises 4 voxels of int16 (8 bytes), only 6 bytes are present',
      'scans/scan.dcm': expect.stringMatching(/^scan\.dcm: not a readable DICOM file/),
      'scans/notes.txt': expect.stringMatching(/^notes\.txt: its format is not recognised — open NIfTI \(\.nii, \.nii\.gz\), DICOM, PNG, JPEG or TIFF/),
      'scans/empty.nii': 'empty.nii: is empty (0 bytes); was the copy or download interrupted?',
      'scans/archive.zip': 'archive.zip: is a zip archive; unpack it and open the folder inside',
      'scans/brain.hdr': expect.stringMatching(/^brain\.hdr: is half of a NIfTI\/Analyze \.hdr\/\.img pair/),
    });
    for (const p of result.problems) expect(p.severity).toBe('error');
  });

  it('reports a file that cannot be read at all', async () => {
    const unreadable: InputFile = { path: 'x.nii', name: 'x.nii', size: 10, read: () => Promise.reject(new Error('permission denied')) };
    const result = await openInputs([unreadable]);
    expect(result.problems).toEqual([{ file: 'x.nii', severity: 'error', message: 'x.nii: cannot be read (permission denied)' }]);
  });

  it.skipIf(!existsSync(HIPPO))('reports a hippocampus case cut in half like an interrupted download (needs ../shared/datasets/hippocampus)', async () => {
    const bytes = new Uint8Array(readFileSync(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz')));
    const result = await openInputs([memoryFile('hippocampus_001.nii.gz', bytes.subarray(0, bytes.length >> 1))]);
    expect(result.volumes).toEqual([]);
    expect(result.problems).toEqual([
      {
        file: 'hippocampus_001.nii.gz',
        severity: 'error',
        message: 'hippocampus_001.nii.gz: file is truncated — its gzip stream ends early (an incomplete download or copy?)',
      },
    ]);
  });
});

describe('format comes from the bytes, the name only breaks ties', () => {
  it('opens a gzipped NIfTI, a NIfTI and a DICOM file whose names say nothing', async () => {
    const dicom = makeDicom({ seriesUID: '1.2.9', rows: 2, columns: 2, pixels: new Int16Array([1, 2, 3, 4]) });
    const png = encodePng({ width: 2, height: 1, data: new Uint8Array([0, 9]), depth: 8, channels: 1 });
    const result = await openInputs([
      memoryFile('a', gzipSync(small([1, 1, 1, 1]))),
      memoryFile('b.dat', small([2, 2, 2, 2])),
      memoryFile('IM0001', dicom),
      memoryFile('picture.nii', png),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.volumes.map((v) => [v.name, v.source.format, v.voxels[0]])).toEqual([
      ['a', 'nifti', 1],
      ['b.dat', 'nifti', 2],
      ['picture.nii', 'image', 0],
      ['MR series', 'dicom', 1],
    ]);
  });

  it('yields to the event loop between files and reports progress up to the total', async () => {
    const files = [1, 2, 3].map((n) => memoryFile(`v${n}.nii`, small([n, n, n, n])));
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    const seen: [number, number][] = [];
    let timerSeenDuringOpen = false;
    await openInputs(files, (done, total) => {
      seen.push([done, total]);
      if (done === 2 && timerRan) timerSeenDuringOpen = true;
    });
    expect(timerSeenDuringOpen).toBe(true);
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
      [3, 3],
    ]);
  });
});

describe('labels beside their images', () => {
  it('pairs a NIfTI label in labelsTr/ with its image even without dataset.json', async () => {
    const label = makeNifti({ dims: [3, 2, 2, 1], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array([0, 1, 2, 0]), qformCode: 1, sformCode: 1 });
    const result = await openInputs([memoryFile('T/imagesTr/c.nii', small()), memoryFile('T/labelsTr/c.nii', label)]);
    expect(result.volumes.map((v) => v.name)).toEqual(['c.nii']);
    expect(result.labels).toHaveLength(1);
    expect([...result.labels[0]!.labels.voxels]).toEqual([0, 1, 2, 0]);
    expect(result.labels[0]!.labels.slices[2][0]).toBe(SliceProvenance.Imported);
  });

  it.skipIf(!existsSync(MONUSEG))('opens an H&E tile with its 0/255 mask from labelcol/ as class 1 (needs ../shared/datasets/monuseg)', async () => {
    const name = readdirSync(join(MONUSEG, 'img')).find((f) => f.endsWith('.png'))!;
    const result = await openInputs([nodeFile(join(MONUSEG, 'img', name), MONUSEG), nodeFile(join(MONUSEG, 'labelcol', name), MONUSEG)]);
    expect(result.problems).toEqual([]);
    expect(result.volumes).toHaveLength(1);
    expect(result.volumes[0]!).toMatchObject({ name, channels: 3, geometry: { dims: [1000, 1000, 1] } });
    expect(result.labels).toHaveLength(1);
    expect(result.labels[0]!.volumeId).toBe(result.volumes[0]!.id);
    expect([...new Set(result.labels[0]!.labels.voxels)].sort()).toEqual([0, 1]);
  });
});

describe.skipIf(!existsSync(DICOM))('several DICOM series in one drop (skipped: needs ../shared/datasets/dicom)', () => {
  it('opens each series as its own volume and says how many there were', async () => {
    const files = nodeFolder(DICOM);
    expect(files.map((f) => f.path)).toContain('dicom/hippocrop-series/1.dcm');
    const result = await openInputs(files);
    expect(result.volumes.map((v) => [v.name, v.geometry.dims])).toEqual([
      ['HippoCrop', [35, 51, 32]],
      ['T1post', [512, 512, 22]],
    ]);
    expect(result.problems).toEqual([
      {
        file: 'dicom/hippocrop-series, dicom/mr-brain-t1post',
        severity: 'warning',
        message: '2 folders (hippocrop-series, mr-brain-t1post): holds 2 series; each opens as its own volume',
      },
    ]);
  });

  it('names the folder when both series sit in one', async () => {
    const files = ['hippocrop-series', 'mr-brain-t1post'].flatMap((s) =>
      readdirSync(join(DICOM, s))
        .slice(0, 4)
        .map((f) => ({ ...nodeFile(join(DICOM, s, f)), path: `study/${s}-${f}` })),
    );
    const result = await openInputs(files);
    expect(result.volumes).toHaveLength(2);
    expect(result.problems.filter((p) => /series; each opens/.test(p.message))).toEqual([
      { file: 'study', severity: 'warning', message: 'folder study: holds 2 series; each opens as its own volume' },
    ]);
  });
});

describe('importing a label file onto an open volume', () => {
  const volumeFrom = async (bytes: Uint8Array, name = 'image.nii') => (await openInputs([memoryFile(name, bytes)])).volumes[0]!;
  const labelNifti = (dims: number[], values: number[], srow?: [number[], number[], number[]]) =>
    makeNifti({ dims, datatype: 2, bitsPerVoxel: 8, data: new Uint8Array(values), qformCode: 1, sformCode: srow ? 1 : 0, srow });

  it('imports a matching NIfTI label map', async () => {
    const v = await volumeFrom(small());
    const r = await importLabelFile(memoryFile('labels.nii', labelNifti([3, 2, 2, 1], [0, 3, 0, 1])), v);
    expect(r).toEqual({ values: new Uint8Array([0, 3, 0, 1]), warnings: [] });
  });

  it('refuses a label of another size, naming the file and both sizes', async () => {
    const v = await volumeFrom(small());
    await expect(importLabelFile(memoryFile('wrong.nii', labelNifti([3, 2, 1, 1], [0, 1])), v)).rejects.toThrow(
      'wrong.nii: label size 2×1×1 does not match image.nii (2×2×1); nothing was imported',
    );
  });

  it('imports a label whose geometry differs beyond 0.001 mm, with a warning', async () => {
    const v = await volumeFrom(small());
    const shifted = labelNifti(
      [3, 2, 2, 1],
      [0, 1, 1, 0],
      [
        [1, 0, 0, 0.5],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
      ],
    );
    const r = await importLabelFile(memoryFile('shifted.nii', shifted), v);
    expect(r.values).toEqual(new Uint8Array([0, 1, 1, 0]));
    expect(r.warnings).toEqual(["shifted.nii: its voxel-to-world matrix differs from image.nii's by more than 0.001 mm; labels were placed voxel by voxel"]);
  });

  it('imports a PNG mask onto a 2D image and refuses one of another size or a non-label file', async () => {
    const image = encodePng({ width: 2, height: 2, data: new Uint8Array([10, 20, 30, 40]), depth: 8, channels: 1 });
    const v = await volumeFrom(image, 'slide.png');
    const mask = encodePng({ width: 2, height: 2, data: new Uint8Array([0, 255, 255, 0]), depth: 8, channels: 1 });
    expect((await importLabelFile(memoryFile('mask.png', mask), v)).values).toEqual(new Uint8Array([0, 1, 1, 0]));
    const wide = encodePng({ width: 3, height: 2, data: new Uint8Array(6), depth: 8, channels: 1 });
    await expect(importLabelFile(memoryFile('wide.png', wide), v)).rejects.toThrow(
      'wide.png: mask size 3×2 does not match slide.png (2×2×1); nothing was imported',
    );
    await expect(importLabelFile(memoryFile('notes.txt', text('hi')), v)).rejects.toThrow(/^notes\.txt: is not a label file/);
  });

  it('refuses a label file with values that are not classes', async () => {
    const v = await volumeFrom(small());
    const image = makeNifti({ dims: [3, 2, 2, 1], datatype: 16, bitsPerVoxel: 32, data: bytesOf(new Float32Array([0, 0.25, 1, 2])) });
    await expect(importLabelFile(memoryFile('t1.nii', image), v)).rejects.toThrow(
      /^t1\.nii: label values must be whole numbers from 0 to 255, but it holds 0\.25/,
    );
  });

  it.skipIf(!existsSync(HIPPO))('imports the hippocampus label onto its image and refuses another case (needs ../shared/datasets/hippocampus)', async () => {
    const v = (await openInputs([nodeFile(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz'))])).volumes[0]!;
    const ok = await importLabelFile(nodeFile(join(HIPPO, 'labelsTr/hippocampus_001.nii.gz')), v);
    expect(ok.values.length).toBe(35 * 51 * 35);
    expect(ok.warnings).toEqual([]);
    await expect(importLabelFile(nodeFile(join(HIPPO, 'labelsTr/hippocampus_003.nii.gz')), v)).rejects.toThrow(
      'hippocampus_003.nii.gz: label size 34×52×35 does not match hippocampus_001.nii.gz (35×51×35); nothing was imported',
    );
  });
});

describe('Node file adapters', () => {
  it.skipIf(!existsSync(HIPPO))('walk a folder recursively with paths led by its name (needs ../shared/datasets/hippocampus)', async () => {
    const files = nodeFolder(HIPPO);
    expect(files.length).toBeGreaterThan(440);
    const json = files.find((f) => f.path === 'hippocampus/dataset.json')!;
    expect(json).toMatchObject({ name: 'dataset.json' });
    expect(json.size).toBe(readFileSync(join(HIPPO, 'dataset.json')).length);
    expect(new TextDecoder().decode(await json.read())).toContain('Anterior');
    expect(files.some((f) => f.path === 'hippocampus/labelsTr/hippocampus_001.nii.gz')).toBe(true);
  });

  it('keep a synthetic affine when the volume comes back from the file (sanity of the fixture writer)', async () => {
    const srow: [number[], number[], number[]] = [
      [0, 0, 2, 1],
      [0, 3, 0, 2],
      [1, 0, 0, 3],
    ];
    const bytes = makeNifti({ dims: [3, 2, 2, 2], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array(8), sformCode: 1, srow });
    const v = (await openInputs([memoryFile('s.nii', bytes)])).volumes[0]!;
    const expected = affineFromParts(
      [
        [0, 0, 1],
        [0, -1, 0],
        [-1, 0, 0],
      ],
      [1, 3, 2],
      [-1, -2, 3],
    );
    v.geometry.ijkToLps.forEach((x, n) => expect(x).toBeCloseTo(expected[n]!, 6));
  });
});
