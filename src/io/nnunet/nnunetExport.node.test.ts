import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClass } from '../../volume/classes.ts';
import { createLabelMap, SliceProvenance } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import { readNifti, readNiftiLabelValues } from '../nifti/readNifti.ts';
import { writeNiftiLabels } from '../nifti/writeNiftiLabels.ts';
import { caseNames, nnunetDatasetSteps, nnunetImageBytes, planNnunetDataset } from './buildNnunetDataset.ts';
import { groundTruthMask, hasGroundTruth } from './nnunetLabels.ts';
import { CLASSES, HIPPO, paintK, sourceCase, syntheticVolume, testWorkspace, writeDataset } from './testing/nnunetWorkspace.ts';

const PYTHON = '/usr/bin/python3';
const CHECKER = join(__dirname, 'testing', 'verify_nnunet_dataset.py');
const hasNibabel = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import nibabel']).status === 0;
const OUT = join(process.cwd(), 'node_modules', '.cache', 'nnunet-export-test');
const OPTIONS = { datasetId: 42, datasetName: 'Hippo Test', classes: CLASSES, includePseudoLabels: true };

/** nibabel's verdict on a dataset folder: exit status and the problems it printed. */
function verify(folder: string): { ok: boolean; lines: string[] } {
  const r = spawnSync(PYTHON, [CHECKER, folder], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`checker crashed: ${r.stderr}`);
  return { ok: r.status === 0, lines: r.stdout.trim().split('\n') };
}

function readLabels(folder: string, name: string): Uint8Array {
  return readNiftiLabelValues(new Uint8Array(readFileSync(join(folder, 'labelsTr', `${name}.nii.gz`))), name).values;
}

