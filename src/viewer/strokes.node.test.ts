import { describe, expect, it } from 'vitest';
import { geometryFromAffine, linearIndex, transformPoint, type Vec3, type VolumeGeometry, type VoxelAxis } from '../volume/geometry.ts';
import { cameraOnSlice, type CameraPose } from './camera.ts';
import { slicesCrossed, viewPlanes, type OrthoView, type ViewFrame } from './gridViews.ts';
import { sliceInfoOf } from './sliceInfo.ts';
import { isLabelingPress, labelingRefusal, refusalMessage, strayStrokeWarning, strokeSlices, strokeTarget } from './strokes.ts';
import { add, HAVE_MR_SERIES, mrSeriesGeometry, paintDisk, syntheticOblique } from './testing/geometries.ts';

/** A view slot's camera as a reset leaves it: at the volume's centre (between slices when the count is even). */
function resetCamera(g: VolumeGeometry, frame: ViewFrame, view: OrthoView): CameraPose {
  const n = viewPlanes(g, frame)[view].viewPlaneNormal;
  const centre = transformPoint(g.ijkToLps, [(g.dims[0] - 1) / 2, (g.dims[1] - 1) / 2, (g.dims[2] - 1) / 2]);
  return { focalPoint: centre, position: add(centre, n, 500), viewPlaneNormal: n };
}

/**
 * The path of a stroke through the viewer: the view is moved to slice `index`, a brush disk is painted at its
 * centre, and the stroke is committed to the slice stack and slice the view reports.
 */
function strokeOnSlice(g: VolumeGeometry, frame: ViewFrame, view: OrthoView, index: number, radiusMm: number) {
  const plane = viewPlanes(g, frame)[view];
  const cam = cameraOnSlice(g, resetCamera(g, frame, view), index);
  const info = sliceInfoOf(g, view, '3d', frame, cam.focalPoint, plane.viewPlaneNormal);
  const target = strokeTarget(g, '3d', plane.viewPlaneNormal, info);
  const painted = paintDisk(g, plane, cam.focalPoint, radiusMm);
  return { info, target, painted, refusal: labelingRefusal(g, '3d', cam.focalPoint, plane.viewPlaneNormal) };
}

/** Every k-slice of an oblique volume: a stroke in the grid's axial view writes exactly the slice on screen. */
function expectEveryKSliceExact(g: VolumeGeometry): void {
  for (let k = 0; k < g.dims[2]; k++) {
    const { info, target, painted, refusal } = strokeOnSlice(g, 'grid', 'axial', k, 12);
    expect(refusal).toBeNull();
    expect(info).toMatchObject({ axis: 2, index: k, aligned: true });
    expect(target).toEqual({ axis: 2, shownIndex: k });
    expect(painted.length).toBeGreaterThan(300);
    expect(strokeSlices(g.dims, painted, target.axis, k)).toEqual({ slices: [k], inExpected: true });
  }
}

describe('strokes on the oblique shared MR series (skipped: needs ../shared/datasets/dicom/mr-brain-t1post)', () => {
  it.skipIf(!HAVE_MR_SERIES)('land in the k-slice on screen, on every slice, in the grid frame', () => {
    expectEveryKSliceExact(mrSeriesGeometry());
  });

  it.skipIf(!HAVE_MR_SERIES)('are refused in the patient frame, where a stroke would spread over several k-slices', () => {
    const g = mrSeriesGeometry();
    const { info, target, painted, refusal } = strokeOnSlice(g, 'patient', 'axial', 12, 40);
    expect(info.aligned).toBe(false);
    const crossed = slicesCrossed(g, viewPlanes(g, 'patient').axial.viewPlaneNormal, 2);
    expect(crossed).toBeGreaterThan(3);
    expect(refusal).toBe(refusalMessage(crossed));
    // Were it painted anyway, the commit sees it leave the slice on screen and the UI warns.
    const where = strokeSlices(g.dims, painted, target.axis, target.shownIndex!);
    expect(where.inExpected).toBe(false);
    expect(where.slices.length).toBeGreaterThan(1);
    expect(strayStrokeWarning(where.slices, target.shownIndex!)).toMatch(/^That stroke also changed slices \d+(, \d+)*, not only slice 13,/);
  });
});

