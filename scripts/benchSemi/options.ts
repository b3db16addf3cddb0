/*
 * The harness's command line. Everything is checked before a single run starts: a typo found after an hour of
 * training would cost the hour.
 */
import { parseArgs } from 'node:util';
import { parseArms, type Arm } from './arms.ts';
import { datasetNamed, pickRegimes, type DatasetSpec, type Regime } from './datasets.ts';

export interface HarnessOptions {
  spec: DatasetSpec;
  regimes: Regime[];
  arms: Arm[];
  seeds: number[];
  steps: number;
  width: number;
  evalEvery: number | null;
  backend: string | null;
  out: string;
  jobs: number;
  nice: boolean;
  dryRun: boolean;
}

export const DEFAULT_PRESETS = ['supervised', 'mean-teacher', 'promptssl', 'duss'];
/** Presets added to the default list when the registry has them (methods that arrive after this harness). */
const LATER_DEFAULTS = ['bcp'];

export const USAGE = `Usage: npx tsx scripts/bench-semi.mts hippocampus|monuseg [options]
Trains every regime × arm × seed with \`pseudolab train\`, predicts the held-out images the model never saw
(hippocampus: the split's val cases; MoNuSeg: Val_Folder), scores them with \`pseudolab eval\`, and writes
OUT/results.md: mean ± sample sd over seeds per regime and arm, and each arm paired with supervised per seed.
Resumable: a run whose eval.json exists is skipped; a run folder without one is deleted and run again.

Options:
  --regimes "A B"    hippocampus: slices3 slices10 volumes (3 or 10 labeled slices per labeled volume, or whole
                     volumes; always 10 % of the training volumes); monuseg: labeled25 labeled50. Default: all.
  --presets "A B"    arms, space-separated (default: ${DEFAULT_PRESETS.join(' ')}, plus ${LATER_DEFAULTS.join(', ')} when registered).
                     An arm is a registered preset, or a variant NAME=PRESET:path=value,path=value,… run as
                     --preset PRESET --set path=value …, e.g.
                     "supervised mean-teacher mt-thr=mean-teacher:consistency.kind=pseudo-ce,consistency.threshold=0.9"
                     (values are JSON, else strings; a comma inside a JSON value is kept).
  --seeds 1,2,3      seeds (default 1,2,3); a seed also picks which training cases are labeled, the same for every arm.
  --steps N          training steps (default: hippocampus 1500, monuseg 300).
  --width W          ResUNet width (default 8).
  --eval-every N     train's own validation every N steps (default: off; the held-out predict + eval is the score).
  --backend B        wasm (the CLI's default), webgpu (a real GPU through Dawn) or cpu, for train and predict.
  --out DIR          run folders DIR/REGIME/ARM/seedS and DIR/results.md (default runs/semi-DATASET).
  --jobs N           runs at a time (default 2: tfjs's WebAssembly backend uses one core in Node).
  --no-nice          run the children at normal priority (default: nice -n 19).
  --dry-run          print the matrix, each run's status and its commands; run nothing.`;

export function parseOptions(argv: readonly string[], knownPresets: readonly string[]): HarnessOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      regimes: { type: 'string' },
      presets: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      width: { type: 'string' },
      'eval-every': { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string' },
      'no-nice': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error('name one dataset: hippocampus or monuseg');
  const spec = datasetNamed(positionals[0]!);
  const defaults = [...DEFAULT_PRESETS, ...LATER_DEFAULTS.filter((p) => knownPresets.includes(p))];
  const seeds = (values.seeds ?? '1,2,3').split(/[\s,]+/).map((s) => positiveInt(s, 'seeds', 0));
  if (new Set(seeds).size !== seeds.length) throw new Error('--seeds lists a seed twice');
  return {
    spec,
    regimes: pickRegimes(spec, values.regimes ? values.regimes.split(/[\s,]+/).filter(Boolean) : spec.defaultRegimes),
    arms: parseArms(values.presets ?? defaults.join(' '), knownPresets),
    seeds,
    steps: values.steps ? positiveInt(values.steps, 'steps', 1) : spec.defaultSteps,
    width: values.width ? positiveInt(values.width, 'width', 1) : 8,
    evalEvery: values['eval-every'] ? positiveInt(values['eval-every'], 'eval-every', 1) : null,
    backend: backendFlag(values.backend),
    out: (values.out ?? `runs/semi-${spec.name}`).replace(/\/+$/, ''),
    jobs: values.jobs ? positiveInt(values.jobs, 'jobs', 1) : 2,
    nice: !values['no-nice'],
    dryRun: values['dry-run'] ?? false,
  };
}

function backendFlag(v: string | undefined): string | null {
  if (v === undefined) return null;
  if (v === 'wasm' || v === 'webgpu' || v === 'cpu') return v;
  throw new Error(`--backend must be wasm, webgpu or cpu, not "${v}"`);
}

function positiveInt(s: string, flag: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: "${s}" is not an integer ≥ ${min}`);
  return n;
}
