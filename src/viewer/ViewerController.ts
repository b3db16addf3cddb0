import { RenderingEngine, setVolumesForViewports, type Types } from '@cornerstonejs/core';
import { segmentation, type synchronizers, type Types as ToolTypes } from '@cornerstonejs/tools';
import type { ToolSettings, ViewState } from '../store/types.ts';
import type { ClassDef } from '../volume/classes.ts';
import type { Vec3, VoxelAxis } from '../volume/geometry.ts';
import type { LabelMap } from '../volume/labels.ts';
import { percentileWindow, type Volume } from '../volume/Volume.ts';
import { cameraOnSlice, cameraThrough, poseOf, sliceToSnapTo, type CameraMove } from './camera.ts';
import { viewPlanes, type ViewFrame } from './gridViews.ts';
import { sampleAt } from './hover.ts';
import { drawActiveViewFirst } from './activeViewFirst.ts';
import { applyClassColours, applyLabelmapStyle, attachLabelmap, restyleViewNow } from './labelmapDisplay.ts';
import { ModelOverlays, type ModelLayerSources, type ModelLayerView } from './ModelOverlays.ts';
import { registerVolume, unregisterVolume, type RegisteredVolume } from './registerVolume.ts';
import { sliceInfoOf } from './sliceInfo.ts';
import { StrokeGestures } from './StrokeGestures.ts';
import { toolChanges } from './toolChanges.ts';
import { applyToolSettings, createToolGroup } from './tools.ts';
import { listenToViews } from './viewInput.ts';
import { createWindowSync, enableViewports, ensureCornerstone, orientViews } from './viewports.ts';
import { captureViewState, restoredView, voiOfWindow, type VoiRange } from './viewState.ts';
import { viewsFor, type SliceInfo, type ViewerCallbacks, type ViewerElements, type ViewMode, type ViewName } from './viewTypes.ts';

export { ORTHO_VIEWS, type HoverInfo, type SliceInfo, type ViewerCallbacks, type ViewerElements, type ViewName } from './viewTypes.ts';

let engineCount = 0;
const ORTHO_GROUP = 'pseudolab-ortho';
const SINGLE_GROUP = 'pseudolab-single';

type Shown = { volume: Volume; labels: LabelMap; reg: RegisteredVolume; mode: ViewMode; ready: boolean };

/**
 * Owns the rendering engine, viewports and tool groups: everything cornerstone3D holds for the volume on screen.
 * It knows nothing of the store; the UI passes state in and receives gestures through callbacks. The maths it
 * applies (cameras, slices, strokes, hover) are pure functions in their own files.
 */
export class ViewerController {
  private engine: RenderingEngine;
  /** One id per controller: React may mount twice, and a late dispose must not destroy its successor's engine. */
  private readonly engineId = `pseudolab-engine-${++engineCount}`;
  private ortho: ToolTypes.IToolGroup;
  private single: ToolTypes.IToolGroup;
  private shown: Shown | null = null;
  private enabledMode: ViewMode | null = null;
  private voiSync: ReturnType<typeof synchronizers.createVOISynchronizer> | null = null;
  /** Volumes being loaded into the views; the window synchronizer waits until none is. */
  private voiSyncHolds = 0;
  private lastHoverView: ViewName = 'axial';
  private tools: ToolSettings | null = null;
  /** The settings cornerstone has (null: none yet for the volume on screen), so only what changed is applied. */
  private appliedTools: ToolSettings | null = null;
  private classes: ClassDef[] = [];
  private activeClass: number | null = null;
  private stopListening: () => void;
  /** The model's layers over the volume on screen, and what was last asked of them (drawn once it is ready). */
  private modelOverlays: ModelOverlays | null = null;
  private modelRequest: { volumeId: string; sources: ModelLayerSources | null; view: ModelLayerView } | null = null;
  private showSeq = 0;
  private viewFrame: ViewFrame = 'grid';
  /** Views being moved onto a slice centre by us, so their own camera event does not snap them again. */
  private snapping = new Set<ViewName>();
  private strokes: StrokeGestures;

  private constructor(
    private readonly elements: ViewerElements,
    private readonly callbacks: ViewerCallbacks,
  ) {
    this.engine = new RenderingEngine(this.engineId);
    this.ortho = createToolGroup(ORTHO_GROUP, true);
    this.single = createToolGroup(SINGLE_GROUP, false);
    this.strokes = new StrokeGestures(
      {
        engine: this.engine,
        shownVolume: () => this.shown,
        tool: () => this.tools?.tool,
        sliceInfo: (view) => this.sliceInfo(view),
        snapToSliceCentre: (view) => this.snapToSliceCentre(view),
      },
      callbacks,
    );
    this.stopListening = this.listen();
  }

