import { cache, type RenderingEngine } from '@cornerstonejs/core';
import type { ToolName } from '../store/types.ts';
import type { Vec3 } from '../volume/geometry.ts';
import type { VoxelBox } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { HeldViews } from './heldViews.ts';
import { takeWrittenBox, type SliceWriteRecord } from './labelWrites.ts';
import type { RegisteredVolume } from './registerVolume.ts';
import { isLabelingPress, labelingRefusal, strokeTarget } from './strokes.ts';
import { viewsFor, type SliceInfo, type ViewerCallbacks, type ViewMode, type ViewName } from './viewTypes.ts';

/** What the gestures read from the controller that owns the views. */
export interface StrokeHost {
  readonly engine: RenderingEngine;
  shownVolume(): { volume: Volume; reg: RegisteredVolume; mode: ViewMode } | null;
  tool(): ToolName | undefined;
  sliceInfo(view: ViewName): SliceInfo | null;
  snapToSliceCentre(view: ViewName): void;
}

/**
 * Labeling gestures from press to commit: a press in a view that cuts across the voxel grid is refused before
 * cornerstone's brush sees it; an accepted one moves the view onto a slice centre and holds the other views'
 * drawing; when the pointer goes up, what the tools wrote is committed to the slice stack the view shows.
 */
export class StrokeGestures {
  private strokeView: ViewName | null = null;
  private pointerDown = false;
  private held = new HeldViews();

  constructor(
    private readonly host: StrokeHost,
    private readonly callbacks: Pick<ViewerCallbacks, 'onStroke' | 'onRefused'>,
  ) {}

  /** A press in `view`, seen before cornerstone's tools. */
  press(view: ViewName, ev: PointerEvent): void {
    this.pointerDown = true;
    const labeling = isLabelingPress(this.host.tool(), ev.button, ev.shiftKey);
    const refused = labeling ? this.refusal(view) : null;
    if (refused) {
      // Keep cornerstone's brush from seeing the press: no compatibility mousedown follows a cancelled pointerdown.
      ev.preventDefault();
      ev.stopPropagation();
      this.strokeView = null;
      this.callbacks.onRefused(refused);
      return;
    }
    if (labeling) this.host.snapToSliceCentre(view);
    this.strokeView = labeling ? view : null;
    if (labeling && this.host.shownVolume()?.mode === '3d') this.held.hold(this.host.engine, viewsFor('3d'), view);
  }

  /** The belt to press's braces: cornerstone's tools start on mousedown. */
  blocksMouseDown(view: ViewName, ev: MouseEvent): boolean {
    return isLabelingPress(this.host.tool(), ev.button, ev.shiftKey) && this.refusal(view) !== null;
  }

  /** A pointer went up: the held views draw, and a stroke in progress is committed. */
  release(): void {
    this.pointerDown = false;
    this.releaseHeldViews();
    if (this.strokeView) this.commit(this.strokeView);
    this.strokeView = null;
  }

  /** Tools that edit without a drag (fill on click) still end in a data-modified event. */
  labelsModified(lastView: ViewName): void {
    if (!this.pointerDown && this.host.shownVolume()) this.commit(lastView);
  }

  releaseHeldViews(): void {
    this.held.release(this.host.engine);
  }

  /** Why a labeling gesture in `view` must not start, or null when it may. */
  private refusal(view: ViewName): string | null {
    const shown = this.host.shownVolume();
    if (!shown) return null;
    const cam = this.host.engine.getViewport(view)?.getCamera();
    return labelingRefusal(shown.volume.geometry, shown.mode, cam?.focalPoint as Vec3 | undefined, cam?.viewPlaneNormal as Vec3 | undefined);
  }

  private commit(view: ViewName): void {
    const shown = this.host.shownVolume();
    if (!shown) return;
    const normal = this.host.engine.getViewport(view)?.getCamera().viewPlaneNormal as Vec3 | undefined;
    const { axis, shownIndex } = strokeTarget(shown.volume.geometry, shown.mode, normal, this.host.sliceInfo(view));
    const volumeId = shown.volume.id;
    const reg = shown.reg;
    const [width, height] = shown.volume.geometry.dims;
    // cornerstone finishes a stroke in its own mouse-up handler; let it run before we read where it wrote.
    setTimeout(() => {
      const start = performance.now();
      const written = this.host.shownVolume()?.reg === reg ? writtenSinceLastCommit(reg, width, height) : undefined;
      this.callbacks.onStroke(volumeId, axis, shownIndex, written);
      // The benchmark reads this: the cost of turning a gesture into an undoable edit.
      if (written !== null) performance.measure('pseudolab:commit-stroke', { start, detail: { volumeId } });
    }, 0);
  }
}

/**
 * Where the tools wrote since the last commit, from the write records of our label images' voxel managers: the
 * store then diffs that box instead of the whole label buffer.
 */
function writtenSinceLastCommit(reg: RegisteredVolume, width: number, height: number): VoxelBox | null | undefined {
  const records = reg.labelImageIds.map((id) => cache.getImage(id)?.voxelManager as unknown as SliceWriteRecord | undefined);
  return takeWrittenBox(records, width, height);
}
