/**
 * Our WGSL kernels against tfjs's own, on the WebGPU backend in Node (Dawn; SwiftShader without a GPU) — issue #6.
 * Part 1: every kernel at the shapes the default 2D and 3D configurations use (src/gpu/bench/allBenchCases.ts),
 * time per call of ours and of tfjs's in the same run, the ratio, and GFLOP/s. Part 2: whole training steps
 * (mean teacher, 2D ResUNet and 3D V-Net, same seed) with custom kernels on and off.
 * On SwiftShader the times are a CPU emulating a GPU: read the ratios, not the milliseconds.
 *
 * Usage: npx tsx scripts/bench-kernels.mts [--only Conv3D,EMA update] [--cases REGEX] [--reps 3] [--steps 2] [--step-config tiny|small|default-width|standard]
 *        [--networks 2d,3d] [--no-kernels] [--no-steps] [--min-threads N] [--out bench/results/kernels-YYYY-MM-DD.md]
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Random } from '../src/data/random.ts';
import type { TrainingVolume } from '../src/data/trainingVolume.ts';
import { customKernelCalls, fallbackLog, resetKernelCounters, setCustomKernelsEnabled } from '../src/gpu/customKernels.ts';
import { ALL_BENCH_CASES } from '../src/gpu/bench/allBenchCases.ts';
import { setSplitKTuning, splitKTuning } from '../src/gpu/splitK.ts';
import { gpuIdle, timeBenchCase, type BenchTiming } from '../src/gpu/bench/timeBenchCase.ts';
import { presetConfig } from '../src/train/config.ts';
import { Trainer } from '../src/train/Trainer.ts';
import { Trainer3D } from '../src/train/Trainer3D.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    /** A regular expression over case names, e.g. '^(?!.*merge)' to leave out the merge convolutions. */
    cases: { type: 'string' },
    reps: { type: 'string', default: '3' },
    steps: { type: 'string', default: '2' },
    'step-config': { type: 'string', default: 'tiny' },
    'no-kernels': { type: 'boolean', default: false },
    'no-steps': { type: 'boolean', default: false },
    /** Which trainers to time: 2d, 3d or both. */
    networks: { type: 'string', default: '2d,3d' },
    /** Split-K GEMMs: fewest threads per workgroup before k-groups are added (src/gpu/splitK.ts; 1 = none). */
    'min-threads': { type: 'string' },
    out: { type: 'string' },
  },
});

const choice = await startNodeBackend('webgpu', true);
if (values['min-threads']) setSplitKTuning({ minWorkgroupThreads: Number(values['min-threads']) });
const lines: string[] = [];
const say = (l: string) => {
  lines.push(l);
  console.log(l);
};
say(`# Custom WGSL kernels vs tfjs's (${new Date().toISOString().slice(0, 10)})`);
say('');
say(`Backend: webgpu in Node (Dawn) on ${choice.adapter}. ${choice.customKernels?.note ?? ''}`);
say('Times are medians of alternating calls after one warm-up each, waited for with queue.onSubmittedWorkDone (no readback).');
say(
  `Split-K GEMMs (filter gradients): k-groups until a workgroup has at least ${splitKTuning().minWorkgroupThreads} threads (${choice.software ? 'software adapter' : 'hardware adapter'}).`,
);
say('');

function kernelTable(rows: BenchTiming[]): void {
  say('| kernel | shape | ours ms | tfjs ms | tfjs ÷ ours | ours GFLOP/s | tfjs GFLOP/s |');
  say('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const g = (v: number | null) => (v === null ? '—' : v.toFixed(2));
    say(`| ${r.kernel} | ${r.name} | ${r.oursMs.toFixed(1)} | ${r.tfjsMs.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${g(r.oursGflops)} | ${g(r.tfjsGflops)} |`);
  }
}

if (!values['no-kernels']) {
  const rows: BenchTiming[] = [];
  const pick = values.cases ? new RegExp(values.cases) : null;
  const cases = ALL_BENCH_CASES().filter((c) => (!values.only || values.only.split(',').includes(c.kernel)) && (!pick || pick.test(c.name)));
  for (const c of cases) {
    console.error(`… ${c.kernel} ${c.name}`);
    rows.push(await timeBenchCase(c, Number(values.reps)));
    console.error(`  ours ${rows.at(-1)!.oursMs.toFixed(1)} ms, tfjs ${rows.at(-1)!.tfjsMs.toFixed(1)} ms`);
  }
  say("## Kernels at the default configurations' shapes");
  say('');
  kernelTable(rows);
  say('');
}

/** A hippocampus-sized synthetic volume (35×51×35) with two structures, labeled or not. */
function volume(labeled: boolean, dims: [number, number, number] = [35, 51, 35]): TrainingVolume {
  const rng = new Random(labeled ? 1 : 2);
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  const c = dims.map((d) => d >> 1);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const p = (k * dims[1] + j) * dims[0] + i;
        const r2 = (i - c[0]!) ** 2 + (j - c[1]!) ** 2 + (k - c[2]!) ** 2;
        labels[p] = r2 < 36 ? 1 : r2 < 100 && j > c[1]! ? 2 : 0;
        image[p] = labels[p]! + 0.3 * rng.normal();
      }
  return {
    id: labeled ? 'l' : 'u',
    dims,
    spacing: [1, 1, 1],
    channels: 1,
    image,
    labels: labeled ? labels : new Uint8Array(n),
    labeled: new Uint8Array(n).fill(labeled ? 1 : 0),
  };
}

