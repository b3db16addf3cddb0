/*
 * The run matrix (regime × arm × seed for one dataset) and the command lines of each run, as data: the runner
 * executes them, --dry-run prints them, and the resume decision compares them with what a run folder recorded.
 */
import type { Arm } from './arms.ts';
import type { DatasetSpec, Regime } from './datasets.ts';

export interface MatrixOptions {
  out: string;
  steps: number;
  width: number;
  /** Train's own validation every N steps; null switches it off (predict + eval on held-out cases is the score). */
  evalEvery: number | null;
  /** tfjs backend for train and predict; null leaves the CLI's default (WebAssembly). */
  backend: string | null;
}

export interface Run {
  regime: Regime;
  arm: Arm;
  seed: number;
  /** The run's folder: train's --out, with predictions/ and eval.json inside. */
  dir: string;
  /** Arguments after `pseudolab`, one list per step, run in this order. */
  train: string[];
  predict: string[];
  eval: string[];
  /** Where eval writes before the harness renames it to eval.json: eval.json exists only once a run is whole. */
  evalPartial: string;
  evalJson: string;
}

/** Train validates on its quick set every N steps, and N above the budget never comes. */
const NEVER = 1_000_000_000;

/**
 * The split train gets when the held-out cases come from a split file: the same training cases, and only the
 * first few held-out cases for train's own final score (see DatasetSpec.heldOut.trainChecks).
 */
export function trainSplitFile(spec: DatasetSpec, out: string): string | null {
  return 'splitFile' in spec.heldOut ? `${out}/train-split.json` : null;
}

/** The folders the held-out images and labels are read from, for this --out. */
export function heldOutFolders(spec: DatasetSpec, out: string): { images: string; labels: string } {
  return 'images' in spec.heldOut ? spec.heldOut : { images: `${out}/held-out/images`, labels: `${out}/held-out/labels` };
}

/**
 * Every run, seed outermost: the first seed of every arm finishes before the second starts, so a matrix stopped
 * half-way still pairs each method with supervised on the same seeds.
 */
export function buildMatrix(spec: DatasetSpec, regimes: readonly Regime[], arms: readonly Arm[], seeds: readonly number[], o: MatrixOptions): Run[] {
  const held = heldOutFolders(spec, o.out);
  const split = trainSplitFile(spec, o.out);
  // Only when asked for, so runs made before the flag existed keep their command lines and resume.
  const backend = o.backend ? ['--backend', o.backend] : [];
  const runs: Run[] = [];
  for (const seed of seeds)
    for (const regime of regimes)
      for (const arm of arms) {
        const dir = `${o.out}/${regime.name}/${arm.name}/seed${seed}`;
        const train = [
          'train',
          '--data',
          spec.data,
          ...(split ? ['--split', split] : []),
          ...spec.baseFlags,
          ...regime.flags,
          '--preset',
          arm.preset,
          '--steps',
          String(o.steps),
          '--width',
          String(o.width),
          '--seed',
          String(seed),
          '--eval-every',
          String(o.evalEvery ?? NEVER),
          ...arm.settings.flatMap((s) => ['--set', s]),
          ...backend,
          '--out',
          dir,
        ];
        const evalPartial = `${dir}/eval.partial.json`;
        runs.push({
          regime,
          arm,
          seed,
          dir,
          train,
          predict: ['predict', '--model', dir, '--images', held.images, '--out', `${dir}/predictions`, ...backend],
          eval: ['eval', '--pred', `${dir}/predictions`, '--labels', held.labels, '--json', evalPartial],
          evalPartial,
          evalJson: `${dir}/eval.json`,
        });
      }
  return runs;
}

export type RunDecision = 'skip' | 'fresh' | 'redo' | 'stale';

/**
 * What to do with a run folder. Finished (eval.json) with the same command lines: skip. Finished under other
 * command lines (another step budget, a variant redefined under the same name): stale, refused rather than mixed
 * into the table. Started but unfinished: redo from scratch, since a killed train leaves no resumable state.
 */
export function decideRun(state: { evalDone: boolean; dirExists: boolean; recorded: readonly string[][] | null }, run: Run): RunDecision {
  if (state.evalDone) return sameCommands(state.recorded, commandsOf(run)) ? 'skip' : 'stale';
  return state.dirExists ? 'redo' : 'fresh';
}

export function commandsOf(run: Run): string[][] {
  return [run.train, run.predict, run.eval];
}

function sameCommands(a: readonly string[][] | null, b: readonly string[][]): boolean {
  return a !== null && a.length === b.length && a.every((x, n) => x.length === b[n]!.length && x.every((y, m) => y === b[n]![m]));
}
