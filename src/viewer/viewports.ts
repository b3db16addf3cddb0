import { Enums as CoreEnums, getRenderingCapabilities, init as initCore, type RenderingEngine, type Types } from '@cornerstonejs/core';
import { init as initTools, synchronizers, type Types as ToolTypes } from '@cornerstonejs/tools';
import { installMetadataProvider } from './metadataProvider.ts';
import { chooseRenderScale, scaleDevicePixelRatio, storedRenderScale } from './renderScale.ts';
import { addAllTools } from './tools.ts';
import type { OrthoView, ViewPlane } from './gridViews.ts';
import { ORTHO_VIEWS, viewsFor, type ViewerElements, type ViewMode } from './viewTypes.ts';

let initPromise: Promise<void> | null = null;

/** cornerstone3D needs one global init; a second React mount must not repeat it. */
export function ensureCornerstone(): Promise<void> {
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

const BLACK: Types.Point3 = [0, 0, 0];

/**
 * Enables the viewports of `mode` on their elements (disabling the other mode's) and adds them to `group`: three
 * orthographic views for a volume, one stack view for a 2D image.
 */
export function enableViewports(engine: RenderingEngine, elements: ViewerElements, mode: ViewMode, group: ToolTypes.IToolGroup): void {
  for (const id of viewsFor(mode === '2d' ? '3d' : '2d')) {
    if (engine.getViewport(id)) engine.disableElement(id);
  }
  const inputs: Types.PublicViewportInput[] =
    mode === '3d'
      ? ORTHO_VIEWS.map((v) => ({
          viewportId: v,
          type: CoreEnums.ViewportType.ORTHOGRAPHIC,
          element: elements[v],
          // No named orientation: cornerstone would restore it on every camera reset, undoing the grid views
          // that the controller sets once the volume is known.
          defaultOptions: { background: [...BLACK] as Types.Point3 },
        }))
      : [
          {
            viewportId: 'single',
            type: CoreEnums.ViewportType.STACK,
            element: elements.single,
            defaultOptions: { background: [...BLACK] as Types.Point3 },
          },
        ];
  for (const input of inputs) engine.enableElement(input);
  for (const id of viewsFor(mode)) group.addViewport(id, engine.id);
}

/** One window for the three views: a window/level drag in one sets the others. */
export function createWindowSync(engineId: string): ReturnType<typeof synchronizers.createVOISynchronizer> {
  const sync = synchronizers.createVOISynchronizer(`${engineId}-voi`, { syncInvertState: false, syncColormap: false });
  for (const id of ORTHO_VIEWS) sync.add({ renderingEngineId: engineId, viewportId: id });
  return sync;
}

/** Orients the three views on `planes` (grid or patient axes); each camera is reset to the volume's centre. */
export function orientViews(engine: RenderingEngine, planes: Readonly<Record<OrthoView, ViewPlane>>): void {
  for (const v of ORTHO_VIEWS) {
    const vp = engine.getViewport(v) as Types.IVolumeViewport | undefined;
    const p = planes[v];
    vp?.setOrientation({ viewPlaneNormal: [...p.viewPlaneNormal], viewUp: [...p.viewUp] }, false);
  }
}
