import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import jpegJs from 'jpeg-js';
import { transformPoint } from '../../volume/geometry.ts';
import { makeDicom, type DicomSliceFixture } from '../testing/dicomFixture.ts';
import { PYTHON, referenceTools } from '../testing/conformance.ts';
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

/** A test-only Part 10 file with encapsulated pixel data: makeDicom's data set, a new meta group, one fragment. */
function encapsulated(fixture: DicomSliceFixture, transferSyntax: string, stream: Uint8Array): Uint8Array {
  // makeDicom with two 8-bit pixel bytes ends in a 14-byte PixelData element (12-byte header, 2 bytes).
  const native = makeDicom({ ...fixture, pixels: new Uint8Array(2) });
  const metaLength = new DataView(native.buffer, native.byteOffset).getUint32(140, true);
  const dataSet = native.subarray(144 + metaLength, native.length - 14);
  const parts: number[] = [];
  const u16 = (v: number): void => void parts.push(v & 0xff, v >> 8);
  const u32 = (v: number): void => void parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  const ts = transferSyntax.length % 2 ? `${transferSyntax}\0` : transferSyntax;
  const metaBody: number[] = [];
  {
    const save = parts.splice(0);
    u16(0x0002), u16(0x0001), parts.push(0x4f, 0x42, 0, 0), u32(2), parts.push(0, 1);
    u16(0x0002), u16(0x0010), parts.push(0x55, 0x49), u16(ts.length), parts.push(...[...ts].map((c) => c.charCodeAt(0)));
    metaBody.push(...parts.splice(0), ...save);
  }
  u16(0x0002), u16(0x0000), parts.push(0x55, 0x4c), u16(4), u32(metaBody.length);
  const meta = [...parts.splice(0), ...metaBody];
  const padded = stream.length % 2 ? [...stream, 0] : [...stream];
  u16(0x7fe0), u16(0x0010), parts.push(0x4f, 0x42, 0, 0), u32(0xffffffff);
  u16(0xfffe), u16(0xe000), u32(0);
  u16(0xfffe), u16(0xe000), u32(padded.length), parts.push(...padded);
  u16(0xfffe), u16(0xe0dd), u32(0);
  return new Uint8Array([...new Uint8Array(128), 0x44, 0x49, 0x43, 0x4d, ...meta, ...dataSet, ...parts]);
}

/** Marker segments of a JPEG stream as [offset, marker] until the start of scan. */
function segments(jpeg: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 2; at + 4 <= jpeg.length; ) {
    const marker = jpeg[at + 1]!;
    out.push([at, marker]);
    if (marker === 0xda) break;
    at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
  }
  return out;
}

/**
 * A baseline JPEG whose three stored components are `stored`, marked as R, G, B: jpeg-js always converts to
 * YCbCr, so it is fed the colour whose YCbCr is `stored`, and its APP0 JFIF segment is swapped for an Adobe
 * APP14 segment with transform 0.
 */
function adobeRgbJpeg(width: number, height: number, stored: [number, number, number]): Uint8Array {
  const [y, cb, cr] = [stored[0], stored[1] - 128, stored[2] - 128];
  const rgb = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb].map(Math.round);
  const rgba = new Uint8Array(width * height * 4).map((_, n) => (n % 4 === 3 ? 255 : rgb[n % 4]!));
  const jfif = new Uint8Array(jpegJs.encode({ data: rgba, width, height }, 100).data);
  const [app0] = segments(jfif).filter(([, m]) => m === 0xe0);
  const app0Length = app0 ? 2 + ((jfif[app0[0] + 2]! << 8) | jfif[app0[0] + 3]!) : 0;
  const adobe = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  return new Uint8Array([0xff, 0xd8, ...adobe, ...jfif.subarray(2 + app0Length)]);
}