  static async create(elements: ViewerElements, callbacks: ViewerCallbacks): Promise<ViewerController> {
    await ensureCornerstone();
    return new ViewerController(elements, callbacks);
  }

  get volumeId(): string | null {
    return this.shown?.volume.id ?? null;
  }

  get frame(): ViewFrame {
    return this.viewFrame;
  }

  /** Shows a volume with its labels, restoring a saved view state when given. */
  async show(volume: Volume, labels: LabelMap, view: ViewState | null): Promise<void> {
    const seq = ++this.showSeq;
    if (this.shown?.volume.id === volume.id && this.shown.labels === labels) return;
    this.hide();
    const mode: ViewMode = volume.geometry.dims[2] > 1 ? '3d' : '2d';
    this.enableViewports(mode);
    const window = view?.window ?? percentileWindow(volume.voxels);
    const reg = registerVolume(volume, labels, window);
    // Styling waits for `ready`: colours and styles need the labelmap representation to exist first.
    this.shown = { volume, labels, reg, mode, ready: false };
    this.appliedTools = null;
    // The first view to get the volume announces its window, and the synchronizer would push it into views that
    // have no volume yet (a TypeError in cornerstone on every open): each view gets the window below instead.
    this.voiSyncHolds++;
    this.voiSync?.setEnabled(false);
    try {
      if (mode === '3d') {
        await setVolumesForViewports(this.engine, [{ volumeId: reg.csVolumeId! }], [...viewsFor('3d')]);
      } else {
        const vp = this.engine.getViewport('single') as Types.IStackViewport;
        await vp.setStack(reg.imageIds, 0);
      }
    } finally {
      if (--this.voiSyncHolds === 0) this.voiSync?.setEnabled(true);
    }
    if (seq !== this.showSeq) return;
    await attachLabelmap(reg.segmentationId, viewsFor(mode));
    this.shown.ready = true;
    for (const id of viewsFor(mode)) {
      const vp = this.engine.getViewport(id) as Types.IVolumeViewport | Types.IStackViewport;
      if (volume.channels === 1) vp.setProperties({ voiRange: voiOfWindow(window) });
    }
    this.applyClasses();
    this.applyTools();
    if (mode === '3d') this.applyViewFrame();
    if (view) this.restoreView(view);
    else this.snapAll();
    this.engine.render();
    this.reportSlices();
    this.callbacks.onWindow(window);
    performance.mark('pseudolab:shown', { detail: volume.id });
    // Layers asked for while the volume was loading.
    const pending = this.modelRequest;
    if (pending?.volumeId === volume.id) await this.setModelLayers(pending.volumeId, pending.sources, pending.view);
  }

  /**
   * The model's layers for the volume on screen (pseudo-label, uncertainty, predictions, and for the text presets
   * the text mask, the merged pseudo-label and one class's activation), drawn as `view` says: a layer that is off
   * is not drawn at all, the pseudo-label only above the confidence threshold. Call again when the buffers change
   * in place (new predictions) or the view changes.
   */
  async setModelLayers(volumeId: string, sources: ModelLayerSources | null, view: ModelLayerView): Promise<void> {
    this.modelRequest = { volumeId, sources, view };
    if (!this.shown?.ready || this.shown.volume.id !== volumeId) return;
    if (!this.modelOverlays) {
      this.modelOverlays = new ModelOverlays(this.shown.volume, this.shown.reg, viewsFor(this.shown.mode));
      this.modelOverlays.setClasses(this.classes);
    }
    await this.modelOverlays.update(sources, view);
    this.engine.render();
  }

  /** Records what the user sees, to restore it when they come back to this volume. */
  captureView(): ViewState | null {
    if (!this.shown) return null;
    const views = viewsFor(this.shown.mode);
    const first = this.engine.getViewport(views[0]!) as Types.IVolumeViewport | undefined;
    if (!first) return null;
    const zoom: Record<string, number> = {};
    for (const v of views) {
      const scale = this.engine.getViewport(v)?.getCamera().parallelScale;
      if (scale !== undefined) zoom[v] = scale;
    }
    const voi = (first.getProperties() as { voiRange?: VoiRange }).voiRange;
    return captureViewState(this.shown.volume.geometry, first.getCamera().focalPoint as Vec3, zoom, voi);
  }

  setTools(settings: ToolSettings): void {
    this.tools = settings;
    this.applyTools();
  }

