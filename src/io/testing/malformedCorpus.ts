import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import dicomParser from 'dicom-parser';
import { gunzipSync, gzipSync } from 'fflate';
import { crc32 } from '../gzip.ts';
import { isRawLibraryText } from '../problems.ts';
import type { OpenResult } from '../types.ts';

/**
 * A malformed-input corpus made from the shared data at run time (never committed): truncations, bit flips and
 * hostile values in every header field, lying sizes, absurd dimensions. Each case is a folder of files plus a
 * case.json saying what a correct answer is; each is opened through openInputs in a child process with a time
 * and memory cap, and ends in one of: ok, named error, wrong (opened as wrong data), hang, crash, raw message.
 */

/** What may come out of a case: the reference volume, any sane volume, or (for both) a named error. */
export type Expectation = 'same' | 'sane';

export interface CaseMeta {
  id: string;
  group: string;
  expect: Expectation;
  /** Dims and CRC-32 of the voxels the pristine file opens to, for `same`. */
  reference?: { dims: number[]; crc: number };
}

export type Outcome = 'ok' | 'named-error' | 'wrong' | 'hang' | 'crash' | 'raw-message';

/** What the child reports about one opened case. */
export interface CaseReport {
  volumes: { name: string; dims: number[]; channels: number; voxelCount: number; finiteGeometry: boolean; finiteVoxels: boolean; crc: number }[];
  problems: { message: string; severity: string }[];
  /** Files in the case, to check that every message names one of them (or a series made of them). */
  names: string[];
}

export function summarize(result: OpenResult, names: string[]): CaseReport {
  return {
    volumes: result.volumes.map((v) => {
      const g = v.geometry;
      let finiteVoxels = true;
      for (let n = 0; n < v.voxels.length; n++) {
        if (!Number.isFinite(v.voxels[n] as number)) {
          finiteVoxels = false;
          break;
        }
      }
      const bytes = new Uint8Array(v.voxels.buffer, v.voxels.byteOffset, v.voxels.byteLength);
      return {
        name: v.name,
        dims: [...g.dims],
        channels: v.channels,
        voxelCount: v.voxels.length,
        finiteGeometry: g.ijkToLps.every(Number.isFinite) && g.spacing.every((s) => Number.isFinite(s) && s > 0),
        finiteVoxels,
        crc: crc32(bytes),
      };
    }),
    problems: result.problems.map((p) => ({ message: p.message, severity: p.severity })),
    names,
  };
}

/** The verdict on one case from the child's report (null when the child timed out or died). */
export function classify(meta: CaseMeta, report: CaseReport | null, timedOut: boolean): { outcome: Outcome; why: string } {
  if (timedOut) return { outcome: 'hang', why: 'no answer within the time cap' };
  if (!report) return { outcome: 'crash', why: 'the child process died without a report (out of memory or an uncaught error)' };
  const subjects = new Set([...report.names, ...report.volumes.map((v) => v.name)]);
  for (const p of report.problems) {
    if (isRawLibraryText(p.message)) return { outcome: 'raw-message', why: p.message };
    const named = [...subjects].some((s) => p.message.startsWith(`${s}:`)) || /^(MR|CT|[A-Z]{2}) series|^folder |^\d+ folders|^the opened files/.test(p.message) || report.names.some((n) => p.message.includes(n));
    if (!named) return { outcome: 'raw-message', why: `names no file: ${p.message}` };
  }
  if (report.volumes.length === 0) {
    return report.problems.some((p) => p.severity === 'error') ? { outcome: 'named-error', why: report.problems[0]!.message } : { outcome: 'wrong', why: 'nothing opened and nothing said' };
  }
  for (const v of report.volumes) {
    const expected = v.dims.reduce((a, b) => a * b, 1) * v.channels;
    if (v.voxelCount !== expected || v.voxelCount === 0) return { outcome: 'wrong', why: `${v.name}: ${v.voxelCount} voxels for dims ${v.dims.join('×')}` };
    if (!v.finiteGeometry) return { outcome: 'wrong', why: `${v.name}: non-finite or zero geometry` };
    if (!v.finiteVoxels) return { outcome: 'wrong', why: `${v.name}: non-finite voxel values` };
  }
  if (meta.expect === 'same' && meta.reference) {
    const v = report.volumes[0]!;
    if (v.crc !== meta.reference.crc || v.dims.join() !== meta.reference.dims.join()) {
      return { outcome: 'wrong', why: `opened, but its voxels differ from the pristine file's (${v.dims.join('×')})` };
    }
  }
  return { outcome: 'ok', why: report.volumes.map((v) => `${v.name} ${v.dims.join('×')}`).join(', ') };
}

