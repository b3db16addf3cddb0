import * as tf from '@tensorflow/tfjs';
import { adapterText, isSoftwareAdapter } from '../adapterKind.ts';
import { customKernelsActive, installCustomKernels, setCustomKernelsEnabled } from '../customKernels.ts';
import { CUSTOM_KERNELS } from '../kernels.ts';
import { loadBundledShaders } from '../shaderSources.vite.ts';
import { splitKTuning, tuneSplitKForAdapter } from '../splitK.ts';
import { webgpuBackend } from '../tfjsWebGPU.ts';
import { ALL_BENCH_CASES } from '../bench/allBenchCases.ts';
import { timeBenchCase, type BenchTiming } from '../bench/timeBenchCase.ts';
import { ALL_CHECKS } from './allChecks.ts';
import { judge, type ComparisonResult } from './types.ts';

/**
 * kernels.html: every kernel check (and, with ?bench, every kernel benchmark) in Chromium's WebGPU, each check
 * under a validation error scope. Results go to the page and to window.__kernelReport for e2e/kernels.spec.ts and
 * scripts/bench-kernels-browser.mjs. ?only=Conv3D runs one group.
 */

interface CheckReport {
  kernel: string;
  name: string;
  ok: boolean;
  validationError: string | null;
  error: string | null;
  results: ComparisonResult[];
}

export interface KernelReport {
  done: boolean;
  adapter: string;
  checks: CheckReport[];
  bench: BenchTiming[];
  fatal: string | null;
}

declare global {
  interface Window {
    __kernelReport?: KernelReport;
  }
}

const report: KernelReport = { done: false, adapter: '', checks: [], bench: [], fatal: null };
window.__kernelReport = report;

const summary = document.getElementById('summary')!;
const progress = document.getElementById('progress') as HTMLProgressElement;
const table = document.getElementById('results') as HTMLTableElement;

function row(cells: string[], cls = '', header = false): void {
  const tr = table.insertRow();
  if (cls) tr.className = cls;
  for (const c of cells) {
    const cell = document.createElement(header ? 'th' : 'td');
    cell.textContent = c;
    tr.appendChild(cell);
  }
}

/**
 * Starts tfjs on WebGPU with our kernels. For the benchmark, the split-K kernels get the tuning the app gives this
 * kind of adapter (src/train/backend.ts), so the page times what the app runs; the checks keep the default tuning,
 * which exercises more shader shapes (k-groups) on any adapter.
 */
async function startWebGPU(bench: boolean): Promise<string> {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter (Chromium on Linux needs --enable-unsafe-webgpu)');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend');
  await tf.ready();
  loadBundledShaders();
  installCustomKernels(CUSTOM_KERNELS);
  setCustomKernelsEnabled(true);
  if (!customKernelsActive()) throw new Error('custom kernels did not become active');
  if (!bench) return adapterText(adapter);
  const software = isSoftwareAdapter(adapter);
  tuneSplitKForAdapter(software);
  const groups = `split-K k-groups until a workgroup has ${splitKTuning().minWorkgroupThreads} threads`;
  return `${adapterText(adapter)} (${software ? 'software' : 'hardware'} adapter; ${groups}, as the app)`;
}

async function runChecks(only: string | null): Promise<void> {
  const checks = ALL_CHECKS().filter((c) => !only || c.kernel === only);
  row(['kernel', 'case', 'result', 'max |ours − ref|', 'max |tfjs − ref|', 'bound'], '', true);
  const device = webgpuBackend().device;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    const entry: CheckReport = { kernel: check.kernel, name: check.name, ok: false, validationError: null, error: null, results: [] };
    device.pushErrorScope('validation');
    try {
      entry.results = (await check.run()).map(judge);
    } catch (e) {
      entry.error = (e as Error).message;
    }
    const backend = webgpuBackend();
    if (backend.commandEncoder) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    entry.validationError = (await device.popErrorScope())?.message ?? null;
    entry.ok = !entry.error && !entry.validationError && entry.results.length > 0 && entry.results.every((r) => r.ok);
    report.checks.push(entry);
    for (const r of entry.results) {
      row(
        [
          check.kernel,
          r.name,
          r.ok ? 'ok' : 'FAIL',
          r.oursErr.toExponential(2),
          r.tfjsErr === null ? '—' : r.tfjsErr.toExponential(2),
          r.bound.toExponential(2),
        ],
        r.ok ? 'ok' : 'bad',
      );
    }
    if (entry.error || entry.validationError) row([check.kernel, check.name, 'FAIL', entry.error ?? entry.validationError ?? '', '', ''], 'bad');
    progress.value = (i + 1) / checks.length;
    summary.textContent = `${report.adapter}: ${i + 1} of ${checks.length} checks run, ${report.checks.filter((c) => !c.ok).length} failed`;
  }
}

async function runBench(only: string | null, reps: number): Promise<void> {
  const cases = ALL_BENCH_CASES().filter((c) => !only || c.kernel === only);
  row(['kernel', 'shape', 'ours ms', "tfjs's ms", 'ratio', 'ours GFLOP/s'], '', true);
  for (let i = 0; i < cases.length; i++) {
    const timing = await timeBenchCase(cases[i]!, reps);
    report.bench.push(timing);
    row([
      timing.kernel,
      timing.name,
      timing.oursMs.toFixed(2),
      timing.tfjsMs.toFixed(2),
      `${timing.ratio.toFixed(2)}×`,
      timing.oursGflops === null ? '—' : timing.oursGflops.toFixed(1),
    ]);
    progress.value = (i + 1) / cases.length;
    summary.textContent = `${report.adapter}: ${i + 1} of ${cases.length} benchmarks run`;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  try {
    report.adapter = await startWebGPU(params.has('bench'));
    summary.textContent = report.adapter;
    if (params.has('bench')) await runBench(params.get('only'), Number(params.get('reps') ?? 3));
    else await runChecks(params.get('only'));
  } catch (e) {
    report.fatal = (e as Error).message;
    summary.textContent = `Could not run: ${report.fatal}`;
    summary.className = 'bad';
  }
  report.done = true;
}

void main();
