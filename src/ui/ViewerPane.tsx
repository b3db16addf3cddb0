import { useEffect, useRef } from 'react';
import { appStore, useApp } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { slicesTouched } from '../volume/labels.ts';
import { strayStrokeWarning, strokeSlices } from '../viewer/strokes.ts';
import { ViewerController, type ViewName } from '../viewer/ViewerController.ts';
import { SliceScroller } from './SliceScroller.tsx';
import { useModelLayers } from './useModelLayers.ts';
import { toggleViewFrame, useViewerUi } from './viewerState.ts';

const TITLES: Record<ViewName, string> = { axial: 'Axial', coronal: 'Coronal', sagittal: 'Sagittal', single: 'Image' };
const AXIS_NAMES = ['i', 'j', 'k'] as const;

/** Views follow the volume's slice grid or the patient axes; the shortcut is G. */
function ViewFrameToggle() {
  const frame = useViewerUi((s) => s.viewFrame);
  const grid = frame === 'grid';
  return (
    <button
      type="button"
      className="view-frame-toggle"
      data-testid="view-frame-toggle"
      data-frame={frame}
      aria-pressed={!grid}
      onClick={toggleViewFrame}
      title={
        grid
          ? 'Views: acquisition grid. Each view shows whole slices of the volume, so strokes stay in the slice you see. Click for patient axes (G)'
          : 'Views: patient axes. On an oblique volume these cut across slices and painting is off. Click for the acquisition grid (G)'
      }
      style={{ marginLeft: 'auto', font: 'inherit', padding: '0 6px', cursor: 'pointer' }}
    >
      Views: {grid ? 'acquisition grid' : 'patient axes'}
    </button>
  );
}

function ViewportFrame({ view, mode, elRef }: { view: ViewName; mode: '2d' | '3d' | null; elRef: React.RefObject<HTMLDivElement | null> }) {
  const visible = view === 'single' ? mode === '2d' : mode === '3d';
  const slice = useViewerUi((s) => s.slices[view]);
  const active = useViewerUi((s) => s.activeView === view);
  const entry = useApp(activeEntry);
  // A view across the grid shows parts of several slices: no one slice's mark applies to it.
  const aligned = slice?.aligned ?? true;
  const labeled = entry && slice && aligned ? entry.labels.slices[slice.axis][slice.index] !== 0 : false;
  const title = slice?.looksLike ? TITLES[slice.looksLike] : TITLES[view];
  // A 2D image's single view answers to the axial hook, so journeys need not know the image's dimensionality.
  const testId = visible ? (view === 'single' ? 'viewport-axial' : `viewport-${view}`) : `viewport-${view}-inactive`;
  return (
    <div className={`viewport-frame view-${view}${visible ? '' : ' hidden'}${active ? ' focused' : ''}`}>
      <div className="viewport-header">
        <span className="viewport-title" data-testid={`view-title-${view}`}>
          {title}
        </span>
        {slice && slice.count > 1 && (
          <span
            className="viewport-slice"
            data-testid={`slice-index-${view}`}
            data-aligned={aligned ? 'true' : 'false'}
            title={
              aligned
                ? `Slice ${slice.index + 1} of ${slice.count} along the volume's ${AXIS_NAMES[slice.axis]} axis`
                : `This view cuts across the volume's slices; nearest ${AXIS_NAMES[slice.axis]}-slice at its centre`
            }
          >
            {aligned ? '' : '≈ '}
            {slice.index + 1} / {slice.count}
          </span>
        )}
        {labeled && (
          <span className="badge" title="This slice is labeled: ground truth for training">
            labeled
          </span>
        )}
        {!aligned && visible && (
          <span
            className="badge"
            data-testid={`oblique-${view}`}
            title="Painting is off in this view: it cuts across the volume's slice grid. Switch Views to acquisition grid (G)."
          >
            across slices: no painting
          </span>
        )}
        {view === 'axial' && mode === '3d' && <ViewFrameToggle />}
      </div>
      <div className="viewport-body">
        <div ref={elRef} className="viewport" data-testid={testId} onPointerEnter={() => useViewerUi.setState({ activeView: view })} />
        {visible && <SliceScroller view={view} />}
      </div>
    </div>
  );
}