// ---------------------------------------------------------------------------------------------------------------
// Generation

type Field = { name: string; offset: number; type: 'i16' | 'i32' | 'f32' | 'u8' | 'bytes'; count?: number; keepsVoxels?: boolean };

/** NIfTI-1 header fields (nifti1.h offsets); `keepsVoxels`: a change cannot alter the voxel values or grid. */
const NIFTI1_FIELDS: Field[] = [
  { name: 'sizeof_hdr', offset: 0, type: 'i32' },
  { name: 'dim_info', offset: 39, type: 'u8', keepsVoxels: true },
  ...Array.from({ length: 8 }, (_, n): Field => ({ name: `dim[${n}]`, offset: 40 + 2 * n, type: 'i16' })),
  { name: 'intent_p1', offset: 56, type: 'f32', keepsVoxels: true },
  { name: 'intent_code', offset: 68, type: 'i16', keepsVoxels: true },
  { name: 'datatype', offset: 70, type: 'i16' },
  { name: 'bitpix', offset: 72, type: 'i16' },
  { name: 'slice_start', offset: 74, type: 'i16', keepsVoxels: true },
  ...Array.from({ length: 8 }, (_, n): Field => ({ name: `pixdim[${n}]`, offset: 76 + 4 * n, type: 'f32', keepsVoxels: n >= 4 })),
  { name: 'vox_offset', offset: 108, type: 'f32' },
  { name: 'scl_slope', offset: 112, type: 'f32' },
  { name: 'scl_inter', offset: 116, type: 'f32' },
  { name: 'slice_end', offset: 120, type: 'i16', keepsVoxels: true },
  { name: 'slice_code', offset: 122, type: 'u8', keepsVoxels: true },
  { name: 'xyzt_units', offset: 123, type: 'u8', keepsVoxels: true },
  { name: 'cal_max', offset: 124, type: 'f32', keepsVoxels: true },
  { name: 'toffset', offset: 132, type: 'f32', keepsVoxels: true },
  { name: 'descrip', offset: 148, type: 'bytes', count: 80, keepsVoxels: true },
  { name: 'qform_code', offset: 252, type: 'i16', keepsVoxels: true },
  { name: 'sform_code', offset: 254, type: 'i16', keepsVoxels: true },
  { name: 'quatern_b', offset: 256, type: 'f32', keepsVoxels: true },
  { name: 'quatern_c', offset: 260, type: 'f32', keepsVoxels: true },
  { name: 'quatern_d', offset: 264, type: 'f32', keepsVoxels: true },
  { name: 'qoffset_x', offset: 268, type: 'f32', keepsVoxels: true },
  ...Array.from({ length: 12 }, (_, n): Field => ({ name: `srow_${'xyz'[Math.floor(n / 4)]}[${n % 4}]`, offset: 280 + 4 * n, type: 'f32', keepsVoxels: true })),
  { name: 'magic', offset: 344, type: 'bytes', count: 4 },
];

function withField(header: Uint8Array, f: Field, value: number): Uint8Array {
  const out = header.slice();
  const v = new DataView(out.buffer);
  if (f.type === 'i16') v.setInt16(f.offset, value, true);
  else if (f.type === 'i32') v.setInt32(f.offset, value, true);
  else if (f.type === 'f32') v.setFloat32(f.offset, value, true);
  else if (f.type === 'u8') v.setUint8(f.offset, value & 0xff);
  else out.fill(value & 0xff, f.offset, f.offset + (f.count ?? 1));
  return out;
}

