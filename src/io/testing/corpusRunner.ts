import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CaseMeta, type CaseReport, classify, type Outcome } from './corpusVerdict.ts';

/* Opening each case of the malformed-input corpus in a capped child process, and counting what came out. */

export interface CaseResult {
  id: string;
  group: string;
  outcome: Outcome;
  why: string;
  ms: number;
}

export interface RunOptions {
  /** The command that opens one case folder and prints its CaseReport as the last line of stdout. */
  child: { command: string; args: (caseDir: string) => string[] };
  timeoutMs: number;
  parallel: number;
}

function runOne(dir: string, meta: CaseMeta, o: RunOptions): Promise<CaseResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(o.child.command, o.child.args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timedOut = false;
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, o.timeoutMs);
    proc.on('close', () => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      let report: CaseReport | null = null;
      try {
        report = line.startsWith('{') ? (JSON.parse(line) as CaseReport) : null;
      } catch {
        report = null;
      }
      const { outcome, why } = classify(meta, report, timedOut);
      resolve({ id: meta.id, group: meta.group, outcome, why, ms: Date.now() - t0 });
    });
  });
}

/**
 * How to start the child that opens one case. Each case is a fresh process, and tsx compiling the source on every
 * start would dominate a case's time, so the child is bundled once with esbuild (packages stay external and
 * resolve from node_modules); without esbuild, tsx runs the source.
 */
export async function childCommand(repoRoot: string, memMb: number): Promise<RunOptions['child']> {
  const source = join(repoRoot, 'scripts', 'open-malformed-case.mts');
  const bundle = join(repoRoot, 'node_modules', '.cache', 'pseudolab-malformed', 'open-case.mjs');
  let entry = ['--import', 'tsx', source];
  try {
    const { build } = await import('esbuild');
    await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'warning' });
    entry = [bundle];
  } catch {
    // tsx it is.
  }
  return { command: process.execPath, args: (dir) => [`--max-old-space-size=${memMb}`, ...entry, dir] };
}

/** `count` case ids spread evenly over the sorted corpus, so a sample touches every group. */
export function sampleIds(root: string, count: number): string[] {
  const all = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'case.json')))
    .sort();
  const step = all.length / count;
  return Array.from({ length: Math.min(count, all.length) }, (_, n) => all[Math.floor(n * step)]!);
}

export async function runCorpus(root: string, ids: string[] | null, o: RunOptions, onResult?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const all = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'case.json')))
    .sort();
  const chosen = ids ? all.filter((d) => ids.includes(d)) : all;
  const results: CaseResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const id = chosen[next++]!;
      const meta = JSON.parse(readFileSync(join(root, id, 'case.json'), 'utf8')) as CaseMeta;
      const r = await runOne(join(root, id), meta, o);
      results.push(r);
      onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  return results.sort((a, b) => a.id.localeCompare(b.id));
}

export function countOutcomes(results: CaseResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { ok: 0, 'named-error': 0, wrong: 0, hang: 0, crash: 0, 'raw-message': 0 };
  for (const r of results) counts[r.outcome]++;
  return counts;
}
