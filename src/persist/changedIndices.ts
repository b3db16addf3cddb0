import type { EditHistory } from '../store/types.ts';

/**
 * The voxels one committed change touched, read from the undo history the store keeps: a commit or a redo
 * leaves its edit last in `undo`, an undo leaves it last in `redo`. Null when the change is not one step of
 * that history (a class deleted, labels replaced wholesale, history cleared): the caller then saves chunks.
 * Only the indices are taken; the values are read from the committed labels, so a delta holds what is true now.
 */
export function changedIndices(prev: EditHistory | undefined, next: EditHistory | undefined): Uint32Array | null {
  const pu = prev?.undo ?? [];
  const pr = prev?.redo ?? [];
  const u = next?.undo ?? [];
  const r = next?.redo ?? [];
  const lastUndo = u[u.length - 1];
  const lastRedo = r[r.length - 1];
  // An undo: the edit moved from the end of undo to the end of redo.
  if (r.length === pr.length + 1 && lastRedo && lastRedo === pu[pu.length - 1]) return lastRedo.indices;
  // A commit (redo emptied) or a redo (redo shortened): a new edit ends undo.
  if (lastUndo && lastUndo !== pu[pu.length - 1] && r.length <= pr.length) return lastUndo.indices;
  return null;
}
