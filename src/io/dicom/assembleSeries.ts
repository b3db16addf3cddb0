import { affineFromParts, cross, dot, geometryFromAffine, normalize, type Vec3 } from '../../volume/geometry.ts';
import type { Volume, VoxelData } from '../../volume/Volume.ts';
import { folderOf } from '../detectFormat.ts';
import { messageAbout } from '../problems.ts';
import type { Problem, ProgressFn } from '../types.ts';
import { decodeFrame, type StoredPixels } from './decodeFrame.ts';
import type { DicomFileInfo } from './parseDicomFile.ts';
import { seriesReference } from './seriesReference.ts';

interface Slice {
  info: DicomFileInfo;
  frame: number;
  position: Vec3 | null;
}

export interface SeriesResult {
  volume: Volume | null;
  problems: Problem[];
}

/**
 * What every file of a series must share to stack into one volume. Pixel spacing is part of it: a volume has
 * one spacing, and 10 slices at 2 mm among 22 at 1 mm once gave the whole volume 2 mm pixels.
 */
function shapeKey(i: DicomFileInfo): string {
  const o = i.orientation ? i.orientation.map((v) => v.toFixed(3)).join(',') : 'none';
  const s = i.pixelSpacing ? i.pixelSpacing.map((v) => v.toFixed(4)).join(',') : 'none';
  return `${i.rows}x${i.columns}x${i.samplesPerPixel}|${o}|${s}`;
}

function describeShape(i: DicomFileInfo): string {
  const colour = i.samplesPerPixel === 3 ? ' colour' : '';
  const orientation = i.orientation ? `, orientation ${i.orientation.map((v) => +v.toFixed(3)).join('\\')}` : ', no orientation';
  const spacing = i.pixelSpacing ? `, pixel spacing ${i.pixelSpacing.map((v) => +v.toFixed(4)).join('\\')} mm` : ', no pixel spacing';
  return `${i.columns}×${i.rows}${colour}${orientation}${spacing}`;
}

/** Files grouped by SeriesInstanceUID, in the order the series were first seen. */
export function groupBySeries(infos: DicomFileInfo[]): Map<string, DicomFileInfo[]> {
  const groups = new Map<string, DicomFileInfo[]>();
  for (const i of infos) {
    const g = groups.get(i.seriesInstanceUID);
    if (g) g.push(i);
    else groups.set(i.seriesInstanceUID, [i]);
  }
  return groups;
}

/** The name the dataset list shows: the series description, else modality and number, else the file name. */
function seriesName(ref: DicomFileInfo): string {
  if (ref.seriesDescription) return ref.seriesDescription;
  if (ref.modality) return `${ref.modality} series${ref.seriesNumber !== undefined ? ` ${ref.seriesNumber}` : ''}`;
  return ref.fileName;
}

/**
 * The storage type for rescaled values, always exact: 8-bit grey without rescale stays Uint8 (as stored);
 * integral values in range become Int16 (CT and MR almost always); integral values beyond Int16 but
 * unsigned stay Uint16 (half the memory of Float32, and the viewer takes it); anything else is Float32.
 */
function chooseStorage(min: number, max: number, integral: boolean, eightBit: boolean): 'u8' | 'i16' | 'u16' | 'f32' {
  if (!integral) return 'f32';
  if (eightBit && min >= 0 && max <= 255) return 'u8';
  if (min >= -32768 && max <= 32767) return 'i16';
  if (min >= 0 && max <= 65535) return 'u16';
  return 'f32';
}

const EMPTY = new Uint8Array(0);
const scaled = (v: Vec3, s: number): Vec3 => [v[0] * s, v[1] * s, v[2] * s];
const plus = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

/**
 * One series → one Volume. Files that disagree with the majority's size or orientation are left out with a
 * message; slices are ordered along the normal (row cosine × column cosine) by their ImagePositionPatient,
 * and the voxel→world matrix follows from the first and last positions, so an oblique stack stays oblique.
 * Where the geometry is a guess (no positions, uneven gaps, frames without positions) a warning says so.
 * `part`, when given, is added to the volume's name, e.g. "orientation 2 of 3".
 */