/** The hostile values each field gets: zero, negative, NaN/Inf for floats, the type's maximum, and one bit flip. */
function hostileValues(f: Field, current: number): [string, number][] {
  const out: [string, number][] = [['zero', 0], ['minus1', -1]];
  if (f.type === 'f32') out.push(['nan', NaN], ['inf', Infinity], ['huge', 3.4e38], ['tiny', 1e-30]);
  if (f.type === 'i16') out.push(['max', 32767], ['min', -32768]);
  if (f.type === 'i32') out.push(['max', 2147483647]);
  if (f.type === 'u8' || f.type === 'bytes') out.push(['ff', 0xff]);
  if (f.type === 'i16' || f.type === 'i32') out.push(['flip', current ^ 0x40]);
  if (f.type === 'f32') out.push(['x1000', current * 1000]);
  return out;
}

function readField(header: Uint8Array, f: Field): number {
  const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (f.type === 'i16') return v.getInt16(f.offset, true);
  if (f.type === 'i32') return v.getInt32(f.offset, true);
  if (f.type === 'f32') return v.getFloat32(f.offset, true);
  return header[f.offset]!;
}

/** A deterministic stream of positions for bit flips, so two runs make the same corpus. */
function* positions(seed: number, below: number): Generator<number> {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield s % below;
  }
}

export interface CorpusSources {
  nifti: string; // a .nii.gz image
  label: string; // its .nii.gz label
  dicomSeries: string; // a folder of DICOM slices
  png: string; // an RGB PNG
  mask: string; // its mask PNG
}

export function defaultSources(datasets: string): CorpusSources {
  const first = (dir: string): string => join(dir, readdirSync(dir).sort()[0]!);
  return {
    nifti: join(datasets, 'hippocampus', 'imagesTr', 'hippocampus_001.nii.gz'),
    label: join(datasets, 'hippocampus', 'labelsTr', 'hippocampus_001.nii.gz'),
    dicomSeries: join(datasets, 'dicom', 'hippocrop-series'),
    png: first(join(datasets, 'monuseg', 'Train_Folder', 'img')),
    mask: first(join(datasets, 'monuseg', 'Train_Folder', 'labelcol')),
  };
}

export function sourcesPresent(s: CorpusSources): boolean {
  return [s.nifti, s.label, s.dicomSeries, s.png, s.mask].every((p) => existsSync(p));
}

/**
 * Writes the corpus under `out` (emptied first). `reference` opens pristine bytes and returns their report, so
 * cases whose answer must equal the pristine file can say what that is. Returns the cases in a stable order.
 */
