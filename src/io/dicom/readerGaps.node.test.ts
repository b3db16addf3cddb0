import { beforeAll, describe, expect, it } from 'vitest';
import { transformPoint } from '../../volume/geometry.ts';
import { makeDicom, type DicomSliceFixture } from '../testing/dicomFixture.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { openDicomSeries } from './openDicomSeries.ts';
import { parseDicomFile } from './parseDicomFile.ts';

beforeAll(() => {
  configureNodeCodecs();
});

const base: Omit<DicomSliceFixture, 'pixels'> = { seriesUID: '1.2.3.9', rows: 3, columns: 4, pixelSpacing: [1, 1], seriesDescription: 'Localizer' };

async function open(files: [string, Uint8Array][]) {
  return openDicomSeries(files.map(([name, bytes]) => parseDicomFile(bytes, name)));
}

describe('mixed-orientation series (three-plane localizer)', () => {
  const AXIAL = [1, 0, 0, 0, 1, 0];
  const CORONAL = [1, 0, 0, 0, 0, -1];
  const SAGITTAL = [0, 1, 0, 0, 0, -1];
  const plane = (orientation: number[], k: number, value: number, at: (k: number) => number[]): Uint8Array =>
    makeDicom({ ...base, orientation, position: at(k), instanceNumber: k + 1, pixels: new Int16Array(12).fill(value) });

  it('opens every orientation as its own volume, named by its part, instead of only the majority', async () => {
    const files: [string, Uint8Array][] = [
      ...[0, 1, 2].map((k): [string, Uint8Array] => [`loc/ax${k}.dcm`, plane(AXIAL, k, 10, (k) => [0, 0, 5 * k])]),
      ...[0, 1].map((k): [string, Uint8Array] => [`loc/co${k}.dcm`, plane(CORONAL, k, 20, (k) => [0, 4 * k, 0])]),
      ...[0, 1].map((k): [string, Uint8Array] => [`loc/sa${k}.dcm`, plane(SAGITTAL, k, 30, (k) => [-3 * k, 0, 0])]),
    ];
    const r = await open(files);
    expect(r.volumes.map((v) => v.name)).toEqual(['Localizer (orientation 1 of 3)', 'Localizer (orientation 2 of 3)', 'Localizer (orientation 3 of 3)']);
    expect(r.volumes.map((v) => v.geometry.dims[2])).toEqual([3, 2, 2]);
    expect(r.volumes.map((v) => v.voxels[0])).toEqual([10, 20, 30]);
    // Each plane keeps its own geometry: the coronal stack steps along y, the sagittal along −x (its normal, row × column).
    expect(transformPoint(r.volumes[1]!.geometry.ijkToLps, [0, 0, 1])).toEqual([0, 4, 0]);
    expect(transformPoint(r.volumes[2]!.geometry.ijkToLps, [0, 0, 1])).toEqual([-3, 0, 0]);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.problems.map((p) => p.message)).toContainEqual(
      'Localizer: its slices lie in 3 different orientations (a localizer?); each orientation opens as its own volume (1: 3 slices, 2: 2 slices, 3: 2 slices)',
    );
  });

  it('keeps a single-orientation series as one volume with its plain name', async () => {
    const r = await open([0, 1].map((k): [string, Uint8Array] => [`s${k}.dcm`, plane(AXIAL, k, 1, (k) => [0, 0, k])]));
    expect(r.volumes.map((v) => v.name)).toEqual(['Localizer']);
    expect(r.problems).toEqual([]);
  });
});
