import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeClass } from '../../../volume/classes.ts';
import { affineFromParts, geometryFromAffine, normalize, type Vec3 } from '../../../volume/geometry.ts';
import { createLabelMap, SliceProvenance, type LabelMap } from '../../../volume/labels.ts';
import type { Volume } from '../../../volume/Volume.ts';
import { readNifti, readNiftiLabelValues } from '../../nifti/readNifti.ts';
import type { NnunetSourceCase } from '../buildNnunetDataset.ts';
import { nnunetDatasetFiles, planNnunetDataset, type NnunetExportOptions } from '../buildNnunetDataset.ts';

export const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

/** Classes 1 and 3: a deleted class 2 leaves a gap nnU-Net does not allow, so the export must renumber. */
export const CLASSES = [makeClass(1, 'Anterior'), makeClass(3, 'Posterior')];

/** A small oblique MR-like volume whose voxel values encode their index, so a transposed write would show. */
export function syntheticVolume(name: string, dims: Vec3 = [12, 10, 8]): Volume {
  const dirs: [Vec3, Vec3, Vec3] = [normalize([1, 0.2, 0]), normalize([-0.2, 1, 0]), [0, 0, 1]];
  const ijkToLps = affineFromParts(dirs, [0.9, 1.1, 2.5], [-30, 12, 7.5]);
  const n = dims[0] * dims[1] * dims[2];
  return {
    id: name,
    name,
    geometry: geometryFromAffine(dims, ijkToLps),
    channels: 1,
    voxels: Int16Array.from({ length: n }, (_, m) => (m % 977) - 300),
    source: { format: 'dicom', fileNames: [], seriesInstanceUID: name, modality: 'MR' },
  };
}

/** Paints `value` over a box of one k-slice and marks that slice with `provenance`. */
export function paintK(labels: LabelMap, k: number, value: number, provenance: SliceProvenance): void {
  const [ni, nj] = labels.dims;
  for (let j = 1; j < nj - 1; j++) for (let i = 2; i < ni - 2; i++) labels.voxels[i + ni * (j + nj * k)] = value;
  labels.slices[2][k] = provenance;
}

export function sourceCase(volume: Volume, labels: LabelMap): NnunetSourceCase {
  return { volume, labels, committed: labels.voxels.slice() };
}

/**
 * The test workspace: a synthetic volume labeled on two k-slices and one j-slice, a hippocampus case whose own
 * labels are copied onto two k-slices (values 1, 2 → classes 1, 3) plus one accepted pseudo-label slice, and an
 * unlabeled volume that belongs in imagesTs.
 */
export function testWorkspace(): NnunetSourceCase[] {
  const synth = syntheticVolume('synthetic_mr');
  const synthLabels = createLabelMap(synth.geometry.dims);
  paintK(synthLabels, 2, 1, SliceProvenance.Painted);
  paintK(synthLabels, 5, 3, SliceProvenance.Painted);
  synthLabels.slices[1][4] = SliceProvenance.Painted; // a j-slice painted empty: background across every k
  const cases = [sourceCase(synth, synthLabels)];
  if (existsSync(HIPPO)) {
    const hippo = readNifti(new Uint8Array(readFileSync(join(HIPPO, 'imagesTr/hippocampus_001.nii.gz'))), 'hippocampus_001.nii.gz').volume;
    const truth = readNiftiLabelValues(new Uint8Array(readFileSync(join(HIPPO, 'labelsTr/hippocampus_001.nii.gz'))), 'hippocampus_001.nii.gz');
    const labels = createLabelMap(hippo.geometry.dims);
    const [ni, nj] = labels.dims;
    const per = ni * nj;
    for (const [k, provenance] of [
      [10, SliceProvenance.Painted],
      [20, SliceProvenance.Painted],
      [15, SliceProvenance.AcceptedPseudoLabel],
    ] as const) {
      for (let m = 0; m < per; m++) {
        const v = truth.values[k * per + m]!;
        labels.voxels[k * per + m] = v === 2 ? 3 : v;
      }
      labels.slices[2][k] = provenance;
    }
    cases.push(sourceCase(hippo, labels));
  }
  const unlabeled = syntheticVolume('not labeled yet');
  cases.push(sourceCase(unlabeled, createLabelMap(unlabeled.geometry.dims)));
  return cases;
}

/** Writes the export into `root` as the CLI does, and returns the dataset folder. */
export function writeDataset(root: string, cases: NnunetSourceCase[], options: NnunetExportOptions): string {
  rmSync(root, { recursive: true, force: true });
  const plan = planNnunetDataset(cases, options);
  for (const files of nnunetDatasetFiles(plan, options.includePseudoLabels)) {
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.bytes);
    }
  }
  return join(root, plan.folder);
}