/** The same JPEG without any APP marker, its components named 'R', 'G', 'B' in the frame and scan headers. */
function namedRgbJpeg(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const adobe = adobeRgbJpeg(width, height, rgb);
  const out = new Uint8Array([0xff, 0xd8, ...adobe.subarray(2 + 16)]);
  for (const [at, marker] of segments(out)) {
    if (marker === 0xc0) for (let c = 0; c < 3; c++) out[at + 10 + 3 * c] = 0x52 - (c === 1 ? 0x0b : c === 2 ? 0x10 : 0);
    if (marker === 0xda) for (let c = 0; c < 3; c++) out[at + 5 + 2 * c] = 0x52 - (c === 1 ? 0x0b : c === 2 ? 0x10 : 0);
  }
  return out;
}

/** The same JPEG with no APP marker at all and the usual component ids 1, 2, 3, which alone say nothing of colour. */
function unmarkedRgbJpeg(width: number, height: number, stored: [number, number, number]): Uint8Array {
  const adobe = adobeRgbJpeg(width, height, stored);
  return new Uint8Array([0xff, 0xd8, ...adobe.subarray(2 + 16)]);
}

describe('RGB baseline JPEG without a colour transform', () => {
  // The stream stores these three numbers per pixel; read as YCbCr they would become about (137, 118, 88).
  const stored: [number, number, number] = [120, 110, 140];
  const fixture: DicomSliceFixture = { ...base, seriesUID: '1.2.3.50', rows: 8, columns: 8, samplesPerPixel: 3, pixels: new Uint8Array(2) };

  for (const [what, stream] of [
    ['an Adobe APP14 marker with transform 0', () => adobeRgbJpeg(8, 8, stored)],
    ["no JFIF or Adobe marker and components named 'R', 'G', 'B'", () => namedRgbJpeg(8, 8, stored)],
    // Only the DICOM header speaks here, and PhotometricInterpretation RGB means no transform was applied.
    ['no JFIF or Adobe marker and components numbered 1, 2, 3', () => unmarkedRgbJpeg(8, 8, stored)],
  ] as const) {
    it(`keeps the samples as RGB when the stream has ${what}`, async () => {
      const bytes = encapsulated(fixture, '1.2.840.10008.1.2.4.50', stream());
      const r = await open([['rgb-jpeg.dcm', bytes]]);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const v = r.volumes[0]!;
      expect(v.channels).toBe(3);
      const centre = 3 * (4 * 8 + 4);
      const got = [...v.voxels.slice(centre, centre + 3)];
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - stored[c]!)).toBeLessThanOrEqual(2);
    });
  }
});

/**
 * makeDicom's explicit little-endian file rewritten as explicit VR big endian: tags, lengths and binary values
 * swapped, text kept. PixelData is swapped in words of `pixelWordBytes` (4 for BitsAllocated 32).
 */
function toBigEndian(le: Uint8Array, pixelWordBytes: number): Uint8Array {
  const out = le.slice();
  const view = new DataView(out.buffer);
  const metaLength = view.getUint32(140, true);
  const ts = new TextDecoder().decode(out.subarray(132, 144 + metaLength)).indexOf('1.2.840.10008.1.2.1') + 132;
  out[ts + 18] = 0x32; // '…1.2.1' → '…1.2.2'
  const swap = (at: number, size: number): void => void out.subarray(at, at + size).reverse();
  for (let at = 144 + metaLength; at < out.length; ) {
    const [group, element] = [view.getUint16(at, true), view.getUint16(at + 2, true)];
    const vr = String.fromCharCode(out[at + 4]!, out[at + 5]!);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
    const length = long ? view.getUint32(at + 8, true) : view.getUint16(at + 6, true);
    swap(at, 2);
    swap(at + 2, 2);
    if (long) swap(at + 8, 4);
    else swap(at + 6, 2);
    const value = at + (long ? 12 : 8);
    const word = group === 0x7fe0 && element === 0x0010 ? pixelWordBytes : ({ US: 2, SS: 2, OW: 2, UL: 4, SL: 4, FL: 4, FD: 8 } as Record<string, number>)[vr];
    if (word) for (let w = value; w < value + length; w += word) swap(w, word);
    at = value + length;
  }
  return out;
}

