import { describe, expect, it } from 'vitest';
import { affineFromParts, cross, dot, geometryFromAffine, transformPoint, worldToVoxel, type Vec3, type VolumeGeometry } from '../volume/geometry.ts';
import { cameraOnSlice, cameraThrough, poseOf, sliceToSnapTo, voxelOf, type CameraPose } from './camera.ts';
import { ORTHO_VIEW_NAMES, PATIENT_PLANES, viewPlanes, type ViewFrame } from './gridViews.ts';
import { sliceInfoOf } from './sliceInfo.ts';
import { add, HAVE_MR_SERIES, mrSeriesGeometry, syntheticOblique } from './testing/geometries.ts';

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/** Rotated 30° about the patient's superior axis and tilted 20° about the rotated rows: no direction is a patient axis. */
function doublyOblique(): VolumeGeometry {
  const a = (30 * Math.PI) / 180;
  const t = (20 * Math.PI) / 180;
  const row: Vec3 = [Math.cos(a), Math.sin(a), 0];
  const inPlane: Vec3 = [-Math.sin(a), Math.cos(a), 0];
  const col: Vec3 = [inPlane[0] * Math.cos(t), inPlane[1] * Math.cos(t), -Math.sin(t)];
  return geometryFromAffine([96, 80, 31], affineFromParts([row, col, cross(row, col)], [0.8, 0.9, 3], [-40, 25, -60]));
}

/** Left-handed: k runs against i × j, as many DICOM series stored feet-first do. */
function leftHanded(): VolumeGeometry {
  const t = (12 * Math.PI) / 180;
  const row: Vec3 = [Math.cos(t), Math.sin(t), 0];
  const col: Vec3 = [-Math.sin(t), Math.cos(t), 0];
  return geometryFromAffine([64, 64, 20], affineFromParts([row, col, cross(col, row)], [1, 1, 3], [0, 0, 60]));
}

const GEOMETRIES: [string, () => VolumeGeometry][] = [
  ['oblique', syntheticOblique],
  ['doubly oblique', doublyOblique],
  ['left-handed', leftHanded],
  ['sheared', () => geometryFromAffine([64, 64, 20], [1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 2, 0, 0, 0, 0, 1])],
];

function camera(g: VolumeGeometry, frame: ViewFrame, view: (typeof ORTHO_VIEW_NAMES)[number], voxel: Vec3): CameraPose {
  const n = viewPlanes(g, frame)[view].viewPlaneNormal;
  const focalPoint = transformPoint(g.ijkToLps, voxel);
  return { focalPoint, position: add(focalPoint, n, 400), viewPlaneNormal: n };
}

describe('cameraOnSlice', () => {
  for (const [name, make] of GEOMETRIES) {
    it(`puts each grid view of a ${name} volume on the slice asked, keeping the picture in place`, () => {
      const g = make();
      for (const view of ORTHO_VIEW_NAMES) {
        const cam = camera(g, 'grid', view, [g.dims[0] / 3 + 0.3, g.dims[1] / 2 - 0.4, g.dims[2] / 2 + 0.45]);
        const axis = sliceInfoOf(g, view, '3d', 'grid', cam.focalPoint, cam.viewPlaneNormal).axis;
        const count = g.dims[axis];
        for (const [asked, expected] of [
          [0, 0],
          [1, 1],
          [Math.floor(count / 2), Math.floor(count / 2)],
          [count - 1, count - 1],
          [count + 5, count - 1],
          [-3, 0],
        ]) {
          const moved = cameraOnSlice(g, cam, asked!);
          // Slice index → world → slice index: the new focal point lies on that slice's centre plane.
          expect(worldToVoxel(g, moved.focalPoint)[axis]).toBeCloseTo(expected!, 9);
          const info = sliceInfoOf(g, view, '3d', 'grid', moved.focalPoint, cam.viewPlaneNormal);
          expect(info).toMatchObject({ axis, index: expected, count, aligned: true });
          // Moved along the normal only, with the eye at the same offset: no sideways jump, no zoom change.
          const step = sub(moved.focalPoint, cam.focalPoint);
          expect(Math.hypot(...cross(step, cam.viewPlaneNormal))).toBeLessThan(1e-9);
          sub(moved.position, moved.focalPoint).forEach((x, c) => expect(x).toBeCloseTo(cam.position[c]! - cam.focalPoint[c]!, 9));
        }
      }
    });
  }

  it.skipIf(!HAVE_MR_SERIES)('steps one slice per step on the shared oblique series (skipped: needs ../shared/datasets/dicom/mr-brain-t1post)', () => {
    const g = mrSeriesGeometry();
    let cam = camera(g, 'grid', 'axial', [250.3, 260.2, 10.5]);
    for (let k = 0; k < 22; k++) {
      const moved = cameraOnSlice(g, cam, k);
      cam = { ...cam, ...moved };
      expect(sliceInfoOf(g, 'axial', '3d', 'grid', cam.focalPoint, cam.viewPlaneNormal)).toMatchObject({ axis: 2, index: k, count: 22, aligned: true });
      // + 0 turns a rounded −0 into 0.
      expect(voxelOf(g, cam.focalPoint).map((c) => c + 0)).toEqual([250, 260, k]);
    }
  });
});