/** Mounts cornerstone3D through ViewerController and keeps it in step with the store. */
export function ViewerPane() {
  const axial = useRef<HTMLDivElement>(null);
  const coronal = useRef<HTMLDivElement>(null);
  const sagittal = useRef<HTMLDivElement>(null);
  const single = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const controller = useViewerUi((s) => s.controller);
  const failure = useViewerUi((s) => s.failure);
  const entry = useApp(activeEntry);
  const tools = useApp((s) => s.tools);
  const classes = useApp((s) => s.classes);
  const activeClass = useApp((s) => s.activeClassValue);
  const shownId = useRef<string | null>(null);
  /** The label version the last stroke produced, with its k-slices, so the redraw after it stays small. */
  const strokeRedraw = useRef<{ volumeId: string; version: number; kSlices: number[] } | null>(null);
  const mode = entry ? (entry.volume.geometry.dims[2] > 1 ? '3d' : '2d') : null;

  useEffect(() => {
    let disposed = false;
    let created: ViewerController | null = null;
    ViewerController.create(
      { axial: axial.current!, coronal: coronal.current!, sagittal: sagittal.current!, single: single.current! },
      {
        onStroke: (volumeId, axis, shownIndex, written) => {
          const s = appStore.getState();
          const edit = s.commitStroke(volumeId, axis, written);
          const dims = s.volumes[volumeId]?.labels.dims;
          const version = appStore.getState().volumes[volumeId]?.labelsVersion;
          if (edit && dims && version !== undefined) strokeRedraw.current = { volumeId, version, kSlices: slicesTouched(dims, edit.indices, 2) };
          if (!edit || !dims || shownIndex === null) return;
          // Strokes are refused where they could spread; if one still left the slice on screen, say so plainly
          // rather than let fragments turn other slices into background.
          const warning = strayStrokeWarning(strokeSlices(dims, edit.indices, axis, shownIndex).slices, shownIndex);
          if (warning) s.pushMessage({ severity: 'warning', subject: 'Painting', text: warning });
        },
        onHover: (hover) => useViewerUi.setState({ hover }),
        onSlice: (info) => useViewerUi.setState((s) => ({ slices: { ...s.slices, [info.view]: info } })),
        onWindow: (window) => useViewerUi.setState({ window }),
        onRefused: (text) => {
          // One notice at a time: each refused press would otherwise stack another copy.
          const s = appStore.getState();
          if (!s.messages.some((m) => m.text === text)) s.pushMessage({ severity: 'warning', subject: 'Painting', text });
        },
      },
    )
      .then((c) => {
        if (disposed) return c.dispose();
        created = c;
        useViewerUi.setState({ controller: c, ready: true });
      })
      .catch((e: unknown) => {
        const text = `The image viewer could not start (${(e as Error).message}). This browser may lack WebGL2.`;
        useViewerUi.setState({ failure: text });
        appStore.getState().pushMessage({ severity: 'error', subject: 'Viewer', text });
      });
    return () => {
      disposed = true;
      created?.dispose();
      useViewerUi.setState({ controller: null, ready: false });
    };
  }, []);

  // Show the active volume; remember the view of the one we leave.
  useEffect(() => {
    if (!controller) return;
    const prev = shownId.current;
    if (prev && prev !== entry?.volume.id) {
      const view = controller.captureView();
      if (view) appStore.getState().setViewState(prev, view);
    }
    if (!entry) return;
    shownId.current = entry.volume.id;
    useViewerUi.setState({ slices: {}, hover: null, activeView: mode === '2d' ? 'single' : 'axial' });
    controller.show(entry.volume, entry.labels, entry.view).catch((e: unknown) => {
      console.error('show failed', e);
      appStore.getState().pushMessage({ severity: 'error', subject: entry.volume.name, text: `Could not display this volume: ${(e as Error).message}` });
    });
    // Only a different volume (or different label buffer) needs a new show; label edits arrive below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [controller, entry?.volume.id, entry?.labels]);

  const labelsVersion = entry?.labelsVersion;
  useEffect(() => {
    // A stroke is already drawn: only its k-slices need sending to the labelmap texture again.
    const stroke = strokeRedraw.current;
    strokeRedraw.current = null;
    const own = stroke && stroke.volumeId === entry?.volume.id && stroke.version === labelsVersion;
    controller?.labelsChanged(own ? stroke.kSlices : undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [controller, labelsVersion]);

  // The model predicts k-slices: the slice on screen along k is what it should predict first.
  const slicesNow = useViewerUi((s) => s.slices);
  useEffect(() => {
    if (!entry) return;
    const kView = Object.values(slicesNow).find((info) => info?.axis === 2);
    if (kView) appStore.getState().setFocus(entry.volume.id, kView.index);
  }, [entry?.volume.id, slicesNow]);

  useModelLayers(controller, entry?.volume.id);

  const viewFrame = useViewerUi((s) => s.viewFrame);
  useEffect(() => controller?.setViewFrame(viewFrame), [controller, viewFrame]);

  useEffect(() => controller?.setTools(tools), [controller, tools]);
  useEffect(() => controller?.setClasses(classes, activeClass), [controller, classes, activeClass]);

  useEffect(() => {
    if (!controller || !grid.current) return;
    const ro = new ResizeObserver(() => controller.resize());
    ro.observe(grid.current);
    return () => ro.disconnect();
  }, [controller]);

  // Keep the saved view current so a reload returns to the same slice.
  const slices = useViewerUi((s) => s.slices);
  useEffect(() => {
    if (!controller || !entry) return;
    const t = setTimeout(() => {
      const view = controller.captureView();
      if (view && controller.volumeId === entry.volume.id) appStore.getState().setViewState(entry.volume.id, view);
    }, 1500);
    return () => clearTimeout(t);
  }, [controller, entry?.volume.id, slices]);

  return (
    <div
      ref={grid}
      className={`viewer-grid ${mode === '2d' ? 'one' : 'three'}`}
      data-testid="viewer"
      data-ready={controller ? 'true' : 'false'}
      data-volume-id={entry?.volume.id ?? ''}
    >
      <ViewportFrame view="axial" mode={mode} elRef={axial} />
      <ViewportFrame view="coronal" mode={mode} elRef={coronal} />
      <ViewportFrame view="sagittal" mode={mode} elRef={sagittal} />
      <ViewportFrame view="single" mode={mode} elRef={single} />
      {!entry && <div className="viewer-empty">Open files or drop a folder to start.</div>}
      {failure && <div className="viewer-empty error">{failure}</div>}
    </div>
  );
}