  setClasses(classes: ClassDef[], activeClass: number | null): void {
    this.classes = classes;
    this.activeClass = activeClass;
    this.applyClasses();
  }

  /**
   * The store changed label voxels (undo, redo, import): cornerstone reads our buffer, it only needs a redraw.
   * `kSlices` limits the texture update to those k-slices (a stroke's); without it all are sent again, which at
   * 600 slices of 512² holds the page for most of a second.
   */
  labelsChanged(kSlices?: readonly number[]): void {
    if (!this.shown) return;
    if (kSlices && kSlices.length === 0) return;
    segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(this.shown.reg.segmentationId, kSlices ? [...kSlices] : undefined);
    this.engine.render();
  }

  /** Moves a view to slice `index` of its voxel axis, keeping the in-plane position. */
  jumpToSlice(view: ViewName, index: number): void {
    const vp = this.engine.getViewport(view);
    const pose = poseOf(vp?.getCamera());
    if (!vp || !pose || !this.shown) return;
    this.moveCamera(view, vp, cameraOnSlice(this.shown.volume.geometry, pose, index));
    vp.render();
    this.reportSlice(view);
  }

  /**
   * Shows the views in the voxel grid (planes of constant k, i, j) or in the patient axes. Each view keeps the
   * depth of its old centre where it can, then sits on a slice centre.
   */
  setViewFrame(frame: ViewFrame): void {
    if (frame === this.viewFrame) return;
    this.viewFrame = frame;
    if (!this.shown?.ready || this.shown.mode !== '3d') return;
    const focus = (this.engine.getViewport('axial')?.getCamera().focalPoint ?? null) as Vec3 | null;
    this.applyViewFrame();
    if (focus) this.moveAllThrough(focus);
    this.snapAll();
    this.engine.render();
  }

  /** Shows slice `index` of voxel axis `axis` in the view that slices along that axis. */
  jumpToVoxelSlice(axis: VoxelAxis, index: number): void {
    if (!this.shown) return;
    const view = viewsFor(this.shown.mode).find((v) => this.sliceInfo(v)?.axis === axis);
    if (view) this.jumpToSlice(view, index);
  }

  /** Steps a view by `delta` slices (keyboard scrolling). */
  scroll(view: ViewName, delta: number): void {
    const info = this.sliceInfo(view);
    if (info) this.jumpToSlice(view, info.index + delta);
  }

  resetView(): void {
    if (!this.shown) return;
    if (this.shown.mode === '3d') this.applyViewFrame();
    else this.engine.getViewport('single')?.resetCamera();
    this.snapAll();
    this.engine.render();
    this.reportSlices();
  }

  resize(): void {
    this.engine.resize(true, true);
  }

  lastActiveView(): ViewName {
    return this.shown?.mode === '2d' ? 'single' : this.lastHoverView;
  }

  sliceInfo(view: ViewName): SliceInfo | null {
    const cam = this.engine.getViewport(view)?.getCamera();
    if (!cam?.viewPlaneNormal || !cam.focalPoint || !this.shown) return null;
    return sliceInfoOf(this.shown.volume.geometry, view, this.shown.mode, this.viewFrame, cam.focalPoint as Vec3, cam.viewPlaneNormal as Vec3);
  }

  dispose(): void {
    this.hide();
    this.stopListening();
    this.voiSync?.destroy();
    // Tool groups outlive controllers; drop our viewports so a successor starts clean.
    this.ortho.removeViewports(this.engineId);
    this.single.removeViewports(this.engineId);
    this.engine.destroy();
  }

  // ——— internals ———

  /** Sets a camera move we computed; the view's own camera event then must not snap it again. */
  private moveCamera(view: ViewName, vp: Types.IViewport, move: CameraMove): void {
    this.snapping.add(view);
    try {
      vp.setCamera({ focalPoint: move.focalPoint, position: move.position });
    } finally {
      this.snapping.delete(view);
    }
  }

  private hide(): void {
    this.strokes.releaseHeldViews();
    if (!this.shown) return;
    this.modelOverlays?.dispose();
    this.modelOverlays = null;
    const { reg, mode } = this.shown;
    for (const id of viewsFor(mode)) {
      try {
        segmentation.removeSegmentationRepresentations(id, { segmentationId: reg.segmentationId });
      } catch {
        // The viewport may already have dropped it.
      }
    }
    unregisterVolume(reg);
    this.shown = null;
  }

