import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SliceProvenance } from '../volume/labels.ts';
import { importLabelFile, openInputs } from './openInputs.ts';
import { configureNodeCodecs } from './testing/nodeCodecs.ts';
import { memoryFile, nodeFile } from './testing/nodeFiles.ts';

const DATA = join(process.cwd(), '..', 'shared', 'datasets');
const HIPPO = join(DATA, 'hippocampus');
const MONUSEG = join(DATA, 'monuseg', 'Train_Folder');
const DICOM = join(DATA, 'dicom');
const hasData = existsSync(HIPPO) && existsSync(MONUSEG) && existsSync(DICOM);

beforeAll(() => {
  configureNodeCodecs();
});

describe('bad input never throws; each file gets a message naming it', () => {
  it('reports unknown, empty, text and random-bytes files and opens the rest', async () => {
    const random = new Uint8Array(4096).map((_, n) => (n * 7919) % 251);
    const result = await openInputs([
      memoryFile('notes.txt', new TextEncoder().encode('hello')),
      memoryFile('empty.nii', new Uint8Array(0)),
      memoryFile('scan.dcm', random),
      memoryFile('folder/.DS_Store', new Uint8Array([0, 1, 2])),
    ]);
    expect(result.volumes).toEqual([]);
    const byFile = new Map(result.problems.map((p) => [p.file, p]));
    expect(byFile.get('notes.txt')?.message).toMatch(/not recognised/);
    expect(byFile.get('empty.nii')?.message).toMatch(/empty/);
    expect(byFile.get('scan.dcm')?.message).toMatch(/DICOM/);
    expect(byFile.has('folder/.DS_Store')).toBe(false);
    for (const p of result.problems) expect(p.severity).toBe('error');
  });
});

describe.skipIf(!hasData)('real datasets (needs ../shared/datasets)', () => {
  it('opens a truncated NIfTI as a named problem beside a good file', async () => {
    const good = new Uint8Array(readFileSync(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz')));
    const result = await openInputs([
      memoryFile('broken.nii.gz', good.subarray(0, good.length >> 1)),
      nodeFile(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz')),
    ]);
    expect(result.volumes.map((v) => v.name)).toEqual(['hippocampus_001.nii.gz']);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ file: 'broken.nii.gz', severity: 'error' });
    expect(result.problems[0]!.message).toMatch(/truncated/);
  });

  it('opens a Decathlon folder with labels (all slices imported), class names, and flags a label of the wrong size', async () => {
    const meta = JSON.parse(readFileSync(join(HIPPO, 'dataset.json'), 'utf8'));
    meta.training = [
      { image: './imagesTr/hippocampus_001.nii.gz', label: './labelsTr/hippocampus_001.nii.gz' },
      // Deliberately paired with another case's label: 34×52×35 against 35×51×35.
      { image: './imagesTr/hippocampus_004.nii.gz', label: './labelsTr/hippocampus_003.nii.gz' },
      { image: './imagesTr/hippocampus_999.nii.gz', label: './labelsTr/hippocampus_999.nii.gz' },
    ];
    const files = [
      memoryFile('Task04/dataset.json', new TextEncoder().encode(JSON.stringify(meta))),
      { ...nodeFile(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz')), path: 'Task04/imagesTr/hippocampus_001.nii.gz' },
      { ...nodeFile(join(HIPPO, 'labelsTr/hippocampus_001.nii.gz')), path: 'Task04/labelsTr/hippocampus_001.nii.gz' },
      { ...nodeFile(join(HIPPO, 'imagesTr/hippocampus_004.nii.gz')), path: 'Task04/imagesTr/hippocampus_004.nii.gz' },
      { ...nodeFile(join(HIPPO, 'labelsTr/hippocampus_003.nii.gz')), path: 'Task04/labelsTr/hippocampus_003.nii.gz' },
    ];
    const result = await openInputs(files);
    expect(result.classes).toEqual([{ value: 1, name: 'Anterior' }, { value: 2, name: 'Posterior' }]);
    expect(result.volumes.map((v) => v.name)).toEqual(['hippocampus_001.nii.gz', 'hippocampus_004.nii.gz']);
    expect(result.labels).toHaveLength(1);
    const l = result.labels[0]!;
    expect(l.volumeId).toBe(result.volumes[0]!.id);
    expect([...l.labels.slices[2]].every((p) => p === SliceProvenance.Imported)).toBe(true);
    const mismatch = result.problems.find((p) => p.file === 'Task04/labelsTr/hippocampus_003.nii.gz');
    expect(mismatch?.message).toMatch(/34×52×35 does not match its image hippocampus_004.nii.gz \(36×52×38\)/);
    expect(result.problems.find((p) => p.file === 'Task04/dataset.json')?.message).toMatch(/1 of them were not among/);
  });

  it('opens an RGB pathology PNG with its 0/255 mask from a labelcol folder as class 1', async () => {
    const name = readdirSync(join(MONUSEG, 'img')).find((f) => f.endsWith('.png'))!;
    const result = await openInputs([nodeFile(join(MONUSEG, 'img', name), MONUSEG), nodeFile(join(MONUSEG, 'labelcol', name), MONUSEG)]);
    expect(result.problems).toEqual([]);
    expect(result.volumes).toHaveLength(1);
    const v = result.volumes[0]!;
    expect(v.channels).toBe(3);
    expect(v.geometry.dims).toEqual([1000, 1000, 1]);
    expect(v.voxels).toBeInstanceOf(Uint8Array);
    expect(result.labels).toHaveLength(1);
    const values = new Set(result.labels[0]!.labels.voxels);
    expect([...values].sort()).toEqual([0, 1]);
  });

  it('opens two DICOM series dropped together as two volumes and says so', async () => {
    const files = ['hippocrop-series', 'mr-brain-t1post'].flatMap((s) =>
      readdirSync(join(DICOM, s)).slice(0, 6).map((f) => nodeFile(join(DICOM, s, f), DICOM)),
    );
    const result = await openInputs(files);
    expect(result.volumes).toHaveLength(2);
    expect(result.problems.some((p) => p.severity === 'warning' && /2 series/.test(p.message))).toBe(true);
  });

  it('imports a matching label file and refuses a mismatched one, naming both sizes', async () => {
    const result = await openInputs([nodeFile(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz'))]);
    const v = result.volumes[0]!;
    const ok = await importLabelFile(nodeFile(join(HIPPO, 'labelsTr/hippocampus_001.nii.gz')), v);
    expect(ok.values.length).toBe(35 * 51 * 35);
    expect(ok.warnings).toEqual([]);
    await expect(importLabelFile(nodeFile(join(HIPPO, 'labelsTr/hippocampus_003.nii.gz')), v)).rejects.toThrow(
      'label size 34×52×35 does not match hippocampus_001.nii.gz (35×51×35); nothing was imported',
    );
    await expect(importLabelFile(memoryFile('x.txt', new Uint8Array([1, 2])), v)).rejects.toThrow(/not a label file/);
  });
});