export async function makeMalformedCorpus(
  out: string,
  sources: CorpusSources,
  reference: (files: Record<string, Uint8Array>) => Promise<CaseReport>,
): Promise<CaseMeta[]> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const cases: CaseMeta[] = [];
  const add = (id: string, group: string, expect: Expectation, files: Record<string, Uint8Array>, ref?: CaseReport): void => {
    const dir = join(out, id);
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const v = ref?.volumes[0];
    const meta: CaseMeta = { id, group, expect, ...(v ? { reference: { dims: v.dims, crc: v.crc } } : {}) };
    writeFileSync(join(dir, 'case.json'), JSON.stringify(meta));
    cases.push(meta);
  };

  // NIfTI: every header field, raw and gzipped.
  const gz = new Uint8Array(readFileSync(sources.nifti));
  const nii = gunzipSync(gz);
  const pristine = await reference({ 'image.nii': nii });
  const header = nii.subarray(0, 348);
  for (const f of NIFTI1_FIELDS) {
    for (const [label, value] of hostileValues(f, readField(header, f))) {
      const changed = nii.slice();
      changed.set(withField(header, f, value), 0);
      const expect: Expectation = f.keepsVoxels ? 'same' : 'sane';
      const id = `nifti-${f.name.replace(/[[\]]/g, '')}-${label}`;
      add(`${id}-nii`, 'nifti header', expect, { 'image.nii': changed }, pristine);
      // Half the fields also as .nii.gz, so the gzip path sees the same header damage.
      if (f.offset % 8 === 0 || f.name.startsWith('dim') || f.name === 'vox_offset' || f.name === 'datatype' || f.name === 'bitpix') {
        add(`${id}-gz`, 'nifti header (gz)', expect, { 'image.nii.gz': gzipSync(changed) }, pristine);
      }
    }
  }
  // Truncations of both forms, and files padded with junk.
  for (const fraction of [0.01, 0.1, 0.3, 0.5, 0.9, 0.999]) {
    add(`nifti-cut-${fraction}-nii`, 'truncation', 'sane', { 'image.nii': nii.subarray(0, Math.floor(nii.length * fraction)) });
    add(`nifti-cut-${fraction}-gz`, 'truncation', 'sane', { 'image.nii.gz': gz.subarray(0, Math.floor(gz.length * fraction)) });
  }
  for (const cut of [200, 347, 349, 351]) add(`nifti-cut-at-${cut}`, 'truncation', 'sane', { 'image.nii': nii.subarray(0, cut) });
  // gzip: bit flips in the compressed stream and lies in the trailer.
  const flips = positions(7, gz.length - 18);
  for (let n = 0; n < 30; n++) {
    const at = 10 + flips.next().value!;
    const bad = gz.slice();
    bad[at]! ^= 1 << n % 8;
    add(`gzip-flip-${n}-at-${at}`, 'gzip', 'same', { 'image.nii.gz': bad }, pristine);
  }
  for (const [label, at, value] of [
    ['crc', gz.length - 8, 0x5a],
    ['isize-small', gz.length - 4, 0x01],
    ['isize-huge', gz.length - 1, 0x7f],
  ] as const) {
    const bad = gz.slice();
    bad[at] = value;
    add(`gzip-trailer-${label}`, 'gzip', 'same', { 'image.nii.gz': bad }, pristine);
  }
  // A gzip of nothing that NIfTI needs, and a header declaring a 4 GiB volume whose size field wraps.
  {
    const dim = (n: number): Field => NIFTI1_FIELDS.find((f) => f.name === `dim[${n}]`)!;
    const big = withField(withField(withField(header, dim(1), 2048), dim(2), 2048), dim(3), 1024);
    const bytes = new Uint8Array(352 + 1024);
    bytes.set(big, 0);
    add('nifti-dims-4gib-gz', 'lying size', 'sane', { 'image.nii.gz': gzipSync(bytes) });
    add('nifti-dims-4gib-nii', 'lying size', 'sane', { 'image.nii': bytes });
  }

  // Label files paired with their image: 4D, wrong size, damaged.
  const labelNii = gunzipSync(new Uint8Array(readFileSync(sources.label)));
  const labelHeader = labelNii.subarray(0, 348);
  const dimField = (n: number): Field => NIFTI1_FIELDS.find((f) => f.name === `dim[${n}]`)!;
  {
    const fourD = new Uint8Array(labelNii.length + (labelNii.length - 352));
    fourD.set(labelNii, 0);
    fourD.set(labelNii.subarray(352), labelNii.length);
    fourD.set(withField(withField(labelHeader, dimField(0), 4), dimField(4), 2), 0);
    add('label-4d', 'label', 'sane', { 'image.nii.gz': gz, 'labels/image.nii.gz': gzipSync(fourD) });
    const smaller = labelNii.slice();
    smaller.set(withField(labelHeader, dimField(1), readField(labelHeader, dimField(1)) - 1), 0);
    add('label-smaller', 'label', 'sane', { 'image.nii.gz': gz, 'labels/image.nii.gz': gzipSync(smaller) });
    const larger = labelNii.slice();
    larger.set(withField(labelHeader, dimField(1), readField(labelHeader, dimField(1)) + 1), 0);
    add('label-larger', 'label', 'sane', { 'image.nii.gz': gz, 'labels/image.nii.gz': gzipSync(larger) });
    add('label-cut', 'label', 'sane', { 'image.nii.gz': gz, 'labels/image.nii.gz': gzipSync(labelNii.subarray(0, 600)) });
    const slope = labelNii.slice();
    slope.set(withField(labelHeader, NIFTI1_FIELDS.find((f) => f.name === 'scl_slope')!, 0.5), 0);
    add('label-fractional', 'label', 'sane', { 'image.nii.gz': gz, 'labels/image.nii.gz': gzipSync(slope) });
  }

  // DICOM: one slice of the series with its fields damaged, alone and among its series.
  const dicomNames = readdirSync(sources.dicomSeries).sort();
  const slice0 = new Uint8Array(readFileSync(join(sources.dicomSeries, dicomNames[0]!)));
  const dicomText: [string, string, string[]][] = [
    ['PixelSpacing', '00280030', ['0\\0', '-1\\-1', '1e308\\1e308', 'abc', '0.5', '2\\2']],
    ['ImageOrientationPatient', '00200037', ['1\\0\\0\\1\\0\\0', '0\\0\\0\\0\\0\\0', 'nan\\0\\0\\0\\1\\0']],
    ['SliceThickness', '00180050', ['0', 'NaN', '-3']],
    ['ImagePositionPatient', '00200032', ['nan\\0\\0', '1e308\\0\\0']],
    ['RescaleSlope', '00281053', ['0', 'inf', '1e308']],
    ['NumberOfFrames', '00280008', ['abc', '0', '1000000000', '2']],
  ];
  for (const [name, tag, values] of dicomText) {
    for (const [n, value] of values.entries()) {
      const bytes = setDicomText(slice0, tag, value);
      if (!bytes) continue;
      add(`dicom-${name}-${n}-alone`, 'dicom field', 'sane', { 'slice.dcm': bytes });
      const series: Record<string, Uint8Array> = {};
      for (const f of dicomNames.slice(0, 8)) series[`series/${f}`] = new Uint8Array(readFileSync(join(sources.dicomSeries, f)));
      series[`series/${dicomNames[0]}`] = bytes;
      add(`dicom-${name}-${n}-in-series`, 'dicom field', 'sane', series);
    }
  }
  const dicomUs: [string, string, number[]][] = [
    ['Rows', '00280010', [0, 1, 35, 65535]],
    ['Columns', '00280011', [0, 51, 65535]],
    ['BitsAllocated', '00280100', [0, 8, 32, 12]],
    ['BitsStored', '00280101', [0, 17]],
    ['SamplesPerPixel', '00280002', [0, 3, 4]],
    ['PixelRepresentation', '00280103', [0, 7]],
  ];
  for (const [name, tag, values] of dicomUs) {
    for (const value of values) {
      const bytes = setDicomUs(slice0, tag, value);
      if (bytes) add(`dicom-${name}-${value}`, 'dicom field', 'sane', { 'slice.dcm': bytes });
    }
  }
  for (const fraction of [0.05, 0.2, 0.5, 0.9, 0.99]) add(`dicom-cut-${fraction}`, 'truncation', 'sane', { 'slice.dcm': slice0.subarray(0, Math.floor(slice0.length * fraction)) });
  const dflips = positions(11, 800);
  for (let n = 0; n < 40; n++) {
    const bad = slice0.slice();
    const at = 132 + dflips.next().value!;
    if (at >= bad.length) continue;
    bad[at]! ^= 1 << n % 8;
    add(`dicom-flip-${n}-at-${at}`, 'dicom bit flip', 'sane', { 'slice.dcm': bad });
  }
  add('dicom-no-preamble', 'dicom variant', 'sane', { 'slice.dcm': slice0.subarray(132) });

  // PNG / JPEG: zero and absurd sizes, truncations, flips; a mask of another size.
  const png = new Uint8Array(readFileSync(sources.png));
  const pngSize = (w: number, h: number): Uint8Array => {
    const b = png.slice();
    const v = new DataView(b.buffer);
    v.setUint32(16, w);
    v.setUint32(20, h);
    return b;
  };
  for (const [w, h] of [[0, 1000], [1000, 0], [2 ** 31 - 1, 1], [65535, 65535], [1000, 999], [1001, 1000]] as const) add(`png-size-${w}x${h}`, 'png', 'sane', { 'image.png': pngSize(w, h) });
  for (const fraction of [0.001, 0.02, 0.5, 0.99]) add(`png-cut-${fraction}`, 'truncation', 'sane', { 'image.png': png.subarray(0, Math.floor(png.length * fraction)) });
  const pflips = positions(5, 4000);
  for (let n = 0; n < 20; n++) {
    const bad = png.slice();
    const at = 8 + pflips.next().value!;
    bad[at]! ^= 1 << n % 8;
    add(`png-flip-${n}-at-${at}`, 'png bit flip', 'sane', { 'image.png': bad });
  }
  const mask = new Uint8Array(readFileSync(sources.mask));
  {
    const m = mask.slice();
    new DataView(m.buffer).setUint32(16, 999);
    add('mask-wrong-size', 'label', 'sane', { 'img/image.png': png, 'labelcol/image.png': m });
    add('mask-cut', 'label', 'sane', { 'img/image.png': png, 'labelcol/image.png': mask.subarray(0, 100) });
  }
  for (const c of await makeTiffJpegCases()) add(c.id, c.group, 'sane', c.files);
  return cases;
}