export async function assembleSeries(files: DicomFileInfo[], onProgress?: ProgressFn, part?: string): Promise<SeriesResult> {
  const problems: Problem[] = [];
  if (files.length === 0) return { volume: null, problems };

  // 1. The majority decides the series' shape; the odd files out are named.
  const counts = new Map<string, number>();
  for (const f of files) counts.set(shapeKey(f), (counts.get(shapeKey(f)) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const ref = files.find((f) => shapeKey(f) === majority)!;
  const kept = files.filter((f) => {
    if (shapeKey(f) === majority) return true;
    problems.push({
      file: f.path,
      severity: 'error',
      message: `${f.fileName}: does not match the rest of its series (${describeShape(f)} here, ${describeShape(ref)} in the others) and was left out`,
    });
    return false;
  });
  // A part of a series (one plane of a localizer) says which part in its name, so the volumes tell apart.
  const name = part ? `${seriesName(ref)} (${part})` : seriesName(ref);
  // Series-wide messages are about the folder the series came from, and name the volume the user sees.
  const subject = folderOf(ref.path) || ref.path;
  const warn = (text: string): void => {
    problems.push({ file: subject, severity: 'warning', message: `${name}: ${text}` });
  };

  // Fields a file's reader ignored or assumed, once per distinct sentence, naming a file that says it.
  const noted = new Map<string, { file: string; count: number }>();
  for (const f of kept) {
    for (const note of f.notes) {
      const seen = noted.get(note);
      if (seen) seen.count++;
      else noted.set(note, { file: f.fileName, count: 1 });
    }
  }
  for (const [note, { file, count }] of noted) {
    problems.push({
      file: subject,
      severity: 'warning',
      message: `${name}: ${file}${count > 1 ? ` and ${count - 1} other file${count > 2 ? 's' : ''}` : ''}: ${note}`,
    });
  }

  const row: Vec3 = ref.orientation ? normalize([ref.orientation[0], ref.orientation[1], ref.orientation[2]]) : [1, 0, 0];
  const col: Vec3 = ref.orientation ? normalize([ref.orientation[3], ref.orientation[4], ref.orientation[5]]) : [0, 1, 0];
  const normal = normalize(cross(row, col));
  const spacingHint = ref.spacingBetweenSlices ?? ref.sliceThickness ?? 1;
  const hintSource = ref.spacingBetweenSlices ? 'SpacingBetweenSlices' : ref.sliceThickness ? 'SliceThickness' : 'no spacing given';

  // 2. One slice per frame; frames of a multi-frame file without per-frame positions step along the normal.
  let slices: Slice[] = [];
  const stacked: string[] = [];
  for (const info of kept) {
    const first = info.framePositions[0] ?? null;
    const perFrame = info.framePositions.slice(1).every((p) => p !== null);
    if (info.numberOfFrames > 1 && first && !perFrame) stacked.push(info.fileName);
    for (let frame = 0; frame < info.numberOfFrames; frame++) {
      const known = info.framePositions[frame] ?? null;
      const position = known ?? (first && !perFrame ? plus(first, scaled(normal, spacingHint * frame)) : null);
      slices.push({ info, frame, position });
    }
  }

  // 3. Order: by position along the normal when every slice has one, else by instance number.
  const allPositioned = slices.every((s) => s.position !== null);
  const depth = (s: Slice): number => dot(s.position!, normal);
  if (allPositioned) {
    if (stacked.length > 0) {
      warn(
        `${stacked.join(', ')} ${stacked.length > 1 ? 'have' : 'has'} several frames but no per-frame positions; frames stacked ${spacingHint} mm apart (${hintSource})`,
      );
    }
    slices.sort((a, b) => depth(a) - depth(b));
    const unique = slices.filter((s, n) => n === 0 || Math.abs(depth(s) - depth(slices[n - 1]!)) >= 1e-3);
    if (unique.length < slices.length) {
      warn(`${slices.length - unique.length} slices share a position with another (several echoes or time points?); the first of each was kept`);
    }
    slices = unique;
  } else {
    slices.sort((a, b) => (a.info.instanceNumber ?? 0) - (b.info.instanceNumber ?? 0) || a.frame - b.frame);
    if (slices.length > 1) {
      warn(`slices have no position (ImagePositionPatient); ordered by instance number, ${spacingHint} mm apart (${hintSource})`);
    }
  }
  const n = slices.length;
  if (n > 1 && !ref.orientation) warn('has no image orientation; shown as axial');
  if (n > 1 && !ref.pixelSpacing) warn('has no pixel spacing; 1 mm pixels assumed');

  // 4. Geometry: i along the row cosine (column spacing), j along the column cosine (row spacing), k from
  // first to last slice position.
  const [rowSpacing, colSpacing] = ref.pixelSpacing ?? [1, 1];
  let kStep: Vec3;
  let origin: Vec3;
  if (allPositioned && n > 1) {
    origin = slices[0]!.position!;
    kStep = scaled(plus(slices[n - 1]!.position!, scaled(origin, -1)), 1 / (n - 1));
    const gaps = slices.slice(1).map((s, m) => depth(s) - depth(slices[m]!));
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    if (hi - lo > 0.1 * ((hi + lo) / 2)) {
      warn(
        `slice spacing is uneven (${lo.toFixed(2)} to ${hi.toFixed(2)} mm; missing slices?); shown with the mean spacing, so distances along the stack are approximate`,
      );
    }
  } else {
    origin = slices[0]?.position ?? [0, 0, 0];
    kStep = scaled(normal, spacingHint);
  }
  const kLength = Math.hypot(...kStep) || 1;
  const ijkToLps = affineFromParts([row, col, normalize(kStep)], [colSpacing, rowSpacing, kLength], origin);
  const dims: Vec3 = [ref.columns, ref.rows, n];
  const perSlice = ref.columns * ref.rows * ref.samplesPerPixel;

  // 5. Decode every frame and find the rescaled range, then store in the smallest exact type.
  const decoded: StoredPixels[] = [];
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  let channels: 1 | 3 = 1;
  for (let s = 0; s < n; s++) {
    const { info, frame } = slices[s]!;
    try {
      const { values, channels: ch } = await decodeFrame(info, frame);
      channels = ch;
      decoded.push(values);
      const { rescaleSlope: m, rescaleIntercept: b } = info;
      if (values instanceof Float32Array || !Number.isInteger(m) || !Number.isInteger(b)) integral = false;
      for (let p = 0; p < values.length; p++) {
        const v = (values[p] as number) * m + b;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    } catch (e) {
      problems.push({ file: info.path, severity: 'error', message: messageAbout(info.fileName, e) });
      problems.push({ file: subject, severity: 'error', message: `${name}: not opened, because ${info.fileName} cannot be decoded` });
      return { volume: null, problems };
    }
    onProgress?.(s + 1, n, name);
    // Long series: let a UI repaint its progress now and then.
    if (s % 16 === 15) await new Promise((r) => setTimeout(r, 0));
  }
  let voxels: VoxelData;
  if (channels === 3) {
    // Colour keeps its stored values: 16-bit storage when any frame has deeper than 8-bit samples.
    const deep = decoded.some((v) => v instanceof Uint16Array);
    const rgb = deep ? new Uint16Array(perSlice * n) : new Uint8Array(perSlice * n);
    decoded.forEach((v, s) => rgb.set(v as Uint8Array | Uint16Array, s * perSlice));
    decoded.length = 0;
    voxels = rgb;
  } else {
    const eightBit = slices.every((sl) => sl.info.bitsAllocated === 8 && sl.info.rescaleSlope === 1 && sl.info.rescaleIntercept === 0);
    const kind = chooseStorage(min, max, integral, eightBit);
    const length = perSlice * n;
    voxels =
      kind === 'u8' ? new Uint8Array(length) : kind === 'i16' ? new Int16Array(length) : kind === 'u16' ? new Uint16Array(length) : new Float32Array(length);
    for (let s = 0; s < n; s++) {
      const v = decoded[s]!;
      const { rescaleSlope: m, rescaleIntercept: b } = slices[s]!.info;
      const offset = s * perSlice;
      for (let p = 0; p < perSlice; p++) voxels[offset + p] = (v[p] as number) * m + b;
      // Let the decoded frame go as soon as it is copied, so a long series does not need twice its memory.
      decoded[s] = EMPTY;
    }
  }
  // Paths in slice order, each once (a multi-frame file holds many slices).
  const fileNames = [...new Set(slices.map((s) => s.info.path))];
  return {
    volume: {
      id: crypto.randomUUID(),
      name,
      geometry: geometryFromAffine(dims, ijkToLps),
      channels,
      voxels,
      source: {
        format: 'dicom',
        fileNames,
        seriesInstanceUID: ref.seriesInstanceUID,
        studyInstanceUID: ref.studyInstanceUID,
        frameOfReferenceUID: ref.frameOfReferenceUID,
        modality: ref.modality,
        seriesDescription: ref.seriesDescription,
        reference: seriesReference(slices, ref),
      },
    },
    problems,
  };
}
