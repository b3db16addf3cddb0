import { describe, expect, it } from 'vitest';
import { transformPoint, type Vec3 } from '../volume/geometry.ts';
import { cameraOnSlice } from './camera.ts';
import { ORTHO_VIEW_NAMES, viewPlanes } from './gridViews.ts';
import { sliceInfoOf } from './sliceInfo.ts';
import { add, syntheticOblique } from './testing/geometries.ts';
import { captureViewState, restoredView, voiOfWindow, windowOfVoi } from './viewState.ts';

describe('view state', () => {
  it('keeps the focus as a voxel, so each view returns to its slice in either frame', () => {
    const g = syntheticOblique();
    const focus = transformPoint(g.ijkToLps, [301.2, 140.7, 8.1]);
    const state = captureViewState(g, focus, { axial: 120, coronal: 80.5 }, { lower: -50, upper: 350 });
    expect(state.focusVoxel.map((c) => c + 0)).toEqual([301, 141, 8]);
    expect(state.window).toEqual([-50, 350]);
    for (const frame of ['grid', 'patient'] as const) {
      const planes = viewPlanes(g, frame);
      for (const view of ORTHO_VIEW_NAMES) {
        // A view coming back at the volume's centre, then moved to the restored slice.
        const n = planes[view].viewPlaneNormal;
        const centre = transformPoint(g.ijkToLps, [255.5, 255.5, 10.5]);
        const cam = { focalPoint: centre, position: add(centre, n, 300), viewPlaneNormal: n };
        const axis = sliceInfoOf(g, view, '3d', frame, centre, n).axis;
        const back = restoredView(state, view, axis);
        const moved = cameraOnSlice(g, cam, back.index);
        expect(sliceInfoOf(g, view, '3d', frame, moved.focalPoint, n).index).toBe(state.focusVoxel[axis]);
      }
    }
  });

  it('gives back each view its own zoom, and none to a view that had none', () => {
    const g = syntheticOblique();
    const state = captureViewState(g, [0, 0, 0] as Vec3, { axial: 120, sagittal: 64 }, undefined);
    expect(state.window).toBeNull();
    expect(restoredView(state, 'axial', 2).parallelScale).toBe(120);
    expect(restoredView(state, 'sagittal', 0).parallelScale).toBe(64);
    expect(restoredView(state, 'coronal', 1).parallelScale).toBeUndefined();
  });

  it('converts between a window and cornerstone’s VOI range both ways', () => {
    expect(voiOfWindow([-160, 240])).toEqual({ lower: -160, upper: 240 });
    expect(windowOfVoi(voiOfWindow([-160, 240]))).toEqual([-160, 240]);
    expect(windowOfVoi(undefined)).toBeNull();
  });
});
