import { affineFromParts, cross, dot, geometryFromAffine, normalize, type Vec3 } from '../../volume/geometry.ts';
import type { Volume, VoxelData } from '../../volume/Volume.ts';
import type { Problem, ProgressFn } from '../types.ts';
import { decodeFrame, type StoredPixels } from './decodeFrame.ts';
import type { DicomFileInfo } from './parseDicomFile.ts';

interface Slice {
  info: DicomFileInfo;
  frame: number;
  position: Vec3 | null;
}

export interface SeriesResult {
  volume: Volume | null;
  problems: Problem[];
}

function shapeKey(i: DicomFileInfo): string {
  const o = i.orientation ? i.orientation.map((v) => v.toFixed(3)).join(',') : 'none';
  return `${i.rows}x${i.columns}x${i.samplesPerPixel}|${o}`;
}

function describeShape(i: DicomFileInfo): string {
  return `${i.columns}×${i.rows}${i.samplesPerPixel === 3 ? ' RGB' : ''}${i.orientation ? `, orientation ${i.orientation.map((v) => v.toFixed(2)).join('\\')}` : ''}`;
}

export function groupBySeries(infos: DicomFileInfo[]): Map<string, DicomFileInfo[]> {
  const groups = new Map<string, DicomFileInfo[]>();
  for (const i of infos) {
    const g = groups.get(i.seriesInstanceUID);
    if (g) g.push(i);
    else groups.set(i.seriesInstanceUID, [i]);
  }
  return groups;
}

/** Rescaled values in the smallest type that holds them exactly: Int16 for integral CT/MR, else Float32. */
function chooseStorage(min: number, max: number, integral: boolean, anyFloat: boolean): 'u8' | 'i16' | 'u16' | 'f32' {
  if (anyFloat || !integral) return 'f32';
  if (min >= 0 && max <= 255) return 'u8';
  if (min >= -32768 && max <= 32767) return 'i16';
  if (min >= 0 && max <= 65535) return 'u16';
  return 'f32';
}

/**
 * One series → one Volume: files that disagree with the series' shape are set aside with a message, slices
 * are sorted along the normal of their orientation, and the voxel→world matrix follows from first and last
 * positions. Warnings say where the geometry is less than certain.
 */
