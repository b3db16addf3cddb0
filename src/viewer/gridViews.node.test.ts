import { describe, expect, it } from 'vitest';
import {
  affineFromParts,
  cross,
  dot,
  geometryFromAffine,
  normalize,
  transformPoint,
  worldToVoxel,
  type Vec3,
  type VolumeGeometry,
} from '../volume/geometry.ts';
import { gridViews, indexAt, isGridAligned, PATIENT_PLANES, shiftToSlice, sliceAxisOf, slicesCrossed, viewPlanes, viewSlice } from './gridViews.ts';
import { strokeSlices } from './strokes.ts';
import { add, HAVE_MR_SERIES, mrSeriesGeometry, paintDisk, syntheticOblique } from './testing/geometries.ts';

/** Checks that hold for any volume: each grid view shows one voxel axis, exactly, with a proper camera. */
function expectGridViewsExact(g: VolumeGeometry): void {
  const views = gridViews(g);
  expect(views.axial.axis).toBe(2);
  expect(new Set([views.axial.axis, views.coronal.axis, views.sagittal.axis])).toEqual(new Set([0, 1, 2]));
  for (const v of Object.values(views)) {
    const { viewPlaneNormal: n, viewUp: up } = v.plane;
    expect(Math.hypot(...n)).toBeCloseTo(1, 9);
    expect(Math.hypot(...up)).toBeCloseTo(1, 9);
    expect(Math.abs(dot(n, up))).toBeLessThan(1e-9);
    expect(sliceAxisOf(g, n)).toBe(v.axis);
    expect(isGridAligned(g, n)).toBe(true);
    expect(slicesCrossed(g, n, v.axis)).toBeLessThan(1e-6);
    // A stroke through a slice centre writes that slice and no other.
    const k = Math.floor(g.dims[v.axis] / 2) - 1;
    const centreVoxel: Vec3 = [g.dims[0] / 2, g.dims[1] / 2, g.dims[2] / 2];
    centreVoxel[v.axis] = k;
    const painted = paintDisk(g, v.plane, transformPoint(g.ijkToLps, centreVoxel), 20);
    expect(painted.length).toBeGreaterThan(100);
    expect(strokeSlices(g.dims, painted, v.axis, k)).toEqual({ slices: [k], inExpected: true });
  }
}

describe('grid views on the oblique shared MR series (skipped: needs ../shared/datasets/dicom/mr-brain-t1post)', () => {
  it.skipIf(!HAVE_MR_SERIES)('keep a stroke in the slice on screen, where the patient axial view spreads it over several', () => {
    const g = mrSeriesGeometry();
    expect(g.dims).toEqual([512, 512, 22]);
    expectGridViewsExact(g);
    // The acquisition is oblique: the patient axial view cuts across several k-slices.
    const axialPatient = PATIENT_PLANES.axial.viewPlaneNormal;
    expect(sliceAxisOf(g, axialPatient)).toBe(2);
    expect(isGridAligned(g, axialPatient)).toBe(false);
    expect(slicesCrossed(g, axialPatient, 2)).toBeGreaterThan(3);
    // The user's report: a stroke painted in the patient axial view on slice 13/22 lands in more than one k-slice.
    const centre = transformPoint(g.ijkToLps, [256, 180, 12]);
    const patientPaint = paintDisk(g, PATIENT_PLANES.axial, centre, 40);
    expect(strokeSlices(g.dims, patientPaint, 2, 12).slices.length).toBeGreaterThan(1);
    const gridPaint = paintDisk(g, gridViews(g).axial.plane, centre, 40);
    expect(strokeSlices(g.dims, gridPaint, 2, 12)).toEqual({ slices: [12], inExpected: true });
    // Slice 13 of 22 on screen is k = 12.
    const s = viewSlice(g, centre, gridViews(g).axial.plane.viewPlaneNormal);
    expect(s).toMatchObject({ axis: 2, index: 12, count: 22, aligned: true });
    expect(s.position).toBeCloseTo(12, 9);
    expect(viewSlice(g, centre, axialPatient).aligned).toBe(false);
  });
});