describe('explicit VR big endian with 32-bit pixels', () => {
  it('byte-swaps each 32-bit value, keeping values beyond 16 bits', async () => {
    const values = new Uint32Array(12).map((_, n) => 70000 + 1000 * n);
    const le = makeDicom({
      ...base,
      seriesUID: '1.2.3.32',
      pixels: new Uint16Array(values.buffer),
      rawUs: { '0028,0100': 32, '0028,0101': 32, '0028,0102': 31 },
    });
    const bytes = toBigEndian(le, 4);
    const info = parseDicomFile(bytes, 'big32.dcm');
    expect(info.transferSyntax).toBe('1.2.840.10008.1.2.2');
    expect(info.bitsAllocated).toBe(32);
    const r = await open([['big32.dcm', bytes]]);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect([...r.volumes[0]!.voxels]).toEqual([...values]);
  });

  it('still reads 16-bit big-endian values written the same way', async () => {
    const values = new Int16Array(12).map((_, n) => -1000 + 300 * n);
    const bytes = toBigEndian(makeDicom({ ...base, seriesUID: '1.2.3.16', pixels: values }), 2);
    const r = await open([['big16.dcm', bytes]]);
    expect([...r.volumes[0]!.voxels]).toEqual([...values]);
  });
});

describe('Siemens mosaic', () => {
  it('is refused with a sentence naming dcm2niix, whether ImageType or the private count says mosaic', () => {
    const pixels = new Int16Array(12);
    const byType = makeDicom({ ...base, seriesUID: '1.2.3.60', pixels, raw: { '0008,0008': ['CS', 'ORIGINAL\\PRIMARY\\M\\ND\\MOSAIC'] } });
    expect(() => parseDicomFile(byType, 'mosaic.dcm')).toThrow(
      /^mosaic\.dcm: is a Siemens mosaic \(slices tiled into one image\).*convert its series to NIfTI with dcm2niix/,
    );
    const byCount = makeDicom({ ...base, seriesUID: '1.2.3.61', pixels, rawUs: { '0019,100a': 36 } });
    expect(() => parseDicomFile(byCount, 'count.dcm')).toThrow(/^count\.dcm: is a Siemens mosaic \(36 slices tiled into one image\).*dcm2niix/);
  });
});

describe('RT dose grids', () => {
  const dose = (offsets: string, extra: Partial<DicomSliceFixture> = {}): Uint8Array =>
    makeDicom({
      ...base,
      seriesUID: '1.2.3.70',
      orientation: [1, 0, 0, 0, 1, 0],
      position: [10, 20, -30],
      frames: 3,
      pixels: new Uint16Array(36).map((_, n) => Math.floor(n / 12) * 100),
      raw: { '0008,0060': ['CS', 'RTDOSE'], '3004,000c': ['DS', offsets], '3004,000e': ['DS', '0.001'] },
      ...extra,
    });

  it('places frames at GridFrameOffsetVector, relative offsets, not 1 mm apart', async () => {
    const r = await open([['dose.dcm', dose('0\\2.5\\7.5')]]);
    const v = r.volumes[0]!;
    expect(v.geometry.dims).toEqual([4, 3, 3]);
    expect(transformPoint(v.geometry.ijkToLps, [0, 0, 0])).toEqual([10, 20, -30]);
    // Uneven offsets (2.5 then 5 mm) are named, and the last frame still lands at its own offset.
    expect(transformPoint(v.geometry.ijkToLps, [0, 0, 2])).toEqual([10, 20, -22.5]);
    expect(r.problems.map((p) => p.message).join('\n')).not.toMatch(/no per-frame positions/);
    // DoseGridScaling turns the stored integers into Gy.
    expect([0, 1, 2].map((k) => v.voxels[12 * k])).toEqual([0, 0.1, 0.2].map((x) => Math.fround(x)));
  });

  it('reads absolute offsets (z of each frame, the first equal to the position) the same way', async () => {
    const v = (await open([['dose.dcm', dose('-30\\-27\\-24')]])).volumes[0]!;
    expect(transformPoint(v.geometry.ijkToLps, [0, 0, 2])).toEqual([10, 20, -24]);
    expect(v.geometry.spacing[2]).toBeCloseTo(3, 6);
  });

  it('says so when the offsets are too few, and stacks the frames instead', async () => {
    const r = await open([['dose.dcm', dose('0\\2')]]);
    expect(r.volumes[0]!.geometry.dims[2]).toBe(3);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/GridFrameOffsetVector \(3004,000C\) holds 2 usable values for 3 frames; it was ignored/);
  });
});

