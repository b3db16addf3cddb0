import { summaryTable, type CurvePoint } from './curveSummary.ts';
import { lineChartSvg } from './lineChart.ts';
import type { MethodRun } from './runMethod.ts';

/** One method's run on one dataset, as the benchmark stores it (and reads it back to resume). */
export interface StoredRun {
  dataset: 'hippocampus' | 'monuseg';
  description: string;
  classes: { value: number; name: string }[];
  seconds: number;
  every: number;
  /** Which clock the budget and the table follow (runMethod's `clock`). */
  clock: 'wall' | 'cpu';
  date: string;
  /** False while the run is going on or after it was cut short: its samples so far. */
  complete: boolean;
  run: MethodRun;
}

export const TARGET_DICE = 0.7;
const TABLE_TIMES = [30, 60, 120, 180];
/** Hand-written reading of the figures, kept when the report is written again. */
export const NOTES_HEADING = '## Notes';

const curveOf = (r: StoredRun): CurvePoint[] => r.run.samples.map((s) => ({ seconds: r.clock === 'cpu' ? s.cpuSeconds : s.seconds, dice: s.mean }));
const clockWords = (clock: 'wall' | 'cpu') =>
  clock === 'cpu' ? 'training CPU seconds (the sampling pauses left out)' : 'training seconds (wall clock, the sampling pauses left out)';