describe('cameraThrough', () => {
  it('moves a view along its normal until its plane holds the point', () => {
    const g = doublyOblique();
    for (const frame of ['grid', 'patient'] as const) {
      for (const view of ORTHO_VIEW_NAMES) {
        const cam = camera(g, frame, view, [10, 20, 5]);
        const target = transformPoint(g.ijkToLps, [70, 33, 24]);
        const moved = cameraThrough(cam, target);
        expect(dot(cam.viewPlaneNormal, sub(target, moved.focalPoint))).toBeCloseTo(0, 9);
        expect(Math.hypot(...cross(sub(moved.focalPoint, cam.focalPoint), cam.viewPlaneNormal))).toBeLessThan(1e-9);
      }
    }
  });
});

describe('sliceToSnapTo', () => {
  it('moves a grid view between slices onto the nearest, and leaves centred or cross-grid views alone', () => {
    const g = syntheticOblique();
    const between = camera(g, 'grid', 'axial', [100, 200, 10.5]);
    expect(sliceToSnapTo(g, between.focalPoint, between.viewPlaneNormal)).toBe(11);
    const nearly = camera(g, 'grid', 'axial', [100, 200, 6.2]);
    expect(sliceToSnapTo(g, nearly.focalPoint, nearly.viewPlaneNormal)).toBe(6);
    const centred = camera(g, 'grid', 'axial', [100, 200, 7]);
    expect(sliceToSnapTo(g, centred.focalPoint, centred.viewPlaneNormal)).toBeNull();
    // A patient-axis view across the oblique grid has no slice centre to sit on.
    const across = camera(g, 'patient', 'axial', [100, 200, 10.5]);
    expect(sliceToSnapTo(g, across.focalPoint, across.viewPlaneNormal)).toBeNull();
  });
});

describe('camera orientation of the three views', () => {
  it('on a doubly oblique volume the grid views look along the voxel axes, the patient views along the patient axes', () => {
    const g = doublyOblique();
    const grid = viewPlanes(g, 'grid');
    const centre: Vec3 = [48, 40, 15];
    const infos = ORTHO_VIEW_NAMES.map((v) => sliceInfoOf(g, v, '3d', 'grid', transformPoint(g.ijkToLps, centre), grid[v].viewPlaneNormal));
    expect(infos.map((i) => [i.view, i.axis, i.index, i.aligned, i.looksLike])).toEqual([
      ['axial', 2, 15, true, 'axial'],
      ['coronal', 1, 40, true, 'coronal'],
      ['sagittal', 0, 48, true, 'sagittal'],
    ]);
    for (const v of ORTHO_VIEW_NAMES) {
      const p = sliceInfoOf(g, v, '3d', 'patient', transformPoint(g.ijkToLps, centre), PATIENT_PLANES[v].viewPlaneNormal);
      expect(p.aligned).toBe(false);
      expect(p.looksLike).toBe(v);
    }
  });

  it('a sagittal acquisition is titled by the plane it looks like in the grid frame, by its slot in the patient frame', () => {
    const row: Vec3 = [0, 1, 0];
    const col: Vec3 = [0, 0, -1];
    const g = geometryFromAffine([256, 200, 30], affineFromParts([row, col, cross(row, col)], [1, 1, 4], [60, -120, 90]));
    const at = transformPoint(g.ijkToLps, [100, 100, 12]);
    const titles = (frame: ViewFrame) => ORTHO_VIEW_NAMES.map((v) => sliceInfoOf(g, v, '3d', frame, at, viewPlanes(g, frame)[v].viewPlaneNormal).looksLike);
    expect(titles('grid')).toEqual(['sagittal', 'coronal', 'axial']);
    expect(titles('patient')).toEqual(['axial', 'coronal', 'sagittal']);
    expect(sliceInfoOf(g, 'single', '2d', 'grid', at, [0, 0, 1]).looksLike).toBeNull();
  });
});

describe('poseOf', () => {
  it('waits for a camera with all three vectors', () => {
    const full = { focalPoint: [1, 2, 3] as Vec3, position: [1, 2, 503] as Vec3, viewPlaneNormal: [0, 0, 1] as Vec3, parallelScale: 90 };
    expect(poseOf(full)).toEqual({ focalPoint: [1, 2, 3], position: [1, 2, 503], viewPlaneNormal: [0, 0, 1] });
    expect(poseOf({ ...full, position: undefined })).toBeNull();
    expect(poseOf(undefined)).toBeNull();
  });
});