export async function assembleSeries(files: DicomFileInfo[], onProgress?: ProgressFn): Promise<SeriesResult> {
  const problems: Problem[] = [];
  const counts = new Map<string, number>();
  for (const f of files) counts.set(shapeKey(f), (counts.get(shapeKey(f)) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const ref = files.find((f) => shapeKey(f) === majority)!;
  const kept = files.filter((f) => {
    if (shapeKey(f) === majority) return true;
    problems.push({
      file: f.fileName,
      severity: 'error',
      message: `does not match the rest of its series (${describeShape(f)} here, ${describeShape(ref)} in the others) and was left out`,
    });
    return false;
  });
  const seriesName = ref.seriesDescription ?? (ref.modality ? `${ref.modality} series ${ref.seriesNumber ?? ''}`.trim() : ref.fileName);

  const row: Vec3 = ref.orientation ? normalize([ref.orientation[0], ref.orientation[1], ref.orientation[2]]) : [1, 0, 0];
  const col: Vec3 = ref.orientation ? normalize([ref.orientation[3], ref.orientation[4], ref.orientation[5]]) : [0, 1, 0];
  const normal = normalize(cross(row, col));
  if (!ref.orientation) problems.push({ file: seriesName, severity: 'warning', message: 'has no image orientation; shown as axial' });

  const sliceSpacingHint = ref.spacingBetweenSlices ?? ref.sliceThickness ?? 1;
  let slices: Slice[] = [];
  for (const info of kept) {
    for (let frame = 0; frame < info.numberOfFrames; frame++) {
      let position = info.framePositions[frame] ?? null;
      // Multi-frame files without per-frame positions: frames stacked along the normal from the first.
      if (!position && frame > 0 && info.framePositions[0]) {
        const p0 = info.framePositions[0];
        position = [p0[0] + normal[0] * sliceSpacingHint * frame, p0[1] + normal[1] * sliceSpacingHint * frame, p0[2] + normal[2] * sliceSpacingHint * frame];
      }
      slices.push({ info, frame, position });
    }
  }
  if (kept.some((f) => f.numberOfFrames > 1 && f.framePositions.slice(1).some((p) => p === null))) {
    problems.push({ file: seriesName, severity: 'warning', message: `multi-frame file without per-frame positions; frames stacked ${sliceSpacingHint} mm apart` });
  }

  const allPositioned = slices.every((s) => s.position !== null);
  if (allPositioned) {
    slices.sort((a, b) => dot(a.position!, normal) - dot(b.position!, normal));
    const unique: Slice[] = [];
    for (const s of slices) {
      const last = unique[unique.length - 1];
      if (last && Math.abs(dot(s.position!, normal) - dot(last.position!, normal)) < 1e-3) continue;
      unique.push(s);
    }
    if (unique.length < slices.length) {
      problems.push({
        file: seriesName,
        severity: 'warning',
        message: `${slices.length - unique.length} slices share a position with another (several echoes or time points?); the first of each was kept`,
      });
    }
    slices = unique;
  } else {
    slices.sort((a, b) => (a.info.instanceNumber ?? 0) - (b.info.instanceNumber ?? 0) || a.frame - b.frame);
    problems.push({ file: seriesName, severity: 'warning', message: 'some slices have no position; ordered by instance number with uniform spacing' });
  }

  const n = slices.length;
  const [rowSpacing, colSpacing] = ref.pixelSpacing ?? [1, 1];
  if (!ref.pixelSpacing) problems.push({ file: seriesName, severity: 'warning', message: 'has no pixel spacing; 1 mm assumed' });
  let kStep: Vec3;
  let origin: Vec3;
  if (allPositioned && n > 1) {
    const first = slices[0]!.position!;
    const last = slices[n - 1]!.position!;
    kStep = [(last[0] - first[0]) / (n - 1), (last[1] - first[1]) / (n - 1), (last[2] - first[2]) / (n - 1)];
    origin = first;
    const gaps = slices.slice(1).map((s, m) => dot(s.position!, normal) - dot(slices[m]!.position!, normal));
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    if (hi - lo > 0.1 * Math.max(1e-6, (hi + lo) / 2)) {
      problems.push({ file: seriesName, severity: 'warning', message: `slice spacing is uneven (${lo.toFixed(2)} to ${hi.toFixed(2)} mm); shown with the mean spacing` });
    }
  } else {
    origin = slices[0]?.position ?? [0, 0, 0];
    kStep = [normal[0] * sliceSpacingHint, normal[1] * sliceSpacingHint, normal[2] * sliceSpacingHint];
  }
  const kLength = Math.hypot(...kStep) || 1;
  const ijkToLps = affineFromParts([row, col, normalize(kStep)], [colSpacing, rowSpacing, kLength], origin);
  const dims: Vec3 = [ref.columns, ref.rows, n];
  const perSlice = ref.columns * ref.rows * ref.samplesPerPixel;

  // Decode every frame, rescale, then store in the smallest exact type.
  const decoded: StoredPixels[] = [];
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  let anyFloat = false;
  let channels: 1 | 3 = 1;
  for (let s = 0; s < n; s++) {
    const { info, frame } = slices[s]!;
    try {
      const { values, channels: ch } = await decodeFrame(info, frame);
      channels = ch;
      decoded.push(values);
      if (values instanceof Float32Array) anyFloat = true;
      const { rescaleSlope: m, rescaleIntercept: b } = info;
      if (!Number.isInteger(m) || !Number.isInteger(b)) integral = false;
      for (let p = 0; p < values.length; p++) {
        const v = (values[p] as number) * m + b;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    } catch (e) {
      problems.push({ file: info.fileName, severity: 'error', message: (e as Error).message });
      return { volume: null, problems };
    }
    onProgress?.(s + 1, n, seriesName);
    if (s % 16 === 15) await new Promise((r) => setTimeout(r, 0));
  }
  let voxels: VoxelData;
  if (channels === 3) {
    voxels = new Uint8Array(perSlice * n);
    decoded.forEach((v, s) => (voxels as Uint8Array).set(v as Uint8Array, s * perSlice));
  } else {
    const kind = chooseStorage(min, max, integral, anyFloat);
    voxels = kind === 'u8' ? new Uint8Array(perSlice * n) : kind === 'i16' ? new Int16Array(perSlice * n) : kind === 'u16' ? new Uint16Array(perSlice * n) : new Float32Array(perSlice * n);
    for (let s = 0; s < n; s++) {
      const v = decoded[s]!;
      const { rescaleSlope: m, rescaleIntercept: b } = slices[s]!.info;
      const offset = s * perSlice;
      for (let p = 0; p < perSlice; p++) voxels[offset + p] = (v[p] as number) * m + b;
    }
  }
  return {
    volume: {
      id: crypto.randomUUID(),
      name: seriesName,
      geometry: geometryFromAffine(dims, ijkToLps),
      channels,
      voxels,
      source: {
        format: 'dicom',
        fileNames: kept.map((f) => f.fileName),
        seriesInstanceUID: ref.seriesInstanceUID,
        studyInstanceUID: ref.studyInstanceUID,
        frameOfReferenceUID: ref.frameOfReferenceUID,
        modality: ref.modality,
        seriesDescription: ref.seriesDescription,
      },
    },
    problems,
  };
}
