/**
 * Dice of pseudo-labels on the slices the user did not label: the share of a volume the model labels for them.
 * Labels are class values (0 = background); a volume's slices are k-slices of dims[0]·dims[1] voxels.
 */

/** One scored volume (or 2D tile): its ground truth and the k-slices that were given to training as labels. */
export interface ScoredVolume {
  dims: readonly [number, number, number];
  truth: Uint8Array;
  labeledKs: readonly number[];
}

export interface DiceScore {
  /** Each foreground class value's Dice, averaged over the volumes where it is in the truth or the prediction. */
  byClass: Record<number, number | null>;
  /** The mean over the classes that were scored; null when none was. */
  mean: number | null;
}

/**
 * One class's Dice over the unlabeled slices of one volume; null when the class is absent from both truth and
 * prediction there (no evidence either way, so it does not pull the mean up or down).
 */
export function unlabeledClassDice(pred: Uint8Array, v: ScoredVolume, classValue: number): number | null {
  const per = v.dims[0] * v.dims[1];
  const labeled = new Set(v.labeledKs);
  let both = 0;
  let inTruth = 0;
  let inPred = 0;
  for (let k = 0; k < v.dims[2]; k++) {
    if (labeled.has(k)) continue;
    for (let p = k * per; p < (k + 1) * per; p++) {
      const t = v.truth[p] === classValue;
      const q = pred[p] === classValue;
      if (t) inTruth++;
      if (q) inPred++;
      if (t && q) both++;
    }
  }
  return inTruth + inPred === 0 ? null : (2 * both) / (inTruth + inPred);
}

/** Dice per class averaged over volumes (as `eval` averages over cases), and their mean over classes. */
export function unlabeledDice(preds: readonly Uint8Array[], volumes: readonly ScoredVolume[], classValues: readonly number[]): DiceScore {
  if (preds.length !== volumes.length) throw new Error(`${preds.length} predictions for ${volumes.length} volumes`);
  const byClass: Record<number, number | null> = {};
  for (const c of classValues) {
    const scores = volumes.map((v, n) => unlabeledClassDice(preds[n]!, v, c)).filter((d): d is number => d !== null);
    byClass[c] = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  }
  const scored = classValues.map((c) => byClass[c]).filter((d): d is number => d != null);
  return { byClass, mean: scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : null };
}
