import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SliceProvenance } from '../../volume/labels.ts';
import { readNiftiLabelValues } from '../nifti/readNifti.ts';
import { openInputs } from '../openInputs.ts';
import { bytesOf, makeNifti } from '../testing/niftiFixture.ts';
import { memoryFile, nodeFile } from '../testing/nodeFiles.ts';
import { differences } from '../testing/sameValues.ts';
import type { InputFile } from '../types.ts';
import { parseMsdDataset } from './msdDataset.ts';

const DATA = join(process.cwd(), '..', 'shared', 'datasets');
const HIPPO = join(DATA, 'hippocampus');

const json = (path: string, value: unknown): InputFile => memoryFile(path, new TextEncoder().encode(JSON.stringify(value)));
const hippo = (rel: string): InputFile => nodeFile(join(HIPPO, rel), DATA);

describe('dataset.json', () => {
  it('reads MSD classes (without background), modalities and case lists', () => {
    const ds = parseMsdDataset(
      JSON.stringify({
        name: 'BrainTumour',
        modality: { '1': 'T1w', '0': 'FLAIR' },
        labels: { '0': 'background', '2': 'non-enhancing tumour', '1': 'edema' },
        training: [{ image: './imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz' }],
        test: ['./imagesTs/b.nii.gz'],
      }),
      'Task01/dataset.json',
    );
    expect(ds).toEqual({
      name: 'BrainTumour',
      root: 'Task01',
      classes: [
        { value: 1, name: 'edema' },
        { value: 2, name: 'non-enhancing tumour' },
      ],
      modalities: ['FLAIR', 'T1w'],
      cases: [{ image: './imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz' }],
      tests: ['./imagesTs/b.nii.gz'],
    });
  });

  it("reads nnU-Net v2's name → value labels and channel names", () => {
    const ds = parseMsdDataset(JSON.stringify({ labels: { background: 0, liver: 1, tumour: 2 }, channel_names: { '0': 'CT' } }), 'dataset.json');
    expect(ds.classes).toEqual([
      { value: 1, name: 'liver' },
      { value: 2, name: 'tumour' },
    ]);
    expect(ds.modalities).toEqual(['CT']);
    expect(ds.root).toBe('');
  });

  it('says so when the text is not JSON', () => {
    expect(() => parseMsdDataset('{ nope', 'dataset.json')).toThrow(/^dataset\.json: is not valid JSON/);
  });
});

describe.skipIf(!existsSync(HIPPO))('the hippocampus Decathlon folder (skipped: needs ../shared/datasets/hippocampus)', () => {
  it('opens a handful of cases with their labels, every slice marked imported, and the class names', async () => {
    const cases = ['hippocampus_001.nii.gz', 'hippocampus_003.nii.gz', 'hippocampus_004.nii.gz'];
    const files = [hippo('dataset.json'), ...cases.flatMap((c) => [hippo(`imagesTr/${c}`), hippo(`labelsTr/${c}`)])];
    const progress: number[] = [];
    const result = await openInputs(files, (done) => progress.push(done));
    expect(result.classes).toEqual([
      { value: 1, name: 'Anterior' },
      { value: 2, name: 'Posterior' },
    ]);
    expect(result.volumes.map((v) => v.name)).toEqual(cases);
    expect(result.volumes.map((v) => v.voxels.constructor.name)).toEqual(['Uint8Array', 'Float32Array', 'Float32Array']);
    expect(result.labels.map((l) => l.volumeId)).toEqual(result.volumes.map((v) => v.id));
    for (const [n, l] of result.labels.entries()) {
      const expected = readNiftiLabelValues(new Uint8Array(readFileSync(join(HIPPO, 'labelsTr', cases[n]!))), cases[n]!);
      expect(l.fileName).toBe(cases[n]);
      expect(l.labels.dims).toEqual(result.volumes[n]!.geometry.dims);
      expect(differences(l.labels.voxels, expected.values)).toBe(0);
      for (const axis of l.labels.slices) expect([...axis].every((p) => p === SliceProvenance.Imported)).toBe(true);
    }
    // Only the subset was opened: one warning says how many listed cases are not here.
    expect(result.problems).toEqual([
      {
        file: 'hippocampus/dataset.json',
        severity: 'warning',
        message: 'hippocampus/dataset.json: lists 220 training cases; 217 of their images were not among the opened files',
      },
    ]);
    expect(progress.at(-1)).toBe(files.length);
    expect(progress.every((d, n) => n === 0 || d >= progress[n - 1]!)).toBe(true);
  });

  it('reports a label whose size differs from its image, naming both sizes; the image opens unlabeled', async () => {
    const meta = JSON.parse(readFileSync(join(HIPPO, 'dataset.json'), 'utf8'));
    // Deliberately paired with another case's label: 34×52×35 against 36×52×38.
    meta.training = [{ image: './imagesTr/hippocampus_004.nii.gz', label: './labelsTr/hippocampus_003.nii.gz' }];
    const result = await openInputs([
      json('hippocampus/dataset.json', meta),
      hippo('imagesTr/hippocampus_004.nii.gz'),
      hippo('labelsTr/hippocampus_003.nii.gz'),
    ]);
    expect(result.volumes.map((v) => [v.name, v.geometry.dims])).toEqual([['hippocampus_004.nii.gz', [36, 52, 38]]]);
    expect(result.labels).toEqual([]);
    expect(result.problems).toEqual([
      {
        file: 'hippocampus/labelsTr/hippocampus_003.nii.gz',
        severity: 'error',
        message: 'hippocampus_003.nii.gz: label size 34×52×35 does not match hippocampus_004.nii.gz (36×52×38); the image opens unlabeled',
      },
    ]);
  });
});