/** A seeded 64×48 RGB picture with edges and gradients, so compressed streams have real content to damage. */
function syntheticRgb(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 3 * (y * width + x);
      rgb[at] = (x * 4) & 255;
      rgb[at + 1] = (y * 5) & 255;
      rgb[at + 2] = (x + y) % 16 < 8 ? 220 : 30;
    }
  }
  return rgb;
}

/** Offset of each IFD entry of the first TIFF directory, by tag; little- or big-endian. */
function tiffEntries(tiff: Uint8Array): { little: boolean; entries: Map<number, number> } {
  const v = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49;
  const ifd = v.getUint32(4, little);
  const count = v.getUint16(ifd, little);
  const entries = new Map<number, number>();
  for (let n = 0; n < count; n++) entries.set(v.getUint16(ifd + 2 + 12 * n, little), ifd + 2 + 12 * n);
  return { little, entries };
}

/** The first TIFF directory's entry for `tag` set to one value of its own type (SHORT or LONG), in a copy. */
function setTiffValue(tiff: Uint8Array, tag: number, value: number): Uint8Array | null {
  const { little, entries } = tiffEntries(tiff);
  const at = entries.get(tag);
  if (at === undefined) return null;
  const out = tiff.slice();
  const v = new DataView(out.buffer);
  const type = v.getUint16(at + 2, little);
  const count = v.getUint32(at + 4, little);
  // Only values stored in the entry itself are rewritten; a value elsewhere (several strips) is left to the flips.
  if (type === 3 && count <= 2) v.setUint16(at + 8, Math.min(value, 0xffff), little);
  else if (type === 4 && count === 1) v.setUint32(at + 8, value >>> 0, little);
  else return null;
  return out;
}