/**
 * 16-bit RGB files written by pydicom (an independent writer), interleaved and planar, with values across the
 * whole 16-bit range; pydicom's pixel_array of each is printed as JSON beside its path.
 */
const WRITE_RGB16 = String.raw`
import sys, os, json, numpy as np, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out = sys.argv[1]
rng = np.random.default_rng(16)
result = {}
for planar in (0, 1):
    rgb = rng.integers(0, 65536, size=(5, 7, 3), dtype=np.uint16)
    rgb[0, 0] = [65535, 0, 40000]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset(); ds.file_meta = meta
    ds.is_little_endian = True; ds.is_implicit_VR = False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID; ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid(); ds.Modality = 'OT'
    ds.Rows, ds.Columns = rgb.shape[:2]
    ds.SamplesPerPixel = 3; ds.PhotometricInterpretation = 'RGB'; ds.PlanarConfiguration = planar
    ds.BitsAllocated = 16; ds.BitsStored = 16; ds.HighBit = 15; ds.PixelRepresentation = 0
    ds.PixelData = (rgb.transpose(2, 0, 1) if planar else rgb).tobytes()
    path = os.path.join(out, f'rgb16-planar{planar}.dcm')
    ds.save_as(path, write_like_original=False)
    result[path] = pydicom.dcmread(path).pixel_array.ravel().tolist()
print(json.dumps(result))
`;

describe('16-bit RGB', () => {
  it('keeps its 16-bit values in a fixture file (interleaved)', async () => {
    const pixels = new Uint16Array(3 * 12).map((_, n) => (n * 1879 + 300) % 65536);
    const r = await open([['rgb16.dcm', makeDicom({ ...base, seriesUID: '1.2.3.48', samplesPerPixel: 3, pixels })]]);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const v = r.volumes[0]!;
    expect(v.channels).toBe(3);
    expect(v.voxels).toBeInstanceOf(Uint16Array);
    expect([...v.voxels]).toEqual([...pixels]);
  });

  it.skipIf(!referenceTools().pydicom)('reads the values pydicom reads, interleaved and planar (skipped: needs python3-pydicom)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pseudolab-rgb16-'));
    const py = spawnSync(PYTHON, ['-c', WRITE_RGB16, dir], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const reference = JSON.parse(py.stdout) as Record<string, number[]>;
    expect(readdirSync(dir).length).toBe(2);
    for (const [path, values] of Object.entries(reference)) {
      const r = await open([[path, new Uint8Array(readFileSync(path))]]);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const v = r.volumes[0]!;
      expect(v.geometry.dims).toEqual([7, 5, 1]);
      expect(v.voxels).toBeInstanceOf(Uint16Array);
      expect(Math.max(...values)).toBe(65535);
      expect([...v.voxels]).toEqual(values);
    }
  });
});

/** Pillow's decode of each JPEG file: as RGB (libjpeg's own colour decision), and raw (no colour conversion). */
const READ_JPEG_PILLOW = String.raw`
import sys, json, numpy as np
from PIL import Image
out = {}
for path in sys.argv[1:]:
    rgb = np.asarray(Image.open(path).convert('RGB'))
    raw = None
    # libjpeg cannot hand out YCbCr from a stream it knows is RGB (Adobe transform 0): then there is no raw reading.
    if Image.open(path).info.get('adobe_transform') != 0:
        im = Image.open(path); im.draft('YCbCr', im.size)
        raw = np.asarray(im).ravel().tolist()
    out[path] = {'rgb': rgb.ravel().tolist(), 'raw': raw}
print(json.dumps(out))
`;