describe('grid views', () => {
  it('show the acquisition plane of an oblique series in the axial slot, without mirroring', () => {
    const g = syntheticOblique();
    expectGridViewsExact(g);
    const views = gridViews(g);
    expect(views).toMatchObject({
      axial: { axis: 2, looksLike: 'axial' },
      coronal: { axis: 1, looksLike: 'coronal' },
      sagittal: { axis: 0, looksLike: 'sagittal' },
    });
    // Radiological: seen from the feet, patient left (+x) on screen right, voxel rows level.
    const a = views.axial.plane;
    expect(dot(a.viewPlaneNormal, [0, 0, -1])).toBeGreaterThan(0.9);
    const right = cross(a.viewUp, a.viewPlaneNormal);
    expect(right[0]).toBeCloseTo(1, 9);
    expect(isGridAligned(g, PATIENT_PLANES.axial.viewPlaneNormal)).toBe(false);
    expect(isGridAligned(g, PATIENT_PLANES.sagittal.viewPlaneNormal)).toBe(true);
  });

  it('patient frame gives the radiological planes whatever the volume', () => {
    expect(viewPlanes(syntheticOblique(), 'patient')).toEqual(PATIENT_PLANES);
  });

  it('on an axis-aligned volume, grid and patient frames are the same cameras', () => {
    const g = geometryFromAffine(
      [40, 50, 30],
      affineFromParts(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        [1, 1, 2],
        [0, 0, 0],
      ),
    );
    const grid = viewPlanes(g, 'grid');
    for (const v of ['axial', 'coronal', 'sagittal'] as const) {
      grid[v].viewPlaneNormal.forEach((x, c) => expect(x).toBeCloseTo(PATIENT_PLANES[v].viewPlaneNormal[c]!, 12));
      grid[v].viewUp.forEach((x, c) => expect(x).toBeCloseTo(PATIENT_PLANES[v].viewUp[c]!, 12));
    }
  });

  it('handle a left-handed grid (k against i×j): same camera as the right-handed twin, indices counted along k', () => {
    const t = (12 * Math.PI) / 180;
    const row: Vec3 = [Math.cos(t), Math.sin(t), 0];
    const col: Vec3 = [-Math.sin(t), Math.cos(t), 0];
    const down = cross(col, row);
    const left = geometryFromAffine([64, 64, 20], affineFromParts([row, col, down], [1, 1, 3], [0, 0, 60]));
    const right = geometryFromAffine([64, 64, 20], affineFromParts([row, col, cross(row, col)], [1, 1, 3], [0, 0, 0]));
    expect(left.ijkToLps[10]).toBeLessThan(0);
    expectGridViewsExact(left);
    const a = gridViews(left).axial.plane;
    const b = gridViews(right).axial.plane;
    a.viewPlaneNormal.forEach((x, c) => expect(x).toBeCloseTo(b.viewPlaneNormal[c]!, 12));
    a.viewUp.forEach((x, c) => expect(x).toBeCloseTo(b.viewUp[c]!, 12));
    // Higher k is lower in the patient here, and slice indices follow k, not the screen.
    const p = transformPoint(left.ijkToLps, [10, 20, 3]);
    expect(viewSlice(left, p, a.viewPlaneNormal)).toMatchObject({ axis: 2, index: 3, aligned: true });
    const dz = shiftToSlice(left, p, a.viewPlaneNormal, 2, 7);
    expect(indexAt(left, 2, add(p, normalize(a.viewPlaneNormal), dz))).toBeCloseTo(7, 9);
  });

  it('handle a sagittal acquisition: the acquisition plane in the axial slot, titled sagittal', () => {
    // DICOM's usual sagittal: rows run posterior, columns run inferior, slices from right to left.
    const row: Vec3 = [0, 1, 0];
    const col: Vec3 = [0, 0, -1];
    const g = geometryFromAffine([256, 200, 30], affineFromParts([row, col, cross(row, col)], [1, 1, 4], [60, -120, 90]));
    expectGridViewsExact(g);
    const views = gridViews(g);
    expect(views.axial).toMatchObject({ axis: 2, looksLike: 'sagittal' });
    expect(views.coronal).toMatchObject({ axis: 0, looksLike: 'coronal' });
    expect(views.sagittal).toMatchObject({ axis: 1, looksLike: 'axial' });
    // Seen from the patient's left with superior up, as the scanner shows it.
    views.axial.plane.viewPlaneNormal.forEach((x, c) => expect(x).toBeCloseTo(PATIENT_PLANES.sagittal.viewPlaneNormal[c]!, 12));
    views.axial.plane.viewUp.forEach((x, c) => expect(x).toBeCloseTo(PATIENT_PLANES.sagittal.viewUp[c]!, 12));
    // Not oblique, so the patient views are aligned too, with the patient axial view on j.
    expect(isGridAligned(g, PATIENT_PLANES.axial.viewPlaneNormal)).toBe(true);
    expect(sliceAxisOf(g, PATIENT_PLANES.axial.viewPlaneNormal)).toBe(1);
  });

  it('use the plane of constant k on a sheared grid (gantry tilt), not the plane across the k step', () => {
    const g = geometryFromAffine([64, 64, 20], [1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
    expectGridViewsExact(g);
    const kStepNormal = normalize([0, 0.5, 2]);
    expect(isGridAligned(g, kStepNormal)).toBe(false);
    expect(gridViews(g).axial.plane.viewPlaneNormal.map((x) => Math.abs(x))).toEqual([0, 0, 1]);
  });

  it('move a view between slices onto the slice centre', () => {
    const g = syntheticOblique();
    const n = gridViews(g).axial.plane.viewPlaneNormal;
    const between = transformPoint(g.ijkToLps, [100, 300, 10.5]);
    const s = viewSlice(g, between, n);
    expect(s.position).toBeCloseTo(10.5, 9);
    const moved = add(between, n, shiftToSlice(g, between, n, 2, s.index));
    expect(worldToVoxel(g, moved)[2]).toBeCloseTo(s.index, 9);
    // The in-plane position is kept.
    expect(worldToVoxel(g, moved)[0]).toBeCloseTo(100, 9);
    expect(worldToVoxel(g, moved)[1]).toBeCloseTo(300, 9);
  });
});