/** The chart of one dataset: Dice of the pseudo-labels on the unlabeled slices against training seconds. */
export function datasetChart(runs: readonly StoredRun[], dataset: string): string {
  const xMax = Math.max(...runs.map((r) => r.seconds));
  return lineChartSvg({
    title: `${dataset}: Dice of the live pseudo-labels on the unlabeled slices (WebAssembly)`,
    xLabel: clockWords(runs[0]?.clock ?? 'wall'),
    yLabel: 'mean foreground Dice',
    xMax,
    yMax: 1,
    series: runs.map((r) => ({ name: r.run.preset, points: [[0, 0] as const, ...curveOf(r).map((p) => [p.seconds, p.dice ?? 0] as const)] })),
    target: { y: TARGET_DICE, label: `target ${TARGET_DICE.toFixed(2)}` },
  });
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

function runLine(r: StoredRun): string {
  const s = r.run.samples;
  const ready = r.run.ready;
  const loads = s.map((x) => x.load1);
  const setup = ready
    ? `${ready.network} ${ready.modelSize} (width ${ready.width}, depth ${ready.depth}, ${ready.parameters} parameters), patch ${ready.patch.join('×')}; ${ready.labeledSlices} labeled slices train, ${ready.validationSlices} held out for validation, ${ready.unlabeledSlices} unlabeled`
    : 'never ready';
  const last = s.at(-1);
  const clockSeconds = last ? (r.clock === 'cpu' ? last.cpuSeconds : last.seconds) : 0;
  return (
    `- **${r.run.preset}** on ${r.run.backend || '?'}: ${setup}. ${r.run.steps} steps in ${clockSeconds.toFixed(0)} training ${r.clock === 'cpu' ? 'CPU ' : ''}seconds` +
    ` (${(r.run.steps / Math.max(1, clockSeconds)).toFixed(2)} steps/s), ${last ? last.seconds.toFixed(0) : 0} wall seconds without the pauses, ${last ? last.wallSeconds.toFixed(0) : 0} with them;` +
    ` predicting per sample ${mean(s.map((x) => x.predictSeconds)).toFixed(1)} wall s;` +
    ` 1-minute load average ${mean(loads).toFixed(2)} (${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}) on 2 cores.` +
    (r.complete ? '' : ' **Cut short before its budget**: the samples it took are shown.') +
    (r.run.errors.length ? ` Errors: ${r.run.errors.join('; ')}` : '')
  );
}

/** Every sample, one row per time, one column per method (mean Dice, then per class). */
function samplesTable(runs: readonly StoredRun[]): string {
  const classes = runs[0]!.classes;
  const rows = Math.max(...runs.map((r) => r.run.samples.length));
  const head = `| sample | ${runs.map((r) => `${r.run.preset}: s / step / Dice (${classes.map((c) => c.name).join(', ')})`).join(' | ')} |`;
  const lines = [head, `|---:|${runs.map(() => '---').join('|')}|`];
  for (let i = 0; i < rows; i++) {
    const cells = runs.map((r) => {
      const s = r.run.samples[i];
      if (!s) return '';
      const f = (d: number | null | undefined) => (d == null ? '–' : d.toFixed(3));
      return `${(r.clock === 'cpu' ? s.cpuSeconds : s.seconds).toFixed(0)} / ${s.step} / **${f(s.mean)}** (${classes.map((c) => f(s.byClass[c.value])).join(', ')})`;
    });
    lines.push(`| ${i + 1} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The results document: per dataset, the setup, the summary table, the chart and every sample. */
export function reportMarkdown(o: { runs: readonly StoredRun[]; chartFile: (dataset: string) => string; command: string; notes: string | null }): string {
  const out: string[] = [
    '# Time to useful pseudo-labels (issue 18, item 2)',
    '',
    `Command: \`${o.command}\`. Regenerate this file from the stored runs with the same command (finished runs are reused).`,
    '',
    'How it runs: the app’s `TrainingSession` (src/train/TrainingSession.ts) in a Node `worker_threads` worker, driven by the',
    'messages the page sends: a `start` with the app’s config for the preset and Auto model size, and `watch` of the',
    'middle slice of the first volume, as if on screen. The browser entry (src/train/worker/trainingWorker.ts) cannot run',
    'under Node (it reads `self` and Vite-bundled shaders), so a thin shell (scripts/pseudoLabelTime/sessionWorker.mts)',
    'stands in for it: messages in, events out, the same session. Backend: WebAssembly (the start message names `wasm`,',
    'which is what Auto picks on a machine without a GPU).',
    '',
    'At each sample the benchmark sends `pause`, asks for the pseudo-labels, scores them on the slices that were not',
    'labeled, and sends `resume`. Hippocampus asks for `predictAll` (every volume whole); MoNuSeg asks for each scored',
    'tile’s live layer in turn with `watch` (what the page shows for the tile on screen), because predicting all 24',
    '1000² tiles takes minutes here. The training clock counts from the start message (backend start-up and run',
    'preparation included) and leaves out each sampling pause, from the end of the step in flight to the resume. On',
    'the CPU clock it counts the CPU seconds the benchmark process used instead of wall seconds: the machine is shared',
    '(2 cores, the load averages below), and the wall clock would measure the other jobs as much as this run; on an',
    'otherwise idle core the two clocks agree, as the session trains on one thread. Dice: per class over the unlabeled',
    'slices of each volume (tile), averaged over volumes, then over classes. The run is niced (priority 10).',
    '',
  ];
  for (const dataset of [...new Set(o.runs.map((r) => r.dataset))]) {
    const runs = o.runs.filter((r) => r.dataset === dataset);
    const seconds = Math.max(...runs.map((r) => r.seconds));
    const first = runs[0]!;
    out.push(
      `## ${dataset}`,
      '',
      first.description,
      '',
      `Sampled every ${first.every} s of the ${first.clock === 'cpu' ? 'CPU' : 'wall'} clock; budget ${seconds} s.`,
      '',
      ...runs.map(runLine),
      '',
    );
    out.push(
      summaryTable(
        runs.map((r) => ({ name: r.run.preset, points: curveOf(r) })),
        TABLE_TIMES.filter((t) => t <= seconds),
        TARGET_DICE,
        first.clock === 'cpu' ? 'CPU s' : 's',
      ),
      '',
      `![Dice over time, ${dataset}](${o.chartFile(dataset)})`,
      '',
      '<details><summary>Every sample</summary>',
      '',
      samplesTable(runs),
      '',
      '</details>',
      '',
    );
  }
  if (o.notes) out.push(o.notes.trimEnd(), '');
  return out.join('\n');
}