const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL, numpy']).status === 0;

describe.skipIf(!hasPillow)('baseline JPEG colour in DICOM against Pillow (skipped: needs python3-pil and numpy)', () => {
  // A 16×16 picture with every channel varying, stored without subsampling (jpeg-js writes 4:4:4).
  const [w, h] = [16, 16];
  const picture = new Uint8Array(w * h * 4).map((_, n) => {
    const [p, c] = [Math.floor(n / 4), n % 4];
    const [x, y] = [p % w, Math.floor(p / w)];
    return [20 + 13 * x, 40 + 11 * y, 200 - 6 * x - 5 * y, 255][c]!;
  });
  const jfif = new Uint8Array(jpegJs.encode({ data: picture, width: w, height: h }, 95).data);
  const [app0] = segments(jfif).filter(([, m]) => m === 0xe0);
  const body = jfif.subarray(2 + 2 + ((jfif[app0![0] + 2]! << 8) | jfif[app0![0] + 3]!));
  const adobe = (transform: number): Uint8Array =>
    new Uint8Array([0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, transform, ...body]);
  const unmarked = new Uint8Array([0xff, 0xd8, ...body]);
  // What each DICOM should read as: Pillow's RGB where the stream or header says YCbCr, its raw samples where
  // the DICOM header's RGB is all that speaks (libjpeg alone would convert those).
  const cases = [
    { what: 'a JFIF stream in an RGB file is converted from YCbCr', stream: jfif, photometric: 'RGB', expect: 'rgb' },
    { what: 'an Adobe transform-1 stream in an RGB file is converted from YCbCr', stream: adobe(1), photometric: 'RGB', expect: 'rgb' },
    { what: 'an Adobe transform-0 stream in an RGB file is kept', stream: adobe(0), photometric: 'RGB', expect: 'rgb' },
    { what: 'an unmarked stream in an RGB file is kept as stored', stream: unmarked, photometric: 'RGB', expect: 'raw' },
    { what: 'an unmarked stream in a YBR_FULL_422 file is converted from YCbCr', stream: unmarked, photometric: 'YBR_FULL_422', expect: 'rgb' },
  ] as const;
  let pillow: Record<string, { rgb: number[]; raw: number[] | null }>;
  const dir = mkdtempSync(join(tmpdir(), 'pseudolab-jpeg-colour-'));
  const paths = cases.map((_, n) => join(dir, `case${n}.jpg`));

  beforeAll(() => {
    cases.forEach((c, n) => writeFileSync(paths[n]!, c.stream));
    const py = spawnSync(PYTHON, ['-c', READ_JPEG_PILLOW, ...paths], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status !== 0) throw new Error(py.stderr);
    pillow = JSON.parse(py.stdout);
  });

  cases.forEach((c, n) => {
    it(c.what, async () => {
      const reference = pillow[paths[n]!]!;
      const expected = reference[c.expect]!;
      // The two readings of a stream differ by far more than decoder rounding, so the check can tell them apart.
      const raw = reference.raw;
      if (raw) expect(Math.max(...reference.rgb.map((v, k) => Math.abs(v - raw[k]!)))).toBeGreaterThan(20);
      const fixture: DicomSliceFixture = {
        ...base,
        seriesUID: `1.2.3.51.${n}`,
        rows: h,
        columns: w,
        samplesPerPixel: 3,
        photometric: c.photometric,
        pixels: new Uint8Array(2),
      };
      const r = await open([[`jpeg-colour-${n}.dcm`, encapsulated(fixture, '1.2.840.10008.1.2.4.50', c.stream)]]);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const got = [...r.volumes[0]!.voxels];
      expect(got.length).toBe(expected.length);
      expect(Math.max(...got.map((v, k) => Math.abs(v - expected[k]!)))).toBeLessThanOrEqual(2);
    });
  });
});