/** Offsets of a JPEG's SOF0/SOF2 height and width fields. */
function jpegSizeField(jpeg: Uint8Array): number | null {
  for (let at = 2; at + 9 <= jpeg.length; ) {
    if (jpeg[at] !== 0xff) return null;
    const marker = jpeg[at + 1]!;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) return at + 5;
    at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
  }
  return null;
}

/**
 * TIFF and JPEG cases made from a synthetic picture (sharp writes them, so no data file is needed): absurd and
 * zero sizes in the header, truncations, bit flips in the header and directory, lying strip offsets and counts.
 * Each must open as a sane picture or end in a named error.
 */
export async function makeTiffJpegCases(): Promise<{ id: string; group: string; files: Record<string, Uint8Array> }[]> {
  const { default: sharp } = await import('sharp');
  const [width, height] = [64, 48];
  const raw = { raw: { width, height, channels: 3 as const } };
  const picture = syntheticRgb(width, height);
  const jpeg = new Uint8Array(await sharp(picture, raw).jpeg({ quality: 90 }).toBuffer());
  const tiffs: [string, Uint8Array][] = [
    ['none', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'none' }).toBuffer())],
    ['lzw', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'lzw' }).toBuffer())],
    ['deflate', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'deflate' }).toBuffer())],
  ];
  const cases: { id: string; group: string; files: Record<string, Uint8Array> }[] = [];
  const add = (id: string, group: string, name: string, bytes: Uint8Array): void => void cases.push({ id, group, files: { [name]: bytes } });

  // JPEG: sizes in the frame header, truncations, flips in the headers (tables and frame) and in the scan.
  const size = jpegSizeField(jpeg);
  if (size !== null) {
    for (const [h, w] of [[0, 64], [48, 0], [65535, 65535], [49, 64], [48, 65], [1, 1]] as const) {
      const b = jpeg.slice();
      b.set([h >> 8, h & 255, w >> 8, w & 255], size);
      add(`jpeg-size-${w}x${h}`, 'jpeg', 'image.jpg', b);
    }
  }
  for (const fraction of [0.001, 0.05, 0.3, 0.7, 0.99]) add(`jpeg-cut-${fraction}`, 'truncation', 'image.jpg', jpeg.subarray(0, Math.floor(jpeg.length * fraction)));
  const jflips = positions(13, Math.min(jpeg.length - 4, 700));
  for (let n = 0; n < 20; n++) {
    const bad = jpeg.slice();
    const at = 2 + jflips.next().value!;
    bad[at]! ^= 1 << n % 8;
    add(`jpeg-flip-${n}-at-${at}`, 'jpeg bit flip', 'image.jpg', bad);
  }

  // TIFF: every size and layout field set to hostile values, per compression; truncations; directory flips.
  const fields: [string, number, number[]][] = [
    ['ImageWidth', 256, [0, 1, 65, 65535, 2 ** 31 - 1]],
    ['ImageLength', 257, [0, 47, 65535, 2 ** 31 - 1]],
    ['BitsPerSample', 258, [0, 1, 12, 64]],
    ['Compression', 259, [0, 2, 6, 99]],
    ['SamplesPerPixel', 277, [0, 2, 200]],
    ['RowsPerStrip', 278, [0, 1]],
    ['StripOffsets', 273, [0, 2 ** 31]],
    ['StripByteCounts', 279, [0, 1, 2 ** 31]],
    ['PlanarConfiguration', 284, [2, 7]],
  ];
  for (const [compression, tiff] of tiffs) {
    for (const [name, tag, values] of fields) {
      for (const value of values) {
        const b = setTiffValue(tiff, tag, value);
        if (b) add(`tiff-${compression}-${name}-${value}`, 'tiff field', 'image.tif', b);
      }
    }
    for (const fraction of [0.002, 0.1, 0.5, 0.9, 0.999]) add(`tiff-${compression}-cut-${fraction}`, 'truncation', 'image.tif', tiff.subarray(0, Math.floor(tiff.length * fraction)));
  }
  const [, plain] = tiffs[1]!;
  const ifdAt = new DataView(plain.buffer, plain.byteOffset).getUint32(4, plain[0] === 0x49);
  const tflips = positions(17, 8 + 12 * 16);
  for (let n = 0; n < 20; n++) {
    const bad = plain.slice();
    const at = Math.min(plain.length - 1, n < 4 ? n + 2 : ifdAt + tflips.next().value!);
    bad[at]! ^= 1 << n % 8;
    add(`tiff-flip-${n}-at-${at}`, 'tiff bit flip', 'image.tif', bad);
  }
  return cases;
}