describe('strokes', () => {
  it('land in the slice on screen on a synthetic oblique volume, and in the i- and j-slices of the other views', () => {
    const g = syntheticOblique();
    expectEveryKSliceExact(g);
    for (const view of ['coronal', 'sagittal'] as const) {
      for (const index of [0, 100, 255, 511]) {
        const { info, target, painted } = strokeOnSlice(g, 'grid', view, index, 15);
        expect(info).toMatchObject({ index, aligned: true });
        expect(target.shownIndex).toBe(index);
        expect(strokeSlices(g.dims, painted, target.axis, index)).toEqual({ slices: [index], inExpected: true });
      }
    }
  });

  it('land in one k-slice of a sheared grid (gantry tilt) although the k step leans', () => {
    const g = geometryFromAffine([64, 64, 20], [1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
    expectEveryKSliceExact(g);
  });

  it('are refused only on a 3D view across the grid', () => {
    const g = syntheticOblique();
    const centre = transformPoint(g.ijkToLps, [256, 256, 11]);
    expect(labelingRefusal(g, '3d', centre, viewPlanes(g, 'grid').axial.viewPlaneNormal)).toBeNull();
    expect(labelingRefusal(g, '3d', centre, viewPlanes(g, 'patient').axial.viewPlaneNormal)).toMatch(/cuts across \d+ slices/);
    // The patient sagittal plane contains the tilt's axis: still on the grid, so it may paint.
    expect(labelingRefusal(g, '3d', centre, viewPlanes(g, 'patient').sagittal.viewPlaneNormal)).toBeNull();
    expect(labelingRefusal(g, '2d', centre, viewPlanes(g, 'patient').axial.viewPlaneNormal)).toBeNull();
    expect(labelingRefusal(g, '3d', centre, undefined)).toBeNull();
  });

  it('start only on a labeling tool’s primary button without Shift', () => {
    expect(isLabelingPress('brush', 0, false)).toBe(true);
    expect(isLabelingPress('fill', 0, false)).toBe(true);
    expect(isLabelingPress('eraser', 0, true)).toBe(false);
    expect(isLabelingPress('brush', 2, false)).toBe(false);
    expect(isLabelingPress('pan', 0, false)).toBe(false);
    expect(isLabelingPress(undefined, 0, false)).toBe(false);
  });

  it('commit to k on a 2D image, and name the shown slice only when the view shows that axis', () => {
    const g = syntheticOblique();
    expect(strokeTarget(g, '2d', [1, 0, 0], { axis: 0, index: 3 })).toEqual({ axis: 2, shownIndex: null });
    expect(strokeTarget(g, '2d', undefined, { axis: 2, index: 0 })).toEqual({ axis: 2, shownIndex: 0 });
    expect(strokeTarget(g, '3d', [1, 0, 0], { axis: 0, index: 7 })).toEqual({ axis: 0, shownIndex: 7 });
    expect(strokeTarget(g, '3d', [1, 0, 0], null)).toEqual({ axis: 0, shownIndex: null });
  });
});

describe('strokeSlices', () => {
  it('lists the slices a stroke wrote along each axis and says whether all are the one on screen', () => {
    const dims: Vec3 = [4, 3, 5];
    const at = (i: number, j: number, k: number) => linearIndex(dims, i, j, k);
    const stroke = [at(0, 0, 2), at(3, 2, 2), at(1, 1, 4)];
    expect(strokeSlices(dims, stroke, 2, 2)).toEqual({ slices: [2, 4], inExpected: false });
    expect(strokeSlices(dims, stroke.slice(0, 2), 2, 2)).toEqual({ slices: [2], inExpected: true });
    expect(strokeSlices(dims, stroke, 0 as VoxelAxis, 0).slices).toEqual([0, 1, 3]);
    expect(strokeSlices(dims, stroke, 1, 0).slices).toEqual([0, 1, 2]);
  });

  it('warns of a stroke that left the slice on screen, naming the others from 1', () => {
    expect(strayStrokeWarning([4], 4)).toBeNull();
    expect(strayStrokeWarning([], 4)).toBeNull();
    expect(strayStrokeWarning([3, 4, 6], 4)).toMatch(/^That stroke also changed slices 4, 7, not only slice 5, .*Undo it \(Ctrl\+Z\)/);
  });

  it('the refusal names how to switch', () => {
    expect(refusalMessage(8.6)).toMatch(/9 slices.*acquisition grid.*key G/);
  });
});
