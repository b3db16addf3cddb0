/*
 * The side-effecting half of the harness: run folders on disk, child processes, a pool of N runs at a time.
 * Each step is `node bin/pseudolab.mjs …` (not npx: one process fewer per step), optionally under nice -n 19 so
 * the benchmark yields the cores to interactive work on a shared machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { crossCheck, type PerCase } from './crossCheck.ts';
import type { DatasetSpec } from './datasets.ts';
import { commandsOf, decideRun, heldOutFolders, trainSplitFile, type Run, type RunDecision } from './matrix.ts';
import type { RunResult } from './table.ts';

const CLI = 'bin/pseudolab.mjs';
const RECORD = 'run.json';

interface RunRecord {
  commands: string[][];
  /** The code that ran: a commit, marked when the tree had uncommitted changes. */
  code: string;
  wallSeconds?: number;
}

const active = new Set<ChildProcess>();

/** Ends the children of this harness (on Ctrl-C or kill), so no orphaned train keeps a core busy. */
export function stopChildrenOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      for (const c of active) c.kill('SIGTERM');
      process.exit(130);
    });
}

function readRecord(dir: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(`${dir}/${RECORD}`, 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

export function decisionFor(run: Run): RunDecision {
  return decideRun({ evalDone: existsSync(run.evalJson), dirExists: existsSync(run.dir), recorded: readRecord(run.dir)?.commands ?? null }, run);
}

/**
 * Hippocampus scores the split's val cases: linked into OUT/held-out/ so predict and eval see only those; train
 * gets the same split with its val list cut to the first few cases.
 */
export function prepareHeldOut(spec: DatasetSpec, out: string): void {
  if ('images' in spec.heldOut) return;
  const { splitFile, imagesDir, labelsDir, trainChecks } = spec.heldOut;
  const held = heldOutFolders(spec, out);
  const split = JSON.parse(readFileSync(splitFile, 'utf8')) as { train: string[]; val: string[] };
  const ids = split.val;
  mkdirSync(out, { recursive: true });
  writeFileSync(trainSplitFile(spec, out)!, JSON.stringify({ ...split, val: ids.slice(0, trainChecks) }, null, 1));
  for (const [from, to] of [
    [imagesDir, held.images],
    [labelsDir, held.labels],
  ] as const) {
    mkdirSync(to, { recursive: true });
    for (const id of ids) {
      const link = `${to}/${id}.nii.gz`;
      // The real path, so the links outlive a snapshot folder that reached the data through a link of its own.
      if (!existsSync(link)) symlinkSync(realpathSync(`${from}/${id}.nii.gz`), link);
    }
  }
}

function step(args: string[], logFile: string, nice: boolean): Promise<number> {
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `\n$ pseudolab ${args.join(' ')}\n`);
  const [cmd, ...rest] = nice ? ['nice', '-n', '19', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const child = spawn(cmd!, rest, { stdio: ['ignore', fd, fd] });
  active.add(child);
  return new Promise((done) => {
    const finish = (code: number) => {
      active.delete(child);
      closeSync(fd);
      done(code);
    };
    child.on('error', () => finish(127));
    child.on('exit', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Train, predict, eval in a fresh folder; eval.json appears last, so it marks a whole run. Resolves to an error or null. */
export async function executeRun(run: Run, nice: boolean, code: string): Promise<string | null> {
  rmSync(run.dir, { recursive: true, force: true });
  mkdirSync(run.dir, { recursive: true });
  const record: RunRecord = { commands: commandsOf(run), code };
  writeFileSync(`${run.dir}/${RECORD}`, JSON.stringify(record, null, 2));
  const log = `${run.dir}/run.log`;
  const started = performance.now();
  for (const args of commandsOf(run)) {
    const code = await step(args, log, nice);
    if (code !== 0) return `pseudolab ${args[0]} exited with ${code} (see ${log})`;
  }
  record.wallSeconds = (performance.now() - started) / 1000;
  writeFileSync(`${run.dir}/${RECORD}`, JSON.stringify(record, null, 2));
  renameSync(run.evalPartial, run.evalJson);
  return null;
}

interface EvalFile {
  distanceUnit: string;
  byClass: Record<string, { dice: number } | null>;
  mean: { dice: number; hd95: number };
  perCase: PerCase;
}

interface MetricsFile {
  seconds: number;
  perCase: PerCase;
}

/** A finished run's scores, or null while it has none. */
export function readResult(run: Run): RunResult | null {
  if (!existsSync(run.evalJson)) return null;
  const e = JSON.parse(readFileSync(run.evalJson, 'utf8')) as EvalFile;
  const m = JSON.parse(readFileSync(`${run.dir}/metrics.json`, 'utf8')) as MetricsFile;
  return {
    regime: run.regime.name,
    arm: run.arm.name,
    seed: run.seed,
    dice: e.mean.dice,
    classDice: Object.fromEntries(Object.entries(e.byClass).map(([k, v]) => [k, v?.dice ?? null])),
    hd95: e.mean.hd95,
    distanceUnit: e.distanceUnit,
    trainSeconds: m.seconds,
    wallSeconds: readRecord(run.dir)?.wallSeconds ?? m.seconds,
    check: crossCheck(m.perCase, e.perCase),
  };
}

/** The commit the children run, "+uncommitted" when src/ differs from it (then the runs are not reproducible). */
export function codeVersion(): string {
  const git = (args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git(['status', '--porcelain', '--', 'src', 'bin']).stdout.trim().length > 0;
  return `${head.stdout.trim()}${dirty ? '+uncommitted' : ''}`;
}

/** Runs `work` over `items`, at most `jobs` at a time, in order of the list. */
export async function pool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
}
