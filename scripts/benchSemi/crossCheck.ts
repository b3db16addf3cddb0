/*
 * Train scores its final model on its split's val cases; predict + eval scores the saved model on the held-out
 * folder. On the cases both scored the two must agree: when they do not, the saved model, the windows predict
 * uses or the label reading differ from what train measured, and every figure of the table is in doubt.
 */

/** metrics.json's and eval.json's perCase lists: per case, metrics keyed by class. */
export type PerCase = readonly { id: string; metrics: Record<string, { dice: number } | null> }[];

/** Case id → mean Dice over the classes present in that case; ids lose their file extension (eval keeps it). */
export function caseDice(perCase: PerCase): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of perCase) {
    const d = Object.values(c.metrics)
      .filter((m): m is { dice: number } => m != null)
      .map((m) => m.dice);
    if (d.length) out.set(c.id.replace(/\.(nii\.gz|nii|png|jpe?g|tiff?)$/i, ''), d.reduce((a, b) => a + b, 0) / d.length);
  }
  return out;
}

/**
 * Both scorings' mean Dice over the cases both have, or null when they share none. Classes are keyed differently
 * (train by class index, eval by label value, e.g. 1 and 255 for MoNuSeg), so a case compares by its mean over classes.
 */
export function crossCheck(train: PerCase, heldOut: PerCase): { cases: number; train: number; heldOut: number } | null {
  const a = caseDice(train);
  const b = caseDice(heldOut);
  const ids = [...a.keys()].filter((id) => b.has(id));
  if (ids.length === 0) return null;
  const avg = (m: Map<string, number>) => ids.reduce((s, id) => s + m.get(id)!, 0) / ids.length;
  return { cases: ids.length, train: avg(a), heldOut: avg(b) };
}