  private enableViewports(mode: ViewMode): void {
    if (this.enabledMode === mode) return;
    enableViewports(this.engine, this.elements, mode, mode === '3d' ? this.ortho : this.single);
    if (mode === '3d') this.voiSync ??= createWindowSync(this.engineId);
    this.enabledMode = mode;
  }

  /** Tool modes and label styles each redraw the views when set: one more render would draw every view twice. */
  private applyTools(): void {
    if (!this.tools || !this.shown?.ready) return;
    const changed = toolChanges(this.appliedTools, this.tools);
    this.appliedTools = this.tools;
    if (changed.bindings) applyToolSettings(this.shown.mode === '3d' ? this.ortho : this.single, this.tools, this.shown.mode === '3d');
    if (!changed.style) return;
    const active = this.lastActiveView();
    drawActiveViewFirst(this.engine, viewsFor(this.shown.mode), active);
    applyLabelmapStyle(this.shown.reg.segmentationId, viewsFor(this.shown.mode), this.tools);
    restyleViewNow(active);
  }

  private applyClasses(): void {
    if (!this.shown?.ready) return;
    applyClassColours(this.shown.reg.segmentationId, viewsFor(this.shown.mode), this.classes, this.activeClass);
    this.modelOverlays?.setClasses(this.classes);
    this.engine.render();
  }

  private applyViewFrame(): void {
    if (this.shown?.mode === '3d') orientViews(this.engine, viewPlanes(this.shown.volume.geometry, this.viewFrame));
  }

  /** Moves every view along its normal so its plane passes through `world`. */
  private moveAllThrough(world: Vec3): void {
    if (!this.shown) return;
    for (const v of viewsFor(this.shown.mode)) {
      const vp = this.engine.getViewport(v);
      const pose = poseOf(vp?.getCamera());
      if (vp && pose) vp.setCamera(cameraThrough(pose, world));
    }
  }

  /** Moves a grid view that lies between two slices onto the nearest slice centre. */
  private snapToSliceCentre(view: ViewName): void {
    if (!this.shown || this.snapping.has(view)) return;
    const cam = this.engine.getViewport(view)?.getCamera();
    if (!cam?.viewPlaneNormal || !cam.focalPoint) return;
    const index = sliceToSnapTo(this.shown.volume.geometry, cam.focalPoint as Vec3, cam.viewPlaneNormal as Vec3);
    if (index !== null) this.jumpToSlice(view, index);
  }

  private snapAll(): void {
    if (!this.shown) return;
    for (const v of viewsFor(this.shown.mode)) this.snapToSliceCentre(v);
  }

  private restoreView(state: ViewState): void {
    if (!this.shown) return;
    for (const v of viewsFor(this.shown.mode)) {
      const vp = this.engine.getViewport(v);
      if (!vp) continue;
      const scale = state.zoom[v];
      if (scale !== undefined) vp.setCamera({ parallelScale: scale });
      const info = this.sliceInfo(v);
      if (info) this.jumpToSlice(v, restoredView(state, v, info.axis).index);
    }
  }

  private reportSlice(view: ViewName): void {
    const info = this.sliceInfo(view);
    if (info) this.callbacks.onSlice(info);
  }

  private reportSlices(): void {
    if (!this.shown) return;
    for (const v of viewsFor(this.shown.mode)) this.reportSlice(v);
  }

  private hover(view: ViewName, ev: MouseEvent): void {
    const vp = this.engine.getViewport(view);
    if (!vp || !this.shown) return;
    const rect = this.elements[view].getBoundingClientRect();
    const world = vp.canvasToWorld([ev.clientX - rect.left, ev.clientY - rect.top]) as Vec3;
    const { volume, labels } = this.shown;
    this.callbacks.onHover({ view, ...sampleAt(volume.geometry, volume.channels, volume.voxels, labels.voxels, world) });
  }

  private listen(): () => void {
    return listenToViews(this.elements, {
      activate: (view) => {
        this.lastHoverView = view;
      },
      press: (view, ev) => this.strokes.press(view, ev),
      blocksMouseDown: (view, ev) => this.strokes.blocksMouseDown(view, ev),
      hover: (view, ev) => this.hover(view, ev),
      leave: () => this.callbacks.onHover(null),
      cameraModified: (view) => {
        if (this.shown?.ready && this.shown.mode === '3d') this.snapToSliceCentre(view);
        this.reportSlice(view);
      },
      windowModified: (view, window) => {
        if (view === this.lastActiveView()) this.callbacks.onWindow(window);
      },
      release: () => this.strokes.release(),
      labelsModified: () => this.strokes.labelsModified(this.lastHoverView),
    });
  }
}
