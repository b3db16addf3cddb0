import { axisStep, dot, invert, normalize, transformPoint, type Vec3 } from '../../volume/geometry.ts';
import { createLabelMap, SliceProvenance, type LabelMap } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import type { DicomSegContent, SegSegment } from './readSeg.ts';
import { PROVENANCE_PRIORITY, provenanceOf } from './segmentAlgorithm.ts';

/** How far (mm, and cosine units for orientation) a SEG frame's plane may sit from a source slice's and still be it. */
const POSITION_TOLERANCE_MM = 0.01;
const ORIENTATION_TOLERANCE = 1e-4;

export interface SegOntoVolume {
  labels: LabelMap;
  /** Frames that landed on voxels already claimed by another segment's frame (the later one wins). */
  overlaps: number;
}

/** The volume's series UID when it came from DICOM. */
export function seriesUIDOf(volume: Volume): string | null {
  return volume.source.format === 'dicom' ? volume.source.seriesInstanceUID : null;
}

function orientationOf(volume: Volume): number[] {
  if (volume.source.format === 'dicom' && volume.source.reference?.orientation) return volume.source.reference.orientation;
  const m = volume.geometry.ijkToLps;
  return [...normalize(axisStep(m, 0)), ...normalize(axisStep(m, 1))];
}

/**
 * A SEG's frames as labels of the volume they segment. Each frame finds its slice by its source SOP instance
 * (and frame number), else by its plane position; either way its plane must be that slice's, to 0.01 mm, or it
 * throws an Error that says where the SEG and the series disagree. `classValueFor` maps a segment to a class
 * value (segments sharing a label share a class). A k-slice with frames takes the provenance of its segments'
 * algorithm types (the strongest when several); other slices stay unlabeled, since a SEG has no frames for
 * slices that were labeled but empty.
 */
export function labelsFromSeg(seg: DicomSegContent, volume: Volume, classValueFor: (segment: SegSegment) => number): SegOntoVolume {
  const [ni, nj, nk] = volume.geometry.dims;
  if (seg.columns !== ni || seg.rows !== nj) {
    throw new Error(`its frames are ${seg.columns}×${seg.rows} pixels, ${volume.name}'s slices ${ni}×${nj}; the SEG does not belong to this series`);
  }
  const m = volume.geometry.ijkToLps;
  const toVoxel = invert(m);
  const want = orientationOf(volume);
  const instances = volume.source.format === 'dicom' ? (volume.source.reference?.instances ?? []) : [];
  const byInstance = new Map(instances.map((inst, k) => [`${inst.sopInstanceUID}|${inst.frameNumber ?? ''}`, k]));
  const normal = normalize(axisStep(m, 2));
  const segmentsByNumber = new Map(seg.segments.map((s) => [s.number, s]));
  const labels = createLabelMap(volume.geometry.dims);
  const found: Set<SliceProvenance>[] = Array.from({ length: nk }, () => new Set());
  const per = ni * nj;
  let overlaps = 0;

  seg.frames.forEach((frame, f) => {
    const where = `frame ${f + 1}`;
    if (frame.orientation && frame.orientation.some((v, n) => Math.abs(v - (want[n] ?? NaN)) > ORIENTATION_TOLERANCE)) {
      throw new Error(
        `${where} is oriented ${frame.orientation.join('\\')}, ${volume.name} ${want.map((v) => +v.toFixed(6)).join('\\')}; the geometry does not match`,
      );
    }
    let k = frame.sourceSopInstanceUID ? byInstance.get(`${frame.sourceSopInstanceUID}|${frame.sourceFrameNumber ?? ''}`) : undefined;
    const expected = (kk: number): Vec3 => instances[kk]?.position ?? transformPoint(m, [0, 0, kk]);
    if (k === undefined) {
      if (!frame.position) throw new Error(`${where} names neither a slice of ${volume.name} nor a position`);
      const ijk = transformPoint(toVoxel, frame.position);
      k = Math.round(ijk[2]);
    }
    if (k < 0 || k >= nk) throw new Error(`${where} lies outside ${volume.name} (slice ${k + 1} of ${nk}); the geometry does not match`);
    if (frame.position) {
      const e = expected(k);
      const miss = Math.hypot(frame.position[0] - e[0], frame.position[1] - e[1], frame.position[2] - e[2]);
      if (miss > POSITION_TOLERANCE_MM) {
        const depth = dot([frame.position[0] - e[0], frame.position[1] - e[1], frame.position[2] - e[2]], normal);
        throw new Error(
          `${where} lies ${miss.toFixed(3)} mm from slice ${k + 1} of ${volume.name} (${depth.toFixed(3)} mm along the normal); the geometry does not match`,
        );
      }
    }
    const segment = segmentsByNumber.get(frame.segmentNumber);
    if (!segment) throw new Error(`${where} belongs to segment ${frame.segmentNumber}, which the SEG does not describe`);
    const value = classValueFor(segment);
    const slice = labels.voxels.subarray(k * per, (k + 1) * per);
    let any = false;
    for (let p = 0; p < per; p++) {
      if (frame.pixels[p] === 0) continue;
      if (slice[p] !== 0 && slice[p] !== value) overlaps++;
      slice[p] = value;
      any = true;
    }
    if (any) found[k]!.add(provenanceOf(segment.algorithmType));
  });
  found.forEach((set, k) => {
    labels.slices[2][k] = PROVENANCE_PRIORITY.find((p) => set.has(p)) ?? SliceProvenance.Unlabeled;
  });
  return { labels, overlaps };
}
