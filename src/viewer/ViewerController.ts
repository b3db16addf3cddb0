import {
  cache,
  Enums as CoreEnums,
  eventTarget,
  getRenderingCapabilities,
  init as initCore,
  RenderingEngine,
  setVolumesForViewports,
  type Types,
} from '@cornerstonejs/core';
import {
  Enums as ToolEnums,
  init as initTools,
  segmentation,
  synchronizers,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { ToolSettings, ViewState } from '../store/types.ts';
import type { ClassDef } from '../volume/classes.ts';
import { invert, normalize, transformPoint, type Vec3, type VoxelAxis } from '../volume/geometry.ts';
import type { LabelMap, VoxelBox } from '../volume/labels.ts';
import { percentileWindow, type Volume } from '../volume/Volume.ts';
import { gridViews, refusalMessage, shiftToSlice, sliceAxisOf, slicesCrossed, SNAP_TOLERANCE_SLICES, viewPlanes, viewSlice, type OrthoView, type ViewFrame } from './gridViews.ts';
import { takeWrittenBox, type SliceWriteRecord } from './labelWrites.ts';
import { ModelOverlays, type ModelLayerSources, type ModelLayerView } from './ModelOverlays.ts';
import { installMetadataProvider } from './metadataProvider.ts';
import { chooseRenderScale, scaleDevicePixelRatio, storedRenderScale } from './renderScale.ts';
import { registerVolume, unregisterVolume, type RegisteredVolume } from './registerVolume.ts';
import { addAllTools, applyToolSettings, createToolGroup, LABELING_TOOLS } from './tools.ts';

export type ViewName = 'axial' | 'coronal' | 'sagittal' | 'single';
export const ORTHO_VIEWS = ['axial', 'coronal', 'sagittal'] as const;

export type ViewerElements = Record<ViewName, HTMLDivElement>;

export interface HoverInfo {
  view: ViewName;
  voxel: Vec3;
  /** Intensity (grey) or [r, g, b]; null outside the volume. */
  value: number[] | null;
  label: number | null;
}

export interface SliceInfo {
  view: ViewName;
  axis: VoxelAxis;
  index: number;
  count: number;
  /**
   * False when the view cuts across the voxel grid (patient axes on an oblique volume): `index` is then only the
   * nearest slice at the view's centre, and painting there is refused.
   */
  aligned: boolean;
  /** The patient plane the view is closest to (its title); null for a 2D image. */
  looksLike: OrthoView | null;
}

export interface ViewerCallbacks {
  /**
   * A labeling gesture ended in `axis`'s slice stack: commit what the tools wrote. `written` bounds those writes
   * (null: none; undefined: unknown, diff everything).
   */
  onStroke: (volumeId: string, axis: VoxelAxis, shownIndex: number | null, written: VoxelBox | null | undefined) => void;
  onHover: (info: HoverInfo | null) => void;
  onSlice: (info: SliceInfo) => void;
  onWindow: (window: [number, number]) => void;
  /** A labeling gesture was refused (the view cuts across the voxel grid); `message` says how to paint. */
  onRefused: (message: string) => void;
}

let engineCount = 0;
const ORTHO_GROUP = 'pseudolab-ortho';
const SINGLE_GROUP = 'pseudolab-single';

let initPromise: Promise<void> | null = null;

/** cornerstone3D needs one global init; a second React mount must not repeat it. */
function ensureCornerstone(): Promise<void> {
  initPromise ??= (async () => {
    await initCore();
    // Before any canvas is sized: without a GPU, fewer canvas pixels keep brush moves and slice changes quick.
    scaleDevicePixelRatio(window, chooseRenderScale(getRenderingCapabilities().softwareRasterizer, storedRenderScale()));
    initTools();
    addAllTools();
    installMetadataProvider();
  })();
  return initPromise;
}

/**
 * Owns the rendering engine, viewports and tool groups: everything cornerstone3D holds for the volume on screen.
 * It knows nothing of the store; the UI passes state in and receives gestures through callbacks.
 */
export class ViewerController {
  private engine: RenderingEngine;
  /** One id per controller: React may mount twice, and a late dispose must not destroy its successor's engine. */
  private readonly engineId = `pseudolab-engine-${++engineCount}`;
  private ortho: ToolTypes.IToolGroup;
  private single: ToolTypes.IToolGroup;
  private shown: { volume: Volume; labels: LabelMap; reg: RegisteredVolume; mode: '2d' | '3d'; ready: boolean } | null = null;
  private enabledMode: '2d' | '3d' | null = null;
  private voiSync: ReturnType<typeof synchronizers.createVOISynchronizer> | null = null;
  /** Volumes being loaded into the views; the window synchronizer waits until none is. */
  private voiSyncHolds = 0;
  private strokeView: ViewName | null = null;
  private pointerDown = false;
  private lastHoverView: ViewName = 'axial';
  private tools: ToolSettings | null = null;
  private classes: ClassDef[] = [];
  private activeClass: number | null = null;
  private cleanups: (() => void)[] = [];
  /** The model's layers over the volume on screen, and what was last asked of them (drawn once it is ready). */
  private modelOverlays: ModelOverlays | null = null;
  private modelRequest: { volumeId: string; sources: ModelLayerSources | null; view: ModelLayerView } | null = null;
  private hoverFrame = 0;
  private showSeq = 0;
  private viewFrame: ViewFrame = 'grid';
  /** Views being moved onto a slice centre by us, so their own camera event does not snap them again. */
  private snapping = new Set<ViewName>();
  /** Views whose drawing waits for the stroke to end, with whether a draw was asked for meanwhile. */
  private held = new Map<ViewName, { owed: boolean }>();

  private constructor(
    private readonly elements: ViewerElements,
    private readonly callbacks: ViewerCallbacks,
  ) {
    this.engine = new RenderingEngine(this.engineId);
    this.ortho = createToolGroup(ORTHO_GROUP, true);
    this.single = createToolGroup(SINGLE_GROUP, false);
    this.listen();
  }

  static async create(elements: ViewerElements, callbacks: ViewerCallbacks): Promise<ViewerController> {
    await ensureCornerstone();
    return new ViewerController(elements, callbacks);
  }

  get volumeId(): string | null {
    return this.shown?.volume.id ?? null;
  }

  viewsFor(mode: '2d' | '3d'): ViewName[] {
    return mode === '2d' ? ['single'] : [...ORTHO_VIEWS];
  }

  /** Shows a volume with its labels, restoring a saved view state when given. */
  async show(volume: Volume, labels: LabelMap, view: ViewState | null): Promise<void> {
    const seq = ++this.showSeq;
    if (this.shown?.volume.id === volume.id && this.shown.labels === labels) return;
    this.hide();
    const mode = volume.geometry.dims[2] > 1 ? '3d' : '2d';
    this.enableViewports(mode);
    const window = view?.window ?? percentileWindow(volume.voxels);
    const reg = registerVolume(volume, labels, window);
    // Styling waits for `ready`: colours and styles need the labelmap representation to exist first.
    this.shown = { volume, labels, reg, mode, ready: false };
    // The first view to get the volume announces its window, and the synchronizer would push it into views that
    // have no volume yet (a TypeError in cornerstone on every open): each view gets the window below instead.
    this.voiSyncHolds++;
    this.voiSync?.setEnabled(false);
    try {
      if (mode === '3d') {
        await setVolumesForViewports(this.engine, [{ volumeId: reg.csVolumeId! }], this.viewportIds('3d'));
      } else {
        const vp = this.engine.getViewport('single') as Types.IStackViewport;
        await vp.setStack(reg.imageIds, 0);
      }
    } finally {
      if (--this.voiSyncHolds === 0) this.voiSync?.setEnabled(true);
    }
    if (seq !== this.showSeq) return;
    await segmentation.addLabelmapRepresentationToViewportMap(
      Object.fromEntries(this.viewportIds(mode).map((id) => [id, [{ segmentationId: reg.segmentationId }]])),
    );
    this.shown.ready = true;
    for (const id of this.viewportIds(mode)) {
      segmentation.activeSegmentation.setActiveSegmentation(id, reg.segmentationId);
      const vp = this.engine.getViewport(id) as Types.IVolumeViewport | Types.IStackViewport;
      if (volume.channels === 1) vp.setProperties({ voiRange: { lower: window[0], upper: window[1] } });
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
      this.modelOverlays = new ModelOverlays(this.shown.volume, this.shown.reg, this.viewportIds(this.shown.mode));
      this.modelOverlays.setClasses(this.classes);
    }
    await this.modelOverlays.update(sources, view);
    this.engine.render();
  }

  /** Records what the user sees, to restore it when they come back to this volume. */
  captureView(): ViewState | null {
    if (!this.shown) return null;
    const views = this.viewsFor(this.shown.mode);
    const first = this.engine.getViewport(views[0]!) as Types.IVolumeViewport | undefined;
    if (!first) return null;
    const focus = this.worldToVoxel(first.getCamera().focalPoint as Vec3).map(Math.round) as Vec3;
    const zoom: Record<string, number> = {};
    for (const v of views) {
      const scale = this.engine.getViewport(v)?.getCamera().parallelScale;
      if (scale !== undefined) zoom[v] = scale;
    }
    const voi = (first.getProperties() as { voiRange?: { lower: number; upper: number } }).voiRange;
    return { focusVoxel: focus, window: voi ? [voi.lower, voi.upper] : null, zoom };
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
    if (!vp || !this.shown) return;
    const g = this.shown.volume.geometry;
    const cam = vp.getCamera();
    const normal = normalize(cam.viewPlaneNormal as Vec3);
    const axis = sliceAxisOf(g, normal);
    const target = Math.max(0, Math.min(g.dims[axis] - 1, index));
    const along = shiftToSlice(g, cam.focalPoint as Vec3, normal, axis, target);
    const shift = (p: Types.Point3): Types.Point3 => [p[0] + normal[0] * along, p[1] + normal[1] * along, p[2] + normal[2] * along];
    this.snapping.add(view);
    try {
      vp.setCamera({ focalPoint: shift(cam.focalPoint!), position: shift(cam.position!) });
    } finally {
      this.snapping.delete(view);
    }
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

  get frame(): ViewFrame {
    return this.viewFrame;
  }

  /** Shows slice `index` of voxel axis `axis` in the view that slices along that axis. */
  jumpToVoxelSlice(axis: VoxelAxis, index: number): void {
    if (!this.shown) return;
    for (const v of this.viewsFor(this.shown.mode)) {
      if (this.sliceInfo(v)?.axis === axis) {
        this.jumpToSlice(v, index);
        return;
      }
    }
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
    const vp = this.engine.getViewport(view);
    if (!vp || !this.shown) return null;
    const g = this.shown.volume.geometry;
    const cam = vp.getCamera();
    if (!cam.viewPlaneNormal || !cam.focalPoint) return null;
    const s = viewSlice(g, cam.focalPoint as Vec3, cam.viewPlaneNormal as Vec3);
    const looksLike = this.shown.mode === '3d' ? gridViews(g)[view as OrthoView] : null;
    return {
      view,
      axis: s.axis,
      index: s.index,
      count: s.count,
      aligned: s.aligned,
      looksLike: looksLike ? (this.viewFrame === 'grid' && s.aligned ? looksLike.looksLike : (view as OrthoView)) : null,
    };
  }

  dispose(): void {
    this.hide();
    for (const c of this.cleanups) c();
    this.cleanups = [];
    cancelAnimationFrame(this.hoverFrame);
    this.voiSync?.destroy();
    // Tool groups outlive controllers; drop our viewports so a successor starts clean.
    this.ortho.removeViewports(this.engineId);
    this.single.removeViewports(this.engineId);
    this.engine.destroy();
  }

  // ——— internals ———

  private viewportIds(mode: '2d' | '3d'): string[] {
    return this.viewsFor(mode);
  }

  /**
   * Each brush move redraws every view that shows the labels; without a GPU (SwiftShader) drawing three
   * viewports is most of a move's latency, and the other two show at most a line of the stroke. While a
   * stroke lasts they keep their last picture and draw once when it ends.
   */
  private holdOtherViews(painting: ViewName): void {
    if (!this.shown || this.shown.mode !== '3d') return;
    for (const v of this.viewsFor(this.shown.mode)) {
      if (v === painting || this.held.has(v)) continue;
      const vp = this.engine.getViewport(v) as (Types.IViewport & { render: () => void }) | undefined;
      if (!vp) continue;
      const state = { owed: false };
      this.held.set(v, state);
      // An own property shadows the viewport's render until releaseHeldViews deletes it.
      vp.render = () => {
        state.owed = true;
      };
    }
  }

  private releaseHeldViews(): void {
    for (const [v, state] of this.held) {
      const vp = this.engine.getViewport(v) as unknown as { render?: () => void } | undefined;
      if (!vp) continue;
      Reflect.deleteProperty(vp, 'render');
      if (state.owed) vp.render?.();
    }
    this.held.clear();
  }

  private hide(): void {
    this.releaseHeldViews();
    if (!this.shown) return;
    this.modelOverlays?.dispose();
    this.modelOverlays = null;
    const { reg, mode } = this.shown;
    for (const id of this.viewportIds(mode)) {
      try {
        segmentation.removeSegmentationRepresentations(id, { segmentationId: reg.segmentationId });
      } catch {
        // The viewport may already have dropped it.
      }
    }
    unregisterVolume(reg);
    this.shown = null;
  }

  private enableViewports(mode: '2d' | '3d'): void {
    if (this.enabledMode === mode) return;
    for (const id of this.viewportIds(mode === '2d' ? '3d' : '2d')) {
      if (this.engine.getViewport(id)) this.engine.disableElement(id);
    }
    const inputs: Types.PublicViewportInput[] =
      mode === '3d'
        ? ORTHO_VIEWS.map((v) => ({
            viewportId: v,
            type: CoreEnums.ViewportType.ORTHOGRAPHIC,
            element: this.elements[v],
            // No named orientation: cornerstone would restore it on every camera reset, undoing the grid views
            // that applyViewFrame sets once the volume is known.
            defaultOptions: { background: [0, 0, 0] as Types.Point3 },
          }))
        : [
            {
              viewportId: 'single',
              type: CoreEnums.ViewportType.STACK,
              element: this.elements.single,
              defaultOptions: { background: [0, 0, 0] as Types.Point3 },
            },
          ];
    for (const input of inputs) this.engine.enableElement(input);
    const group = mode === '3d' ? this.ortho : this.single;
    for (const id of this.viewportIds(mode)) group.addViewport(id, this.engineId);
    if (mode === '3d' && !this.voiSync) {
      this.voiSync = synchronizers.createVOISynchronizer(`${this.engineId}-voi`, { syncInvertState: false, syncColormap: false });
      for (const id of ORTHO_VIEWS) this.voiSync.add({ renderingEngineId: this.engineId, viewportId: id });
    }
    this.enabledMode = mode;
  }

  private applyTools(): void {
    if (!this.tools || !this.shown?.ready) return;
    const group = this.shown.mode === '3d' ? this.ortho : this.single;
    applyToolSettings(group, this.tools, this.shown.mode === '3d');
    const style = {
      renderFill: true,
      fillAlpha: this.tools.labelOpacity,
      fillAlphaInactive: this.tools.labelOpacity,
      renderOutline: this.tools.labelOutline,
      outlineWidth: 1.5,
      outlineOpacity: 1,
    };
    segmentation.config.style.setStyle({ type: ToolEnums.SegmentationRepresentations.Labelmap }, style);
    for (const id of this.viewportIds(this.shown.mode)) {
      segmentation.config.visibility.setSegmentationRepresentationVisibility(
        id,
        { segmentationId: this.shown.reg.segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap },
        this.tools.labelsVisible,
      );
    }
    this.engine.render();
  }

  private applyClasses(): void {
    if (!this.shown?.ready) return;
    const segId = this.shown.reg.segmentationId;
    for (const id of this.viewportIds(this.shown.mode)) {
      for (const c of this.classes) {
        segmentation.config.color.setSegmentIndexColor(id, segId, c.value, [...c.color, 255] as Types.Color);
      }
    }
    this.modelOverlays?.setClasses(this.classes);
    if (this.activeClass !== null) segmentation.segmentIndex.setActiveSegmentIndex(segId, this.activeClass);
    this.engine.render();
  }

  /** Orients the three views for the current frame; each camera is reset to the volume's centre. */
  private applyViewFrame(): void {
    if (!this.shown || this.shown.mode !== '3d') return;
    const planes = viewPlanes(this.shown.volume.geometry, this.viewFrame);
    for (const v of ORTHO_VIEWS) {
      const vp = this.engine.getViewport(v) as Types.IVolumeViewport | undefined;
      const p = planes[v];
      vp?.setOrientation({ viewPlaneNormal: [...p.viewPlaneNormal], viewUp: [...p.viewUp] }, false);
    }
  }

  /** Moves every view along its normal so its plane passes through `world`. */
  private moveAllThrough(world: Vec3): void {
    if (!this.shown) return;
    for (const v of this.viewsFor(this.shown.mode)) {
      const vp = this.engine.getViewport(v);
      if (!vp) continue;
      const cam = vp.getCamera();
      const n = normalize(cam.viewPlaneNormal as Vec3);
      const f = cam.focalPoint as Vec3;
      const along = n[0] * (world[0] - f[0]) + n[1] * (world[1] - f[1]) + n[2] * (world[2] - f[2]);
      const shift = (p: Types.Point3): Types.Point3 => [p[0] + n[0] * along, p[1] + n[1] * along, p[2] + n[2] * along];
      vp.setCamera({ focalPoint: shift(cam.focalPoint!), position: shift(cam.position!) });
    }
  }

  /**
   * A grid view between two slices (a camera reset puts it at the volume's centre, 10.5 of 22; crosshairs put it
   * wherever the click was) would paint into both or neither: move it onto the nearest slice centre.
   */
  private snapToSliceCentre(view: ViewName): void {
    if (!this.shown || this.snapping.has(view)) return;
    const vp = this.engine.getViewport(view);
    const cam = vp?.getCamera();
    if (!cam?.viewPlaneNormal || !cam.focalPoint) return;
    const s = viewSlice(this.shown.volume.geometry, cam.focalPoint as Vec3, cam.viewPlaneNormal as Vec3);
    if (s.aligned && Math.abs(s.position - s.index) > SNAP_TOLERANCE_SLICES) this.jumpToSlice(view, s.index);
  }

  private snapAll(): void {
    if (!this.shown) return;
    for (const v of this.viewsFor(this.shown.mode)) this.snapToSliceCentre(v);
  }

  /** Why a labeling gesture in `view` must not start, or null when it may. */
  private refusal(view: ViewName): string | null {
    if (!this.shown || this.shown.mode !== '3d') return null;
    const cam = this.engine.getViewport(view)?.getCamera();
    if (!cam?.viewPlaneNormal) return null;
    const g = this.shown.volume.geometry;
    const s = viewSlice(g, (cam.focalPoint ?? [0, 0, 0]) as Vec3, cam.viewPlaneNormal as Vec3);
    return s.aligned ? null : refusalMessage(slicesCrossed(g, cam.viewPlaneNormal as Vec3, s.axis));
  }

  private restoreView(view: ViewState): void {
    if (!this.shown) return;
    for (const v of this.viewsFor(this.shown.mode)) {
      const vp = this.engine.getViewport(v);
      if (!vp) continue;
      const scale = view.zoom[v];
      if (scale !== undefined) vp.setCamera({ parallelScale: scale });
      const info = this.sliceInfo(v);
      if (info) this.jumpToSlice(v, view.focusVoxel[info.axis]);
    }
  }

  private worldToVoxel(world: Vec3): Vec3 {
    return transformPoint(invert(this.shown!.volume.geometry.ijkToLps), world);
  }

  private reportSlice(view: ViewName): void {
    const info = this.sliceInfo(view);
    if (info) this.callbacks.onSlice(info);
  }

  private reportSlices(): void {
    if (!this.shown) return;
    for (const v of this.viewsFor(this.shown.mode)) this.reportSlice(v);
  }

  private commitStroke(view: ViewName): void {
    if (!this.shown) return;
    const vp = this.engine.getViewport(view);
    const normal = (vp?.getCamera().viewPlaneNormal ?? [0, 0, 1]) as Vec3;
    const axis = this.shown.mode === '2d' ? 2 : sliceAxisOf(this.shown.volume.geometry, normal);
    const volumeId = this.shown.volume.id;
    const info = this.sliceInfo(view);
    // The slice on screen, so the caller can check the stroke stayed in it.
    const shownIndex = info && info.axis === axis ? info.index : null;
    const reg = this.shown.reg;
    const [width, height] = this.shown.volume.geometry.dims;
    // cornerstone finishes a stroke in its own mouse-up handler; let it run before we read where it wrote.
    setTimeout(() => {
      const start = performance.now();
      const written = this.shown?.reg === reg ? this.takeWritten(reg, width, height) : undefined;
      this.callbacks.onStroke(volumeId, axis, shownIndex, written);
      // The benchmark reads this: the cost of turning a gesture into an undoable edit.
      if (written !== null) performance.measure('pseudolab:commit-stroke', { start, detail: { volumeId } });
    }, 0);
  }

  /**
   * Where the tools wrote since the last commit, from the write records of our label images' voxel managers:
   * the store then diffs that box instead of the whole label buffer.
   */
  private takeWritten(reg: RegisteredVolume, width: number, height: number): VoxelBox | null | undefined {
    const records = reg.labelImageIds.map((id) => cache.getImage(id)?.voxelManager as unknown as SliceWriteRecord | undefined);
    return takeWrittenBox(records, width, height);
  }

  private hover(view: ViewName, ev: MouseEvent): void {
    const vp = this.engine.getViewport(view);
    if (!vp || !this.shown) return;
    const rect = this.elements[view].getBoundingClientRect();
    const world = vp.canvasToWorld([ev.clientX - rect.left, ev.clientY - rect.top]) as Vec3;
    const voxel = this.worldToVoxel(world).map(Math.round) as Vec3;
    const { dims } = this.shown.volume.geometry;
    const inside = voxel.every((c, n) => c >= 0 && c < dims[n]!);
    let value: number[] | null = null;
    let label: number | null = null;
    if (inside) {
      const idx = voxel[0] + dims[0] * (voxel[1] + dims[1] * voxel[2]);
      const ch = this.shown.volume.channels;
      value = Array.from(this.shown.volume.voxels.subarray(idx * ch, idx * ch + ch));
      label = this.shown.labels.voxels[idx] ?? null;
    }
    this.callbacks.onHover({ view, voxel, value, label });
  }

  private listen(): void {
    const on = <K extends keyof HTMLElementEventMap>(
      target: HTMLElement | Document,
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
      capture = false,
    ): void => {
      target.addEventListener(type, fn as EventListener, capture);
      this.cleanups.push(() => target.removeEventListener(type, fn as EventListener, capture));
    };
    for (const view of [...ORTHO_VIEWS, 'single'] as ViewName[]) {
      const el = this.elements[view];
      on(el, 'pointerdown', (ev) => {
        this.pointerDown = true;
        this.lastHoverView = view;
        const labeling = !!this.tools && LABELING_TOOLS.has(this.tools.tool) && ev.button === 0 && !ev.shiftKey;
        const refused = labeling ? this.refusal(view) : null;
        if (refused) {
          // Keep cornerstone's brush from seeing the press: no compatibility mousedown follows a cancelled pointerdown.
          ev.preventDefault();
          ev.stopPropagation();
          this.strokeView = null;
          this.callbacks.onRefused(refused);
          return;
        }
        if (labeling) this.snapToSliceCentre(view);
        this.strokeView = labeling ? view : null;
        if (labeling) this.holdOtherViews(view);
      }, true);
      // The belt to the braces above: cornerstone's tools start on mousedown.
      on(el, 'mousedown', (ev) => {
        if (ev.button !== 0 || ev.shiftKey || !this.tools || !LABELING_TOOLS.has(this.tools.tool) || !this.refusal(view)) return;
        ev.preventDefault();
        ev.stopImmediatePropagation();
      }, true);
      on(el, 'mousemove', (ev) => {
        this.lastHoverView = view;
        cancelAnimationFrame(this.hoverFrame);
        this.hoverFrame = requestAnimationFrame(() => this.hover(view, ev));
      });
      on(el, 'mouseleave', () => this.callbacks.onHover(null));
      on(el, 'contextmenu', (ev) => ev.preventDefault());
      const onCamera = (): void => {
        if (this.shown?.ready && this.shown.mode === '3d') this.snapToSliceCentre(view);
        this.reportSlice(view);
      };
      el.addEventListener(CoreEnums.Events.CAMERA_MODIFIED, onCamera);
      this.cleanups.push(() => el.removeEventListener(CoreEnums.Events.CAMERA_MODIFIED, onCamera));
      const onVoi = (e: Event): void => {
        const range = (e as CustomEvent<{ range?: { lower: number; upper: number } }>).detail.range;
        if (range && view === this.lastActiveView()) this.callbacks.onWindow([range.lower, range.upper]);
      };
      el.addEventListener(CoreEnums.Events.VOI_MODIFIED, onVoi);
      this.cleanups.push(() => el.removeEventListener(CoreEnums.Events.VOI_MODIFIED, onVoi));
    }
    on(document, 'pointerup', () => {
      this.pointerDown = false;
      this.releaseHeldViews();
      if (this.strokeView) this.commitStroke(this.strokeView);
      this.strokeView = null;
    }, true);
    // Tools that edit without a drag (fill on click) still end in a data-modified event.
    const onModified = (): void => {
      if (!this.pointerDown && this.shown) this.commitStroke(this.lastHoverView);
    };
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, onModified);
    this.cleanups.push(() => eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, onModified));
  }
}