describe('nnU-Net export: labels and files', () => {
  it('renumbers classes to consecutive values with ignore the highest', () => {
    const plan = planNnunetDataset(testWorkspace(), OPTIONS);
    expect(plan.folder).toBe('Dataset042_HippoTest');
    expect(plan.datasetJson.labels).toEqual({ background: 0, Anterior: 1, Posterior: 2, ignore: 3 });
    // A NIfTI beside a DICOM MR names no one modality: nnU-Net's default z-score then applies.
    expect(plan.datasetJson.channel_names).toEqual({ 0: existsSync(HIPPO) ? 'image' : 'MR' });
    expect(planNnunetDataset(testWorkspace().slice(0, 1), OPTIONS).datasetJson.channel_names).toEqual({ 0: 'MR' });
    expect(plan.datasetJson.pseudolab.classValues).toEqual([0, 1, 3]);
    expect(plan.testCases.map((c) => c.name)).toEqual(['not_labeled_yet']);
  });

  it('marks every voxel outside a labeled slice of any axis ignore', () => {
    const folder = writeDataset(OUT, testWorkspace(), OPTIONS);
    const v = readLabels(folder, 'synthetic_mr');
    const [ni, nj] = [12, 10];
    const at = (i: number, j: number, k: number) => v[i + ni * (j + nj * k)];
    expect(at(5, 5, 2)).toBe(1); // painted class 1
    expect(at(5, 5, 5)).toBe(2); // painted class 3 → nnU-Net 2
    expect(at(0, 0, 2)).toBe(0); // unpainted voxel of a labeled slice: background
    expect(at(5, 5, 3)).toBe(3); // unlabeled slice: ignore
    expect(at(5, 4, 3)).toBe(0); // …except where the painted j-slice 4 crosses it
    expect(readdirSync(join(folder, 'imagesTs'))).toEqual(['not_labeled_yet_0000.nii.gz']);
  });

  it('keeps the image geometry and values exactly', () => {
    const folder = writeDataset(OUT, testWorkspace(), OPTIONS);
    const src = syntheticVolume('synthetic_mr');
    const back = readNifti(new Uint8Array(readFileSync(join(folder, 'imagesTr/synthetic_mr_0000.nii.gz'))), 'x').volume;
    expect(back.geometry.dims).toEqual(src.geometry.dims);
    back.geometry.ijkToLps.forEach((m, n) => expect(Math.abs(m - src.geometry.ijkToLps[n]!)).toBeLessThan(1e-4));
    expect(Array.from(back.voxels)).toEqual(Array.from(src.voxels));
  });

  it.skipIf(!existsSync(HIPPO))('drops accepted pseudo-labels when the switch is off (skipped: needs ../shared/datasets/hippocampus)', () => {
    const on = readLabels(writeDataset(OUT, testWorkspace(), OPTIONS), 'hippocampus_001');
    const off = readLabels(writeDataset(OUT, testWorkspace(), { ...OPTIONS, includePseudoLabels: false }), 'hippocampus_001');
    const hippo = testWorkspace()[1]!;
    const per = hippo.labels.dims[0] * hippo.labels.dims[1];
    const slice = (a: Uint8Array, k: number) => Array.from(a.subarray(k * per, (k + 1) * per));
    expect(slice(on, 15).every((x) => x === 3)).toBe(false);
    expect(slice(off, 15).every((x) => x === 3)).toBe(true);
    expect(slice(off, 10)).toEqual(slice(on, 10));
    expect(new Set(slice(on, 10))).toEqual(new Set([0, 1, 2]));
  });

  it('without pseudo-labels, an accepted slice still counts where a painted slice of another axis crosses it', () => {
    const labels = createLabelMap([4, 3, 2]);
    labels.slices[2][0] = SliceProvenance.AcceptedPseudoLabel;
    labels.slices[0][1] = SliceProvenance.Painted;
    labels.slices[1][2] = SliceProvenance.Imported;
    const at = (m: Uint8Array, i: number, j: number, k: number) => m[i + 4 * (j + 3 * k)];
    const off = groundTruthMask(labels, false);
    expect([at(off, 0, 0, 0), at(off, 1, 0, 0), at(off, 0, 2, 1), at(off, 0, 0, 1)]).toEqual([0, 1, 1, 0]);
    const on = groundTruthMask(labels, true);
    expect([at(on, 0, 0, 0), at(on, 3, 1, 0), at(on, 0, 0, 1)]).toEqual([1, 1, 0]);
    expect(hasGroundTruth(labels, false)).toBe(true);
    labels.slices[0][1] = SliceProvenance.Unlabeled;
    labels.slices[1][2] = SliceProvenance.Unlabeled;
    expect([hasGroundTruth(labels, true), hasGroundTruth(labels, false)]).toEqual([true, false]);
  });

  it('refuses a workspace with nothing labeled, and grey volumes beside RGB images', () => {
    const empty = syntheticVolume('empty');
    expect(() => planNnunetDataset([sourceCase(empty, createLabelMap(empty.geometry.dims))], OPTIONS)).toThrow(/label at least one slice/);
    const rgb: Volume = {
      ...syntheticVolume('photo', [4, 3, 1]),
      channels: 3,
      voxels: new Uint8Array(36),
      source: { format: 'image', fileName: 'photo.png', mimeType: 'image/png' },
    };
    const labels = createLabelMap(rgb.geometry.dims);
    labels.slices[2][0] = SliceProvenance.Painted;
    const grey = syntheticVolume('mr');
    expect(() => planNnunetDataset([sourceCase(rgb, labels), sourceCase(grey, createLabelMap(grey.geometry.dims))], OPTIONS)).toThrow(/same channels/);
  });

  it('compresses in pieces a page can yield between, progress adding up to every voxel byte', () => {
    const big = syntheticVolume('big', [256, 256, 40]); // 5.2 MB of int16: two pieces
    const labels = createLabelMap(big.geometry.dims);
    paintK(labels, 3, 1, SliceProvenance.Painted);
    const plan = planNnunetDataset([sourceCase(big, labels)], OPTIONS);
    const steps = [...nnunetDatasetSteps(plan, true)];
    const progress = steps.flatMap((st) => (st.kind === 'progress' ? [st.bytes] : []));
    expect(progress.length).toBe(2);
    expect(progress.reduce((a, b) => a + b, 0)).toBe(nnunetImageBytes(plan));
    expect(steps.flatMap((st) => (st.kind === 'file' ? [st.file.path] : []))).toEqual([
      'Dataset042_HippoTest/dataset.json',
      'Dataset042_HippoTest/imagesTr/big_0000.nii.gz',
      'Dataset042_HippoTest/labelsTr/big.nii.gz',
    ]);
    const image = steps.find((st) => st.kind === 'file' && st.file.path.endsWith('_0000.nii.gz'));
    const back = readNifti(image!.kind === 'file' ? image!.file.bytes : new Uint8Array(), 'big').volume.voxels;
    expect(back).toEqual(big.voxels);
  });

  it('names cases for nnU-Net', () => {
    expect(caseNames(['a b.nii.gz', 'a b.nii', 'ct 1.2/3.dcm', ''])).toEqual(['a_b', 'a_b_2', 'ct_1_2_3', 'case']);
  });
});

