import type { LayerName } from '../store/layersSlice.ts';
import type { ToolName } from '../store/types.ts';

/** Every keyboard action, so the help dialog, tooltips and the handler read one table. */
export type Command =
  | { kind: 'tool'; tool: ToolName }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'brushSize'; factor: number }
  | { kind: 'toggleSliceLabeled' }
  | { kind: 'selectClass'; position: number }
  | { kind: 'toggleOutline' }
  | { kind: 'toggleLabels' }
  | { kind: 'opacity'; delta: number }
  | { kind: 'slice'; delta: number }
  | { kind: 'resetView' }
  | { kind: 'toggleViewFrame' }
  | { kind: 'open' }
  | { kind: 'export' }
  | { kind: 'help' }
  | { kind: 'acceptSlice' }
  | { kind: 'rejectSlice' }
  | { kind: 'nextUncertain' }
  | { kind: 'toggleLayer'; layer: LayerName }
  | { kind: 'confidence'; delta: number };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export const TOOL_KEYS: Record<ToolName, string> = {
  brush: 'B',
  eraser: 'E',
  threshold: 'T',
  fill: 'F',
  windowLevel: 'W',
  crosshairs: 'C',
  pan: 'P',
  zoom: 'Z',
};

/** Shift + this letter shows or hides a model layer; the layer list's tooltips and the help read it from here. */
export const LAYER_KEYS: Record<LayerName, string> = {
  pseudo: 'P',
  uncertainty: 'U',
  predictions: 'R',
  textMask: 'T',
  merged: 'M',
  activation: 'H',
};

/** How far { and } move the confidence threshold. */
export const CONFIDENCE_STEP = 0.1;

/** Shown in the help dialog, in this order. */
export const SHORTCUT_HELP: [string, string][] = [
  ['B / E / T / F', 'Brush, eraser, threshold brush, fill'],
  ['W / C / P / Z', 'Window/level, crosshairs, pan, zoom'],
  ['[ and ]', 'Smaller / larger brush'],
  ['1 … 9', 'Select class by position'],
  ['L', 'Toggle "labeled" for the slice under the cursor'],
  ['Ctrl+Z', 'Undo'],
  ['Ctrl+Shift+Z or Ctrl+Y', 'Redo'],
  ['↑ ↓ or PageUp PageDown', 'Previous / next slice'],
  ['Mouse wheel', 'Scroll slices'],
  ['Shift+drag', 'Window/level (any tool)'],
  ['Middle drag / right drag', 'Pan / zoom'],
  ['O / V', 'Label outline / show labels'],
  [', and .', 'Label opacity down / up'],
  ['A / X', 'Accept / reject the pseudo-label of this slice'],
  ['N', 'Jump to the most uncertain unlabeled slice'],
  ['Shift+P / Shift+U', 'Show or hide the pseudo-label / uncertainty layer'],
  ['Shift+R', 'Show or hide the predictions of "Predict all"'],
  ['Shift+T / Shift+M / Shift+H', 'Show or hide the text mask / merged pseudo-label / text activation'],
  ['{ and }', 'Pseudo-label confidence threshold down / up'],
  ['R', 'Reset view'],
  ['G', 'Views: acquisition grid / patient axes'],
  ['Ctrl+O', 'Open files'],
  ['Ctrl+E', 'Export labels of the active volume'],
  ['?', 'This help'],
];

export function resolveShortcut(e: KeyLike): Command | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (key === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    if (key === 'y') return { kind: 'redo' };
    if (key === 'o') return { kind: 'open' };
    if (key === 'e') return { kind: 'export' };
    return null;
  }
  if (e.altKey) return null;
  if (e.shiftKey) {
    for (const [layer, k] of Object.entries(LAYER_KEYS) as [LayerName, string][]) {
      if (key === k.toLowerCase()) return { kind: 'toggleLayer', layer };
    }
  }
  if (key === '{') return { kind: 'confidence', delta: -CONFIDENCE_STEP };
  if (key === '}') return { kind: 'confidence', delta: CONFIDENCE_STEP };
  for (const [tool, k] of Object.entries(TOOL_KEYS) as [ToolName, string][]) {
    if (key === k.toLowerCase()) return { kind: 'tool', tool };
  }
  switch (key) {
    case '[':
      return { kind: 'brushSize', factor: 1 / 1.25 };
    case ']':
      return { kind: 'brushSize', factor: 1.25 };
    case 'l':
      return { kind: 'toggleSliceLabeled' };
    case 'o':
      return { kind: 'toggleOutline' };
    case 'v':
      return { kind: 'toggleLabels' };
    case ',':
      return { kind: 'opacity', delta: -0.1 };
    case '.':
      return { kind: 'opacity', delta: 0.1 };
    case 'ArrowUp':
    case 'PageUp':
      return { kind: 'slice', delta: 1 };
    case 'ArrowDown':
    case 'PageDown':
      return { kind: 'slice', delta: -1 };
    case 'r':
      return { kind: 'resetView' };
    case 'g':
      return { kind: 'toggleViewFrame' };
    case 'a':
      return { kind: 'acceptSlice' };
    case 'x':
      return { kind: 'rejectSlice' };
    case 'n':
      return { kind: 'nextUncertain' };
    case '?':
      return { kind: 'help' };
  }
  if (/^[1-9]$/.test(key)) return { kind: 'selectClass', position: Number(key) - 1 };
  return null;
}

/** Typing a class name must not switch tools. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'range', 'color', 'file'].includes(target.type);
  return false;
}
