/*
 * The results table in markdown: per regime and arm the mean ± sample standard deviation over seeds of the
 * held-out scores, then each arm paired with supervised on the same seeds. A run that has not finished shows as
 * "—", so a matrix stopped half-way still reads.
 */
import { mean, paired, sampleSd } from './stats.ts';

/** One finished run, as read from its eval.json (held-out scores) and metrics.json (train's own). */
export interface RunResult {
  regime: string;
  arm: string;
  seed: number;
  /** Held-out mean Dice over classes (predict + eval). */
  dice: number;
  /** Held-out Dice per class, keyed by label value as eval.json keys it. */
  classDice: Record<string, number | null>;
  /** Held-out HD95 averaged over classes, in distanceUnit. */
  hd95: number;
  distanceUnit: string;
  trainSeconds: number;
  /** Train + predict + eval, as the harness timed them. */
  wallSeconds: number;
  /** Train's own final score and predict + eval's on the cases both scored: they must agree. */
  check: { cases: number; train: number; heldOut: number } | null;
}

export interface TableInput {
  title: string;
  /** One line on how the runs were made (steps, width, command). */
  setup: string;
  regimes: readonly { name: string; label: string }[];
  arms: readonly string[];
  seeds: readonly number[];
  classNames: Record<string, string>;
  results: readonly RunResult[];
  baseline?: string;
}

const DASH = '—';
/** Train and predict + eval score the same model on the same cases; more than this apart means a scoring bug. */
const AGREEMENT = 1e-3;

/** "0.7612 ± 0.0123", or the mean alone for one value, or a dash for none. */
export function meanSd(xs: readonly number[], digits: number): string {
  const m = mean(xs);
  if (m === null) return DASH;
  const s = sampleSd(xs);
  return s === null ? m.toFixed(digits) : `${m.toFixed(digits)} ± ${s.toFixed(digits)}`;
}

function signed(x: number, digits: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
}

export function renderResults(t: TableInput): string {
  const baseline = t.baseline ?? 'supervised';
  const classKeys = Object.keys(t.classNames);
  const unit = t.results[0]?.distanceUnit ?? (classKeys.length > 1 ? 'mm' : 'px');
  const of = (regime: string, arm: string) => t.results.filter((r) => r.regime === regime && r.arm === arm && t.seeds.includes(r.seed));
  const lines = [`# ${t.title}`, '', t.setup, ''];

  lines.push('## Held-out scores, mean ± sample standard deviation over seeds', '');
  const perClass = classKeys.length > 1 ? classKeys.map((k) => `${t.classNames[k]} Dice`) : [];
  lines.push(`| regime | arm | seeds | mean Dice | ${[...perClass, `HD95 (${unit})`, 'train min/run', 'total min/run'].join(' | ')} |`);
  lines.push(`|${' --- |'.repeat(7 + perClass.length)}`);
  for (const regime of t.regimes)
    for (const arm of t.arms) {
      const rs = of(regime.name, arm);
      const classCells = perClass.length
        ? classKeys.map((k) =>
            meanSd(
              rs.map((r) => r.classDice[k]).filter((d): d is number => d != null),
              4,
            ),
          )
        : [];
      lines.push(
        `| ${regime.label} | ${arm} | ${rs.length}/${t.seeds.length} | ${meanSd(
          rs.map((r) => r.dice),
          4,
        )} | ${[
          ...classCells,
          meanSd(
            rs.map((r) => r.hd95),
            2,
          ),
          meanSd(
            rs.map((r) => r.trainSeconds / 60),
            1,
          ),
          meanSd(
            rs.map((r) => r.wallSeconds / 60),
            1,
          ),
        ].join(' | ')} |`,
      );
    }

  lines.push('', `## Paired with ${baseline} on the same seeds: method − ${baseline}, in Dice points (×100)`, '');
  const others = t.arms.filter((a) => a !== baseline);
  if (!t.arms.includes(baseline) || others.length === 0) {
    lines.push(`No pairing: the arms need ${baseline} and at least one other.`);
  } else {
    lines.push(`| regime | arm | ${t.seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± sd | wins |`);
    lines.push(`|${' --- |'.repeat(4 + t.seeds.length)}`);
    for (const regime of t.regimes) {
      const base = new Map(of(regime.name, baseline).map((r) => [r.seed, r.dice * 100]));
      for (const arm of others) {
        const p = paired(new Map(of(regime.name, arm).map((r) => [r.seed, r.dice * 100])), base);
        const bySeed = new Map(p.diffs.map((d) => [d.seed, d.diff]));
        const cells = t.seeds.map((s) => (bySeed.has(s) ? signed(bySeed.get(s)!, 2) : DASH));
        const summary = p.mean === null ? DASH : p.sd === null ? signed(p.mean, 2) : `${signed(p.mean, 2)} ± ${p.sd.toFixed(2)}`;
        lines.push(`| ${regime.label} | ${arm} | ${cells.join(' | ')} | ${summary} | ${p.diffs.length ? `${p.wins} of ${p.diffs.length}` : DASH} |`);
      }
    }
  }

  const checked = t.results.filter((r) => r.check !== null);
  const disagree = checked.filter((r) => Math.abs(r.check!.train - r.check!.heldOut) > AGREEMENT);
  lines.push('');
  if (t.results.length === 0) lines.push('No run has finished yet.');
  else if (disagree.length === 0)
    lines.push(
      `Train's own final score and predict + eval agree within ${AGREEMENT} Dice on the cases both scored, in ${checked.length} of ${t.results.length} finished runs${checked.length < t.results.length ? ' (the others scored no case in common)' : ''}.`,
    );
  else
    lines.push(
      `Train's own score and predict + eval DISAGREE by more than ${AGREEMENT} Dice on: ${disagree
        .map((r) => `${r.regime}/${r.arm}/seed${r.seed} (${r.check!.train.toFixed(4)} vs ${r.check!.heldOut.toFixed(4)} on ${r.check!.cases} cases)`)
        .join(', ')}.`,
    );
  return `${lines.join('\n')}\n`;
}