describe.skipIf(!hasNibabel)("nnU-Net export re-read by nibabel under nnU-Net's integrity rules (skipped: needs /usr/bin/python3 with nibabel)", () => {
  it(`passes for the synthetic${existsSync(HIPPO) ? ' + hippocampus' : ''} workspace`, () => {
    const folder = writeDataset(OUT, testWorkspace(), OPTIONS);
    expect(verify(folder)).toEqual({ ok: true, lines: [`ok ${existsSync(HIPPO) ? 2 : 1}`] });
  });

  it('passes for RGB 2D images as three channels, a grey one repeated', () => {
    const image = (name: string, channels: 1 | 3): Volume => ({
      ...syntheticVolume(name, [6, 5, 1]),
      channels,
      voxels: Uint8Array.from({ length: 30 * channels }, (_, n) => (n * 7) % 256),
      source: { format: 'image', fileName: `${name}.png`, mimeType: 'image/png' },
    });
    const cases = [image('tile_a', 3), image('tile_b', 1)].map((v) => {
      const l = createLabelMap(v.geometry.dims);
      paintK(l, 0, 1, SliceProvenance.Painted);
      return sourceCase(v, l);
    });
    const folder = writeDataset(OUT, cases, { ...OPTIONS, classes: [makeClass(1, 'Nucleus')] });
    expect(verify(folder)).toEqual({ ok: true, lines: ['ok 2'] });
    expect(readdirSync(join(folder, 'imagesTr')).sort()).toEqual([
      'tile_a_0000.nii.gz',
      'tile_a_0001.nii.gz',
      'tile_a_0002.nii.gz',
      'tile_b_0000.nii.gz',
      'tile_b_0001.nii.gz',
      'tile_b_0002.nii.gz',
    ]);
    const green = readNifti(new Uint8Array(readFileSync(join(folder, 'imagesTr/tile_a_0001.nii.gz'))), 'g').volume.voxels;
    expect(Array.from(green.subarray(0, 3))).toEqual([7, 28, 49]); // voxel n's G is interleaved byte 3n + 1
  });

  it('fails on broken exports, naming the rule', () => {
    const fresh = () => writeDataset(OUT, testWorkspace(), OPTIONS);
    let folder = fresh();
    rmSync(join(folder, 'imagesTr/synthetic_mr_0000.nii.gz'));
    expect(verify(folder).lines).toContain('imagesTr lacks synthetic_mr_0000.nii.gz');

    folder = fresh();
    const shifted = syntheticVolume('synthetic_mr');
    shifted.geometry.ijkToLps[3] += 2;
    writeFileSync(join(folder, 'labelsTr/synthetic_mr.nii.gz'), writeNiftiLabels(readLabels(folder, 'synthetic_mr'), shifted));
    expect(verify(folder).lines.some((l) => /^synthetic_mr channel 0: origin/.test(l))).toBe(true);

    folder = fresh();
    const stray = readLabels(folder, 'synthetic_mr').slice();
    stray[0] = 7;
    writeFileSync(join(folder, 'labelsTr/synthetic_mr.nii.gz'), writeNiftiLabels(stray, syntheticVolume('synthetic_mr')));
    expect(verify(folder).lines).toContain('synthetic_mr: label values [7] are not in dataset.json');

    folder = fresh();
    const json = JSON.parse(readFileSync(join(folder, 'dataset.json'), 'utf8'));
    writeFileSync(join(folder, 'dataset.json'), JSON.stringify({ ...json, numTraining: 5, labels: { background: 0, ignore: 1, Anterior: 2, Posterior: 3 } }));
    const lines = verify(folder).lines;
    expect(lines.some((l) => l.startsWith('numTraining is 5'))).toBe(true);
    expect(lines.some((l) => l.startsWith('ignore label 1 is not the highest'))).toBe(true);
  });
});
