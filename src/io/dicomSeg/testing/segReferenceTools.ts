import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The reference tools a DICOM SEG is checked with: dciodvfy (dicom3tools), the standard IOD validator, and
 * pydicom reading the SEG and its source series independently of our reader.
 */
export const PYTHON = '/usr/bin/python3';

export function segTools(): { dciodvfy: boolean; pydicom: boolean } {
  const dciodvfy = !spawnSync('dciodvfy', ['-help']).error;
  const pydicom = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pydicom, numpy']).status === 0;
  return { dciodvfy, pydicom };
}

export interface Validation {
  errors: string[];
  warnings: string[];
}

/** dciodvfy's verdict: its "Error -" and "Warning -" lines. */
export function validateWithDciodvfy(path: string): Validation {
  const r = spawnSync('dciodvfy', ['-new', path], { encoding: 'utf8' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim());
  return { errors: lines.filter((l) => l.startsWith('Error')), warnings: lines.filter((l) => l.startsWith('Warning')) };
}

function python(code: string, args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

const READ_SEG = String.raw`
import sys, json, glob, os, pydicom, numpy as np
seg = pydicom.dcmread(sys.argv[1])
src = {}
for p in sorted(glob.glob(os.path.join(sys.argv[2], '*'))):
    d = pydicom.dcmread(p)
    src[d.SOPInstanceUID] = {'position': [float(v) for v in d.ImagePositionPatient], 'orientation': [float(v) for v in d.ImageOrientationPatient], 'series': d.SeriesInstanceUID, 'study': d.StudyInstanceUID, 'for': d.FrameOfReferenceUID, 'sopClass': d.SOPClassUID}
shared = seg.SharedFunctionalGroupsSequence[0]
arr = seg.pixel_array.reshape(int(seg.NumberOfFrames), seg.Rows, seg.Columns)
frames = []
for n, f in enumerate(seg.PerFrameFunctionalGroupsSequence):
    s = f.DerivationImageSequence[0].SourceImageSequence[0]
    frames.append({'segment': int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber), 'position': [float(v) for v in f.PlanePositionSequence[0].ImagePositionPatient], 'source': s.ReferencedSOPInstanceUID, 'sourceClass': s.ReferencedSOPClassUID, 'pixels': int(arr[n].sum()), 'checksum': int((arr[n].astype(np.int64) * np.arange(arr[n].size).reshape(arr[n].shape)).sum() % 1000003)})
print(json.dumps({
  'modality': seg.Modality, 'type': seg.SegmentationType, 'frames': int(seg.NumberOfFrames),
  'study': seg.StudyInstanceUID, 'for': seg.FrameOfReferenceUID,
  'referencedSeries': seg.ReferencedSeriesSequence[0].SeriesInstanceUID,
  'referencedInstances': [i.ReferencedSOPInstanceUID for i in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
  'orientation': [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
  'segments': [{'number': int(s.SegmentNumber), 'label': s.SegmentLabel, 'type': s.SegmentAlgorithmType, 'lab': [int(v) for v in s.RecommendedDisplayCIELabValue]} for s in seg.SegmentSequence],
  'frameList': frames, 'source': src}))
`;

export interface PydicomSeg {
  modality: string;
  type: string;
  frames: number;
  study: string;
  for: string;
  referencedSeries: string;
  referencedInstances: string[];
  orientation: number[];
  segments: { number: number; label: string; type: string; lab: number[] }[];
  /** Per frame: its segment, plane position, source instance, pixel count and a position-weighted checksum. */
  frameList: { segment: number; position: number[]; source: string; sourceClass: string; pixels: number; checksum: number }[];
  source: Record<string, { position: number[]; orientation: number[]; series: string; study: string; for: string; sopClass: string }>;
}

/** The SEG and its source series as pydicom reads them. */
export function readSegWithPydicom(segPath: string, seriesFolder: string): PydicomSeg {
  return JSON.parse(python(READ_SEG, [segPath, seriesFolder])) as PydicomSeg;
}

const WRITE_OBLIQUE = String.raw`
import sys, glob, os, math, pydicom, numpy as np
from pydicom.uid import generate_uid
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
def rot(axis, a):
    c, s = math.cos(a), math.sin(a)
    x, y, z = axis
    return np.array([[c+x*x*(1-c), x*y*(1-c)-z*s, x*z*(1-c)+y*s], [y*x*(1-c)+z*s, c+y*y*(1-c), y*z*(1-c)-x*s], [z*x*(1-c)-y*s, z*y*(1-c)+x*s, c+z*z*(1-c)]])
R = rot(np.array([1.0, 1.0, 0.0]) / math.sqrt(2), math.radians(25)) @ rot(np.array([0.0, 0.0, 1.0]), math.radians(-15))
series, frame = generate_uid(), generate_uid()
for p in sorted(glob.glob(os.path.join(src, '*'))):
    d = pydicom.dcmread(p)
    o = np.array([float(v) for v in d.ImageOrientationPatient])
    d.ImageOrientationPatient = [f'{v:.6f}' for v in np.concatenate([R @ o[:3], R @ o[3:]])]
    d.ImagePositionPatient = [f'{v:.4f}' for v in R @ np.array([float(v) for v in d.ImagePositionPatient])]
    d.SeriesInstanceUID, d.FrameOfReferenceUID = series, frame
    d.SOPInstanceUID = generate_uid(); d.file_meta.MediaStorageSOPInstanceUID = d.SOPInstanceUID
    d.SeriesDescription = 'oblique copy'
    d.save_as(os.path.join(out, os.path.basename(p)))
`;

/** A copy of a series turned 25° about an in-plane diagonal and 15° about the normal: oblique in every plane. */
export function writeObliqueCopy(seriesFolder: string, outFolder: string): void {
  python(WRITE_OBLIQUE, [seriesFolder, outFolder]);
}

const REWRITE_SEG = String.raw`
import sys, pydicom
from pydicom.uid import ImplicitVRLittleEndian
ds = pydicom.dcmread(sys.argv[1])
shared = ds.SharedFunctionalGroupsSequence[0]
orientation = shared.PlaneOrientationSequence
del shared.PlaneOrientationSequence
for f in ds.PerFrameFunctionalGroupsSequence:
    f.PlaneOrientationSequence = orientation
del ds.ReferencedSeriesSequence
ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
ds.is_implicit_VR = True
ds.is_little_endian = True
ds.save_as(sys.argv[2])
`;

/**
 * The SEG as another writer might lay it out: implicit VR little endian, the orientation per frame rather than
 * shared, and no Referenced Series Sequence (frames still name their source images).
 */
export function rewriteSegWithPydicom(segPath: string, outPath: string): void {
  python(REWRITE_SEG, [segPath, outPath]);
}