// dicom-parser finds the element; the corpus then rewrites its value in place (same length, padded) so the rest
// of the file stays as it was.

function setDicomText(bytes: Uint8Array, tag: string, value: string): Uint8Array | null {
  const ds = dicomParser.parseDicom(bytes);
  const el = ds.elements[`x${tag.toLowerCase()}`];
  const text = new TextEncoder().encode(value);
  if (!el) {
    // Absent (NumberOfFrames in a single-frame file): written in the place of another text element of the same
    // length would change two things at once, so only values that fit a present element are used.
    return null;
  }
  if (text.length > el.length) return null;
  const out = bytes.slice();
  out.fill(0x20, el.dataOffset, el.dataOffset + el.length);
  out.set(text, el.dataOffset);
  return out;
}

function setDicomUs(bytes: Uint8Array, tag: string, value: number): Uint8Array | null {
  const ds = dicomParser.parseDicom(bytes);
  const el = ds.elements[`x${tag.toLowerCase()}`];
  if (!el || el.length !== 2) return null;
  const out = bytes.slice();
  new DataView(out.buffer).setUint16(el.dataOffset, value, true);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Running

export interface CaseResult {
  id: string;
  group: string;
  outcome: Outcome;
  why: string;
  ms: number;
}

export interface RunOptions {
  /** The command that opens one case folder and prints its CaseReport as the last line of stdout. */
  child: { command: string; args: (caseDir: string) => string[] };
  timeoutMs: number;
  parallel: number;
}

function runOne(dir: string, meta: CaseMeta, o: RunOptions): Promise<CaseResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(o.child.command, o.child.args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timedOut = false;
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, o.timeoutMs);
    proc.on('close', () => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      let report: CaseReport | null = null;
      try {
        report = line.startsWith('{') ? (JSON.parse(line) as CaseReport) : null;
      } catch {
        report = null;
      }
      const { outcome, why } = classify(meta, report, timedOut);
      resolve({ id: meta.id, group: meta.group, outcome, why, ms: Date.now() - t0 });
    });
  });
}

