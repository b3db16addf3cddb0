import type { AppStore } from '../store/appStore.ts';
import type { ToolName } from '../store/types.ts';

/** Tools whose drag writes labels (the viewer's LABELING_TOOLS; kept here so this module needs no cornerstone). */
const PAINTING_TOOLS: ReadonlySet<ToolName> = new Set(['brush', 'eraser', 'threshold', 'fill']);

/** Whether a press starts paint: a labeling tool, the primary button without Shift, inside a view. */
export function isPaintingPress(tool: ToolName, button: number, shiftKey: boolean, inView: boolean): boolean {
  return inView && button === 0 && !shiftKey && PAINTING_TOOLS.has(tool);
}

/**
 * Tells `onChange` when the user starts and stops painting on a view. The release is reported two tasks late:
 * the viewer commits the stroke in a task it queues on the same release, and until that commit the paint is on
 * screen but not stored anywhere. Returns the function that stops watching.
 */
export function watchPainting(store: AppStore, onChange: (painting: boolean) => void): () => void {
  let painting = false;
  const down = (e: PointerEvent): void => {
    const inView = e.target instanceof Element && e.target.closest('.viewport') !== null;
    if (!isPaintingPress(store.getState().tools.tool, e.button, e.shiftKey, inView)) return;
    painting = true;
    onChange(true);
  };
  const up = (): void => {
    if (!painting) return;
    painting = false;
    setTimeout(
      () =>
        setTimeout(() => {
          if (!painting) onChange(false);
        }, 0),
      0,
    );
  };
  document.addEventListener('pointerdown', down, true);
  document.addEventListener('pointerup', up, true);
  document.addEventListener('pointercancel', up, true);
  return () => {
    document.removeEventListener('pointerdown', down, true);
    document.removeEventListener('pointerup', up, true);
    document.removeEventListener('pointercancel', up, true);
  };
}
