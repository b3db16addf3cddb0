import { newestRun, sameClassValues, type RunSummary } from '../../persist/runKey.ts';

/**
 * Which method wins on this workspace: the stored runs side by side by validation Dice, ranked only where the
 * ranking means something (the same held-out slices, the same classes), and the run the panel defaults to.
 *
 * A run is scored by its latest validation mean Dice, not its best: the stored checkpoint (what Start resumes,
 * Predict all uses and Export model downloads) is the model at the latest step, and the best of many noisy
 * measurements on a few slices favours whichever run was measured more often. The best is shown beside it.
 */

/** Runs whose latest scores are closer than this read the same to three decimals: no winner between them. */
export const TIE = 0.0005;
/** Ranked runs whose lengths differ by this factor or more get a caution: the longer may lead by training longer. */
const LENGTH_RATIO = 2;
/** Below this many held-out slices a ranking gets a caution: Dice on one or two slices swings from step to step. */
const FEW_SLICES = 3;

export interface ClassDice {
  name: string;
  dice: number | null;
}

export interface ComparisonRow {
  key: string;
  preset: string;
  network: RunSummary['network'];
  size: RunSummary['size'];
  step: number;
  /** The latest validation with a mean, and its Dice per class; null before the first validation. */
  latest: { step: number; mean: number; perClass: ClassDice[] } | null;
  best: { step: number; mean: number } | null;
  /** Mean Dice by step, for the row's small chart. */
  curve: { step: number; mean: number }[];
  /** How many held-out slices its validation measured; null when not recorded. */
  validationSlices: number | null;
  /** Ranked with the others: validated on the reference slices and classes. */
  ranked: boolean;
  /** Why the row is not ranked, in words; null when it is. */
  notComparable: string | null;
  winner: boolean;
  /** Latest mean minus the winner's (≤ 0) for ranked rows when there is a winner; null otherwise. */
  behind: number | null;
}

export interface MethodComparison {
  /** Ranked rows first, best first; then the others, newest first. */
  rows: ComparisonRow[];
  /** The ranked row with the highest latest mean Dice, when at least two are ranked and it leads by more than a tie. */
  winner: ComparisonRow | null;
  /** How many slices the ranked rows were validated on; null when nothing is ranked. */
  sliceCount: number | null;
  /** Cautions about the ranking in words (very few held-out slices, runs of very different lengths). */
  cautions: string[];
}

function scoresOf(r: RunSummary): Pick<ComparisonRow, 'latest' | 'best' | 'curve'> {
  const names = r.classes ?? r.classValues.map((value) => ({ value, name: `class ${value}` }));
  const scored = (r.validation ?? []).filter((v) => v.mean !== null && Number.isFinite(v.mean));
  const curve = scored.map((v) => ({ step: v.step, mean: v.mean! }));
  const last = scored[scored.length - 1];
  let best: { step: number; mean: number } | null = null;
  for (const p of curve) if (!best || p.mean > best.mean) best = p;
  const latest = last ? { step: last.step, mean: last.mean!, perClass: names.map((c, n) => ({ name: c.name, dice: last.dice[n] ?? null })) } : null;
  return { latest, best, curve };
}

function sameSlices(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, n) => s === b[n]);
}

/** Why `r` cannot be ranked beside the reference run, in words; null when it can. */
function whyNotComparable(r: RunSummary, hasScore: boolean, reference: RunSummary | null): string | null {
  if (!hasScore) return 'not validated yet';
  if (!r.validationSlices) return 'its validation slices were not recorded (stored by an earlier version)';
  if (!reference) return null;
  if (!sameClassValues(r.classValues, reference.classValues)) return 'trained for other classes';
  if (!sameSlices(r.validationSlices, reference.validationSlices!)) {
    const theirs = new Set(reference.validationSlices);
    const shared = r.validationSlices.filter((s) => theirs.has(s)).length;
    return `validated on other slices (${shared} of its ${r.validationSlices.length} shared)`;
  }
  // A fingerprint is compared only where both runs have one: records from before it was kept are judged by slices.
  if (r.validationLabels && reference.validationLabels && r.validationLabels !== reference.validationLabels)
    return 'the held-out slices were relabeled between the runs';
  return null;
}

/**
 * The reference the others are ranked against: the newest run with a score and recorded slices. Its slices are the
 * likeliest to be the workspace's current held-out set (labels change the automatic split).
 */
function referenceOf(runs: readonly RunSummary[]): RunSummary | null {
  return newestRun(runs.filter((r) => r.validationSlices && scoresOf(r).latest));
}

export function compareRuns(runs: readonly RunSummary[]): MethodComparison {
  const reference = referenceOf(runs);
  const rows: ComparisonRow[] = runs.map((r) => {
    const scores = scoresOf(r);
    const notComparable = whyNotComparable(r, scores.latest !== null, reference);
    return {
      key: r.key,
      preset: r.preset,
      network: r.network,
      size: r.size,
      step: r.step,
      ...scores,
      validationSlices: r.validationSlices?.length ?? null,
      ranked: notComparable === null,
      notComparable,
      winner: false,
      behind: null,
    };
  });
  const savedAt = new Map(runs.map((r) => [r.key, r.savedAt]));
  const ranked = rows.filter((r) => r.ranked).sort((a, b) => b.latest!.mean - a.latest!.mean || b.step - a.step);
  const others = rows.filter((r) => !r.ranked).sort((a, b) => savedAt.get(b.key)! - savedAt.get(a.key)!);
  const top = ranked[0];
  const second = ranked[1];
  const winner = top && second && top.latest!.mean - second.latest!.mean > TIE ? top : null;
  if (winner) {
    winner.winner = true;
    for (const r of ranked) r.behind = r.latest!.mean - winner.latest!.mean;
  }
  const sliceCount = reference?.validationSlices?.length ?? null;
  const cautions: string[] = [];
  if (ranked.length >= 2) {
    if (sliceCount !== null && sliceCount < FEW_SLICES)
      cautions.push(`Measured on ${sliceCount === 1 ? 'one held-out slice' : `${sliceCount} held-out slices`}: hold out more for a surer ranking.`);
    const steps = ranked.map((r) => r.step);
    const [low, high] = [Math.min(...steps), Math.max(...steps)];
    if (high >= LENGTH_RATIO * Math.max(low, 1))
      cautions.push(`These runs trained for ${low} to ${high} steps: a longer run may lead only because it trained longer.`);
  }
  return { rows: [...ranked, ...others], winner, sliceCount, cautions };
}

/**
 * The stored run the panel shows and selects on load: the winner on the shared validation slices when there is one
 * (so the method select starts at the method that wins), else the newest, as before there was a comparison.
 */
export function preferredRun<R extends RunSummary>(runs: readonly R[]): R | null {
  const winner = compareRuns(runs).winner;
  return (winner && runs.find((r) => r.key === winner.key)) || newestRun(runs);
}
