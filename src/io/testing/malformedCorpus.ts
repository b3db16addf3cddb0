import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import dicomParser from 'dicom-parser';
import { gunzipSync, gzipSync } from 'fflate';
import type { CaseMeta, CaseReport, Expectation } from './corpusVerdict.ts';
import { positions } from './flipPositions.ts';
import { makeTiffJpegCases } from './malformedImageCases.ts';

/**
 * Making the malformed-input corpus from the shared data: truncations, bit flips and hostile values in every
 * header field, lying sizes, absurd dimensions. What a case's outcome means is corpusVerdict.ts; running the
 * cases is corpusRunner.ts.
 */

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
  const out: [string, number][] = [
    ['zero', 0],
    ['minus1', -1],
  ];
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
    bad[at]! ^= 1 << (n % 8);
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
  for (const fraction of [0.05, 0.2, 0.5, 0.9, 0.99])
    add(`dicom-cut-${fraction}`, 'truncation', 'sane', { 'slice.dcm': slice0.subarray(0, Math.floor(slice0.length * fraction)) });
  const dflips = positions(11, 800);
  for (let n = 0; n < 40; n++) {
    const bad = slice0.slice();
    const at = 132 + dflips.next().value!;
    if (at >= bad.length) continue;
    bad[at]! ^= 1 << (n % 8);
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
  for (const [w, h] of [
    [0, 1000],
    [1000, 0],
    [2 ** 31 - 1, 1],
    [65535, 65535],
    [1000, 999],
    [1001, 1000],
  ] as const)
    add(`png-size-${w}x${h}`, 'png', 'sane', { 'image.png': pngSize(w, h) });
  for (const fraction of [0.001, 0.02, 0.5, 0.99])
    add(`png-cut-${fraction}`, 'truncation', 'sane', { 'image.png': png.subarray(0, Math.floor(png.length * fraction)) });
  const pflips = positions(5, 4000);
  for (let n = 0; n < 20; n++) {
    const bad = png.slice();
    const at = 8 + pflips.next().value!;
    bad[at]! ^= 1 << (n % 8);
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