const STEP_CONFIGS: Record<
  string,
  { d2: { width: number; depth: number; size: number; batch: number }; d3: { width: number; depth: number; patch: [number, number, number]; batch: number } }
> = {
  // SwiftShader: a few seconds per step. The app's 'tiny' sizes.
  tiny: { d2: { width: 8, depth: 2, size: 64, batch: 2 }, d3: { width: 4, depth: 2, patch: [16, 32, 32], batch: 2 } },
  small: { d2: { width: 16, depth: 3, size: 128, batch: 4 }, d3: { width: 8, depth: 3, patch: [24, 40, 32], batch: 2 } },
  // The default width and depth (so convolutions take the default share of the work) on a patch SwiftShader can
  // step through in minutes; 'standard' would take about an hour per step with tfjs's kernels there.
  'default-width': { d2: { width: 16, depth: 3, size: 128, batch: 2 }, d3: { width: 16, depth: 3, patch: [16, 24, 16], batch: 2 } },
  // The defaults on a real GPU (config.ts: width 16, depth 3, 4 + 4 per step).
  standard: { d2: { width: 16, depth: 3, size: 256, batch: 4 }, d3: { width: 16, depth: 3, patch: [32, 48, 32], batch: 4 } },
};

interface StepRun {
  msPerStep: number;
  losses: number[];
}

async function timeSteps(make: () => Trainer | Trainer3D, on: boolean, steps: number): Promise<StepRun> {
  setCustomKernelsEnabled(on);
  resetKernelCounters();
  const t = make();
  const losses: number[] = [];
  losses.push((await t.trainStep()).losses.total); // warm-up: pipeline compilation
  await gpuIdle();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) losses.push((await t.trainStep()).losses.total);
  await gpuIdle();
  const ms = (performance.now() - t0) / steps;
  t.dispose();
  return { msPerStep: ms, losses };
}

if (!values['no-steps']) {
  const sc = STEP_CONFIGS[values['step-config']!];
  if (!sc) throw new Error(`--step-config must be one of ${Object.keys(STEP_CONFIGS).join(', ')}`);
  const steps = Number(values.steps);
  say(`## Whole training steps (mean teacher, ${values['step-config']} configuration, ${steps} steps timed after one warm-up)`);
  say('');
  say('| network | configuration | ours s/step | tfjs s/step | tfjs ÷ ours | losses ours | losses tfjs | our kernels called |');
  say('|---|---|---|---|---|---|---|---|');
  const runs: [string, string, () => Trainer | Trainer3D][] = [
    [
      '2D ResUNet',
      `width ${sc.d2.width}, depth ${sc.d2.depth}, ${sc.d2.size}², ${sc.d2.batch} + ${sc.d2.batch}`,
      () =>
        new Trainer(
          [volume(true, [sc.d2.size, sc.d2.size, 6]), volume(false, [sc.d2.size, sc.d2.size, 6])],
          3,
          presetConfig('mean-teacher', {
            seed: 1,
            model: { kind: '2d', width: sc.d2.width, depth: sc.d2.depth },
            patch: [sc.d2.size, sc.d2.size],
            batchLabeled: sc.d2.batch,
            batchUnlabeled: sc.d2.batch,
            validation: { fraction: 0, minLabeledSlices: 1e9 },
          }),
        ),
    ],
    [
      '3D V-Net',
      `width ${sc.d3.width}, depth ${sc.d3.depth}, ${sc.d3.patch.join('×')}, ${sc.d3.batch} + ${sc.d3.batch}`,
      () =>
        new Trainer3D(
          [volume(true), volume(false)],
          3,
          presetConfig('mean-teacher', {
            seed: 1,
            model: { kind: '3d', width: sc.d3.width, depth: sc.d3.depth },
            patch3d: sc.d3.patch,
            batchLabeled: sc.d3.batch,
            batchUnlabeled: sc.d3.batch,
            validation: { fraction: 0, minLabeledSlices: 1e9 },
          }),
        ),
    ],
  ];
  const wanted = values.networks!.split(',');
  for (const [name, desc, make] of runs.filter(([n]) => wanted.includes(n.startsWith('2D') ? '2d' : '3d'))) {
    console.error(`… ${name} with our kernels`);
    const ours = await timeSteps(make, true, steps);
    const called = [...customKernelCalls()].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    const fell = fallbackLog().map((f) => `${f.kernelName}: ${f.reason} (${f.count})`);
    console.error(`… ${name} with tfjs's kernels`);
    const theirs = await timeSteps(make, false, steps);
    const fmt = (l: number[]) => l.map((v) => v.toFixed(4)).join(', ');
    say(
      `| ${name} | ${desc} | ${(ours.msPerStep / 1000).toFixed(2)} | ${(theirs.msPerStep / 1000).toFixed(2)} | ${(theirs.msPerStep / ours.msPerStep).toFixed(2)}× | ${fmt(ours.losses)} | ${fmt(theirs.losses)} | ${called} |`,
    );
    if (fell.length) say(`|  | fallbacks to tfjs: ${fell.join('; ')} | | | | | | |`);
  }
  say('');
}

if (values.out) writeFileSync(values.out, lines.join('\n') + '\n');
tf.disposeVariables();
process.exit(0);