describe('Decathlon and nnU-Net folders (fixtures)', () => {
  const gz = (dims: number[], values: number[]) =>
    gzipSync(makeNifti({ dims, datatype: 4, bitsPerVoxel: 16, data: bytesOf(new Int16Array(values)), qformCode: 1, sformCode: 1 }));
  const label = gz([3, 2, 2, 1], [0, 1, 1, 0]);

  it('opens the first channel of a multi-channel image, naming the channels', async () => {
    const files = [
      json('Task01/dataset.json', {
        modality: { '0': 'FLAIR', '1': 'T1w' },
        labels: { '0': 'background', '1': 'tumour' },
        training: [{ image: './imagesTr/brain_001.nii.gz', label: './labelsTr/brain_001.nii.gz' }],
      }),
      memoryFile('Task01/imagesTr/brain_001.nii.gz', gz([4, 2, 2, 1, 2], [1, 2, 3, 4, 50, 60, 70, 80])),
      memoryFile('Task01/labelsTr/brain_001.nii.gz', label),
    ];
    const result = await openInputs(files);
    expect(result.volumes).toHaveLength(1);
    expect([...result.volumes[0]!.voxels]).toEqual([1, 2, 3, 4]);
    expect([...result.labels[0]!.labels.voxels]).toEqual([0, 1, 1, 0]);
    expect(result.problems).toEqual([
      {
        file: 'Task01/imagesTr/brain_001.nii.gz',
        severity: 'warning',
        message: 'brain_001.nii.gz: holds 2 channels (FLAIR, T1w); only the first (FLAIR) is opened',
      },
    ]);
  });

  it('pairs nnU-Net cases by name when dataset.json lists none, skips extra channels and opens test images unlabeled', async () => {
    const files = [
      json('Dataset001/dataset.json', { channel_names: { '0': 'T2', '1': 'ADC' }, labels: { background: 0, prostate: 1 }, file_ending: '.nii.gz' }),
      memoryFile('Dataset001/imagesTr/case_0000.nii.gz', gz([3, 2, 2, 1], [5, 6, 7, 8])),
      memoryFile('Dataset001/imagesTr/case_0001.nii.gz', gz([3, 2, 2, 1], [9, 9, 9, 9])),
      memoryFile('Dataset001/labelsTr/case.nii.gz', label),
      memoryFile('Dataset001/imagesTs/unseen_0000.nii.gz', gz([3, 2, 2, 1], [1, 1, 1, 1])),
      memoryFile('Dataset001/splits_final.json', new TextEncoder().encode('[]')),
    ];
    const result = await openInputs(files);
    expect(result.classes).toEqual([{ value: 1, name: 'prostate' }]);
    expect(result.volumes.map((v) => [v.name, [...v.voxels]])).toEqual([
      ['case_0000.nii.gz', [5, 6, 7, 8]],
      ['unseen_0000.nii.gz', [1, 1, 1, 1]],
    ]);
    expect(result.labels.map((l) => [l.volumeId, l.fileName])).toEqual([[result.volumes[0]!.id, 'case.nii.gz']]);
    expect(result.problems).toEqual([]);
  });

  it('says how many images open unlabeled when their label files are missing', async () => {
    const files = [
      json('T/dataset.json', { labels: { '1': 'a' }, training: [{ image: './imagesTr/x.nii.gz', label: './labelsTr/x.nii.gz' }] }),
      memoryFile('T/imagesTr/x.nii.gz', gz([3, 2, 2, 1], [1, 2, 3, 4])),
    ];
    const result = await openInputs(files);
    expect(result.volumes).toHaveLength(1);
    expect(result.problems.map((p) => p.message)).toEqual([
      'T/dataset.json: 1 training image opens unlabeled because its label file was not among the opened files',
    ]);
  });

  it('still opens the images when dataset.json is broken, and names it', async () => {
    const files = [memoryFile('T/dataset.json', new TextEncoder().encode('{ broken')), memoryFile('T/imagesTr/x.nii.gz', gz([3, 2, 2, 1], [1, 2, 3, 4]))];
    const result = await openInputs(files);
    expect(result.volumes.map((v) => v.name)).toEqual(['x.nii.gz']);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ file: 'T/dataset.json', severity: 'error' });
    expect(result.problems[0]!.message).toMatch(/^dataset\.json: is not valid JSON/);
  });
});
