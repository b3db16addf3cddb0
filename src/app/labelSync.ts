import type { EditHistory } from '../store/types.ts';
import type { LabelEdit } from '../volume/labels.ts';

/**
 * The one edit that took a volume's history from `prev` to `next`: an undo moves it onto the redo stack; a new
 * edit or a redo puts it on top of the undo stack. Null when that cannot be told (history cleared, several changes
 * at once): then the caller sends everything.
 */
export function editBetween(prev: EditHistory | undefined, next: EditHistory | undefined): LabelEdit | null {
  if (!next) return null;
  if (next.redo.length === (prev?.redo.length ?? 0) + 1) return next.redo.at(-1) ?? null;
  const top = next.undo.at(-1);
  return top && top !== prev?.undo.at(-1) ? top : null;
}

/** The k-slices whose voxels an edit changed, ascending. */
export function kSlicesOf(edit: LabelEdit, perSlice: number): number[] {
  const ks = new Set<number>();
  for (const i of edit.indices) ks.add(Math.floor(i / perSlice));
  return [...ks].sort((a, b) => a - b);
}

/** Those k-slices of a volume's labels, one after another (what a 'labelSlices' message carries). */
export function gatherKSlices(labels: Uint8Array, perSlice: number, ks: readonly number[]): Uint8Array {
  const out = new Uint8Array(ks.length * perSlice);
  ks.forEach((k, n) => out.set(labels.subarray(k * perSlice, (k + 1) * perSlice), n * perSlice));
  return out;
}
