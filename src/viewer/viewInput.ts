import { Enums as CoreEnums, eventTarget } from '@cornerstonejs/core';
import { Enums as ToolEnums } from '@cornerstonejs/tools';
import { ORTHO_VIEWS, type ViewerElements, type ViewName } from './viewTypes.ts';

/** What the controller does with the pointer, camera and window events of its views. */
export interface ViewInputHandlers {
  /** A press in `view` (capture phase, before cornerstone's tools see it). */
  press(view: ViewName, ev: PointerEvent): void;
  /** True when a mousedown in `view` must not reach cornerstone (a refused labeling press). */
  blocksMouseDown(view: ViewName, ev: MouseEvent): boolean;
  /** The pointer moved over `view`; called at most once per animation frame. */
  hover(view: ViewName, ev: MouseEvent): void;
  /** The pointer entered `view` or pressed in it: the view the keyboard and window events follow. */
  activate(view: ViewName): void;
  leave(): void;
  cameraModified(view: ViewName): void;
  windowModified(view: ViewName, window: [number, number]): void;
  /** Any pointer went up anywhere in the document. */
  release(): void;
  /** cornerstone changed label data (fill on a click ends here without a drag). */
  labelsModified(): void;
}

/** Listens to the views' elements and cornerstone's events; returns the function that stops listening. */
export function listenToViews(elements: ViewerElements, h: ViewInputHandlers): () => void {
  const cleanups: (() => void)[] = [];
  const on = <E extends Event>(target: EventTarget, type: string, fn: (e: E) => void, capture = false): void => {
    target.addEventListener(type, fn as EventListener, capture);
    cleanups.push(() => target.removeEventListener(type, fn as EventListener, capture));
  };
  let hoverFrame = 0;
  for (const view of [...ORTHO_VIEWS, 'single'] as ViewName[]) {
    const el = elements[view];
    on<PointerEvent>(
      el,
      'pointerdown',
      (ev) => {
        h.activate(view);
        h.press(view, ev);
      },
      true,
    );
    // The belt to the braces of `press`: cornerstone's tools start on mousedown.
    on<MouseEvent>(
      el,
      'mousedown',
      (ev) => {
        if (!h.blocksMouseDown(view, ev)) return;
        ev.preventDefault();
        ev.stopImmediatePropagation();
      },
      true,
    );
    on<MouseEvent>(el, 'mousemove', (ev) => {
      h.activate(view);
      cancelAnimationFrame(hoverFrame);
      hoverFrame = requestAnimationFrame(() => h.hover(view, ev));
    });
    on(el, 'mouseleave', () => h.leave());
    on(el, 'contextmenu', (ev) => ev.preventDefault());
    on(el, CoreEnums.Events.CAMERA_MODIFIED, () => h.cameraModified(view));
    on<CustomEvent<{ range?: { lower: number; upper: number } }>>(el, CoreEnums.Events.VOI_MODIFIED, (e) => {
      const range = e.detail.range;
      if (range) h.windowModified(view, [range.lower, range.upper]);
    });
  }
  on(document, 'pointerup', () => h.release(), true);
  on(eventTarget, ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, () => h.labelsModified());
  cleanups.push(() => cancelAnimationFrame(hoverFrame));
  return () => {
    for (const c of cleanups) c();
    cleanups.length = 0;
  };
}