/**
 * How to start the child that opens one case. Each case is a fresh process, and tsx compiling the source on every
 * start would dominate a case's time, so the child is bundled once with esbuild (packages stay external and
 * resolve from node_modules); without esbuild, tsx runs the source.
 */
export async function childCommand(repoRoot: string, memMb: number): Promise<RunOptions['child']> {
  const source = join(repoRoot, 'scripts', 'open-malformed-case.mts');
  const bundle = join(repoRoot, 'node_modules', '.cache', 'pseudolab-malformed', 'open-case.mjs');
  let entry = ['--import', 'tsx', source];
  try {
    const { build } = await import('esbuild');
    await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'warning' });
    entry = [bundle];
  } catch {
    // tsx it is.
  }
  return { command: process.execPath, args: (dir) => [`--max-old-space-size=${memMb}`, ...entry, dir] };
}

/** `count` case ids spread evenly over the sorted corpus, so a sample touches every group. */
export function sampleIds(root: string, count: number): string[] {
  const all = readdirSync(root).filter((d) => existsSync(join(root, d, 'case.json'))).sort();
  const step = all.length / count;
  return Array.from({ length: Math.min(count, all.length) }, (_, n) => all[Math.floor(n * step)]!);
}

export async function runCorpus(root: string, ids: string[] | null, o: RunOptions, onResult?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const all = readdirSync(root).filter((d) => existsSync(join(root, d, 'case.json'))).sort();
  const chosen = ids ? all.filter((d) => ids.includes(d)) : all;
  const results: CaseResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const id = chosen[next++]!;
      const meta = JSON.parse(readFileSync(join(root, id, 'case.json'), 'utf8')) as CaseMeta;
      const r = await runOne(join(root, id), meta, o);
      results.push(r);
      onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  return results.sort((a, b) => a.id.localeCompare(b.id));
}

export function countOutcomes(results: CaseResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { ok: 0, 'named-error': 0, wrong: 0, hang: 0, crash: 0, 'raw-message': 0 };
  for (const r of results) counts[r.outcome]++;
  return counts;
}
