/**
 * Time to useful pseudo-labels (issue 18, item 2): few labeled slices, the app's training session in a worker on
 * WebAssembly, and the Dice of its pseudo-labels on the unlabeled slices sampled over wall-clock time, per method.
 *
 *   npm run bench:pseudo-label-time -- [--dataset hippocampus|monuseg|both] [--methods supervised,mean-teacher]
 *       [--seconds 180] [--every 10] [--runs runs/pseudo-label-time] [--report bench/results/….md] [--fresh]
 *
 * One method at a time; each finished run is stored as JSON under --runs and reused, so an interrupted benchmark
 * resumes, and the report (markdown + one SVG chart per dataset beside it) is rewritten from all stored runs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { methodNamed } from '../src/train/methods/registry.ts';
import { presetModelKind, usesText, type PresetName } from '../src/train/config.ts';
import { hippocampusCases, monusegCases, type BenchCases } from './pseudoLabelTime/benchCases.ts';
import { datasetChart, NOTES_HEADING, reportMarkdown, type StoredRun } from './pseudoLabelTime/report.ts';
import { runMethod, type MethodRun } from './pseudoLabelTime/runMethod.ts';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'both' },
    methods: { type: 'string', default: 'supervised,mean-teacher' },
    seconds: { type: 'string', default: '180' },
    every: { type: 'string', default: '10' },
    clock: { type: 'string', default: 'wall' },
    runs: { type: 'string', default: 'runs/pseudo-label-time' },
    report: { type: 'string', default: 'bench/results/pseudo-label-time-2026-12-07.md' },
    data: { type: 'string', default: '../shared/datasets' },
    fresh: { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    /** MoNuSeg tiles scored (of the 22 unlabeled): each is predicted at every sample, ~seconds a 1000² tile. */
    'monuseg-scored': { type: 'string', default: '4' },
  },
});
const seconds = Number(values.seconds);
const every = Number(values.every);
if (!(seconds > 0 && every > 0)) throw new Error('--seconds and --every must be positive numbers');
if (values.clock !== 'wall' && values.clock !== 'cpu') throw new Error('--clock is wall or cpu');
const clock = values.clock;
const methods = values.methods.split(',').map((m) => m.trim()) as PresetName[];
for (const m of methods) {
  methodNamed(m);
  // This benchmark measures the 2D few-slice regime; TAK trains a 3D V-Net.
  if (presetModelKind(m) === '3d') throw new Error(`${m} trains a 3D network; this benchmark runs the 2D methods`);
}
const datasets = values.dataset === 'both' ? (['hippocampus', 'monuseg'] as const) : ([values.dataset] as ('hippocampus' | 'monuseg')[]);
// Training must not slow the other jobs on this machine (nor they it more than necessary): be nice.
try {
  setPriority(10);
} catch {
  // Not permitted: run at the current priority.
}

const suffix = `-${seconds}${clock === 'cpu' ? 'cpu' : ''}s.json`;
const runFile = (dataset: string, method: string) => join(values.runs, `${dataset}-${method}${suffix}`);

async function casesFor(dataset: 'hippocampus' | 'monuseg'): Promise<BenchCases> {
  return dataset === 'hippocampus'
    ? hippocampusCases({ data: join(values.data, 'hippocampus'), split: 'bench/hippocampus-split.json', cases: 3, slices: 5, seed: 1 })
    : monusegCases({
        data: join(values.data, 'monuseg'),
        labeled: 2,
        scored: values['monuseg-scored'] === 'all' ? null : Number(values['monuseg-scored']),
        seed: 1,
      });
}

if (!values['report-only']) {
  mkdirSync(values.runs, { recursive: true });
  for (const dataset of datasets) {
    if (!existsSync(join(values.data, dataset))) {
      console.log(`skipping ${dataset}: ${join(values.data, dataset)} is absent (the shared datasets are not in a fresh clone)`);
      continue;
    }
    const cases = await casesFor(dataset);
    console.log(`${dataset}: ${cases.description}`);
    for (const method of methods) {
      const file = runFile(dataset, method);
      if (existsSync(file) && !values.fresh && (JSON.parse(readFileSync(file, 'utf8')) as StoredRun).complete) {
        console.log(`  ${method}: stored run ${file} reused`);
        continue;
      }
      const texts = usesText(method) ? cases.texts : null;
      // Hippocampus volumes are small enough to predict whole at every sample; MoNuSeg tiles are asked for as the
      // page asks for the tile on screen.
      const scoreBy = dataset === 'hippocampus' ? 'predictAll' : 'watch';
      const store = (run: MethodRun, complete: boolean) => {
        const stored: StoredRun = {
          dataset,
          description: cases.description,
          classes: cases.classes,
          seconds,
          every,
          clock,
          date: new Date().toISOString(),
          complete,
          run,
        };
        writeFileSync(file, `${JSON.stringify(stored, null, 1)}\n`);
      };
      const run = await runMethod({ preset: method, cases, seconds, every, texts, scoreBy, clock, onSample: (r) => store(r, false), log: console.log });
      store(run, true);
    }
  }
}

const runs: StoredRun[] = existsSync(values.runs)
  ? readdirSync(values.runs)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(values.runs, f), 'utf8')) as StoredRun)
  : [];
// Methods in the order asked for, then any others stored.
const order = (p: string) => (methods.indexOf(p as PresetName) + methods.length + 1) % (methods.length + 1);
runs.sort((a, b) => a.dataset.localeCompare(b.dataset) || order(a.run.preset) - order(b.run.preset));
if (runs.length === 0) {
  console.log('no stored runs: nothing to report');
} else {
  const report = values.report;
  const chartFile = (dataset: string) => `${basename(report, '.md')}-${dataset}.svg`;
  mkdirSync(dirname(report), { recursive: true });
  for (const dataset of new Set(runs.map((r) => r.dataset)))
    writeFileSync(
      join(dirname(report), chartFile(dataset)),
      datasetChart(
        runs.filter((r) => r.dataset === dataset),
        dataset,
      ),
    );
  const previous = existsSync(report) ? readFileSync(report, 'utf8') : '';
  const at = previous.indexOf(`\n${NOTES_HEADING}\n`);
  const command = `npm run bench:pseudo-label-time -- --seconds ${seconds} --clock ${clock} --methods ${methods.join(',')}`;
  writeFileSync(report, reportMarkdown({ runs, chartFile, command, notes: at >= 0 ? previous.slice(at + 1) : null }));
  console.log(`wrote ${report} and its charts`);
}
