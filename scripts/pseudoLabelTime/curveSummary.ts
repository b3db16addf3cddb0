/** What a Dice-over-time curve says in a table: the Dice the user sees at set times, and when it first got good. */

export interface CurvePoint {
  seconds: number;
  dice: number | null;
}

/** Samples land a little after their nominal time (the step in flight finishes first). */
const SLACK_S = 0.5;

/**
 * The pseudo-labels on screen at time t are the last ones made by then: the latest sample at or before t. Null
 * before the first sample, and after the last one when t is beyond it (a run cut short says nothing about then).
 */
export function diceAt(points: readonly CurvePoint[], t: number): number | null {
  let found: CurvePoint | null = null;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    last = Math.max(last, p.seconds);
    if (p.seconds <= t + SLACK_S && (!found || p.seconds >= found.seconds)) found = p;
  }
  return t > last + SLACK_S ? null : (found?.dice ?? null);
}

/** The first sample time at which Dice reached `threshold`, or null when it never did. */
export function timeToDice(points: readonly CurvePoint[], threshold: number): number | null {
  const sorted = [...points].sort((a, b) => a.seconds - b.seconds);
  return sorted.find((p) => p.dice !== null && p.dice >= threshold)?.seconds ?? null;
}

/** A markdown table: one row per method, Dice at each time, the best Dice and the time to the threshold. */
export function summaryTable(
  curves: readonly { name: string; points: readonly CurvePoint[] }[],
  times: readonly number[],
  threshold: number,
  unit = 's',
): string {
  const f = (d: number | null) => (d === null ? '–' : d.toFixed(3));
  const head = `| method | ${times.map((t) => `Dice at ${t} ${unit}`).join(' | ')} | best Dice | time to ${threshold.toFixed(2)} |`;
  const rule = `|---|${times.map(() => '---:').join('|')}|---:|---:|`;
  const rows = curves.map((c) => {
    const scored = c.points.map((p) => p.dice).filter((d): d is number => d !== null);
    const best = scored.length ? Math.max(...scored) : null;
    const reached = timeToDice(c.points, threshold);
    const last = c.points.length ? Math.max(...c.points.map((p) => p.seconds)) : 0;
    return `| ${c.name} | ${times.map((t) => f(diceAt(c.points, t))).join(' | ')} | ${f(best)} | ${reached === null ? `not within ${Math.round(last)} ${unit}` : `${reached.toFixed(0)} ${unit}`} |`;
  });
  return [head, rule, ...rows].join('\n');
}
