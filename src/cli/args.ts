import { parseArgs } from 'node:util';
import { PRESETS, type PresetName } from '../train/config.ts';

/** A command line that cannot run: main prints its message on one line and exits non-zero. */
export class UsageError extends Error {}

export type BackendFlag = 'wasm' | 'cpu' | 'webgpu';

export interface TrainArgs {
  command: 'train';
  data: string;
  preset: PresetName;
  labeledFraction: number;
  labeledSlices: number | null;
  steps: number | null;
  minutes: number | null;
  seed: number;
  out: string;
  split: string | null;
  backend: BackendFlag;
  /** WebGPU: our WGSL kernels (on, the default) or tfjs's own (off), to compare. */
  kernels: boolean;
  width: number | null;
  depth: number | null;
  evalEvery: number;
  /** Stage-1 steps of the text presets (promptssl, duss); null = the config's default. */
  vlmSteps: number | null;
  /** Labeled and unlabeled slices per step; null = the config's defaults. */
  batchLabeled: number | null;
  batchUnlabeled: number | null;
  /** 2D ResUNet over slices or 3D V-Net over patches; null = the preset's (tak: 3d), else 2d. */
  network: '2d' | '3d' | null;
  /** Training patch: one side (square / cube) or every side (HxW, DxHxW); null = fit the data. */
  patch: number[] | null;
  /** Config overrides, `path=value` (e.g. text.textTerm=false): every term's switch, for ablations. */
  set: { path: string[]; value: unknown }[];
}

export interface PredictArgs {
  command: 'predict';
  model: string;
  images: string;
  out: string;
  backend: BackendFlag;
  kernels: boolean;
}

/** `predict --onnx`: a segmentation model trained elsewhere (nnU-Net, MONAI) with its sidecar (docs/onnx-models.md). */
export interface PredictOnnxArgs {
  command: 'predict';
  onnx: string;
  /** The model's sidecar JSON; null: MODEL.json beside MODEL.onnx. */
  sidecar: string | null;
  images: string;
  out: string;
}

export interface EvalArgs {
  command: 'eval';
  pred: string;
  labels: string;
  json: string | null;
}

export type CommandName = 'train' | 'predict' | 'eval';

/** `pseudolab help`, `--help`: every command; `pseudolab train --help`, `help train`: that command. */
export type CliArgs = TrainArgs | PredictArgs | PredictOnnxArgs | EvalArgs | { command: 'help'; topic: CommandName | null };

const COMMANDS: readonly CommandName[] = ['train', 'predict', 'eval'];

/** Each command's usage: its synopsis (the first lines, also listed by `pseudolab --help`) and what it reads and writes. */
export const COMMAND_USAGE: Record<CommandName, { summary: string; synopsis: string; details: string }> = {
  train: {
    summary: 'train a segmentation model on a labeled dataset folder',
    synopsis: `pseudolab train --data DIR --preset NAME --labeled-fraction F [--labeled-slices N] [--steps N | --minutes M]
                [--seed S] [--split FILE] [--backend wasm|cpu|webgpu] [--kernels on|off] [--network 2d|3d] [--width W] [--depth D] [--patch P|DxHxW]
                [--batch-labeled N] [--batch-unlabeled N] [--vlm-steps N] [--eval-every N] [--set path=value …] --out RUN`,
    details: `Presets: ${PRESETS.join(', ')} (promptssl and duss pre-train a vision–language model on the data's texts first).
Data: a Medical Segmentation Decathlon folder (dataset.json, imagesTr/, labelsTr/) or a MoNuSeg folder (img/,
labelcol/, *_text.csv; or Train_Folder/ and Val_Folder/) of NIfTI, PNG or JPEG images. --set overrides any config
knob for an ablation, e.g. --set text.textTerm=false --set text.regionWeight=0 --set vlm.objective=glsc (values
are JSON, else strings). Writes RUN/model.pslb, config.json, split.json, log.csv and metrics.json.`,
  },
  predict: {
    summary: 'segment every image of a folder with a trained model',
    synopsis: `pseudolab predict --model RUN --images DIR --out DIR [--backend wasm|cpu|webgpu] [--kernels on|off]
pseudolab predict --onnx MODEL.onnx [--sidecar MODEL.json] --images DIR --out DIR`,
    details: `RUN is a folder written by train (or its model.pslb). --onnx runs a segmentation model trained elsewhere
(nnU-Net, MONAI) through ONNX Runtime, as its sidecar JSON says (MODEL.json beside it unless --sidecar; spacing,
normalisation, patch and classes: docs/onnx-models.md). DIR holds NIfTI (.nii, .nii.gz), PNG, JPEG or TIFF images,
or is a MoNuSeg folder whose img/ holds them. One prediction per image lands in --out:
  NIfTI → NIfTI label map of the same name and geometry, class values as trained;
  PNG, JPEG, TIFF → PNG mask of the same size named after the image (a.tif → a.png); a model with one class
  writes 0/255 (black/white, as MoNuSeg's masks and tools have it), a model with several its class values.`,
  },
  eval: {
    summary: 'score predictions against labels: Dice, IoU, HD95, ASD',
    synopsis: 'pseudolab eval --pred DIR --labels DIR [--json FILE]',
    details: `Labels are NIfTI label maps or PNG, TIFF or JPEG masks (0/255 is one class; JPEG masks are split at 128), in
--labels or in its labelcol/ (a MoNuSeg folder). Each is paired with the prediction of the same case name (the
file name without extension). Per-class and mean Dice, IoU, HD95 and ASD averaged over cases; distances in mm
for NIfTI, in pixels for 2D masks, which carry no pixel size (the table says "HD95 (px)"). --json writes every
case's figures.`,
  },
};

/** `pseudolab --help`: every command's synopsis and what it does. */
export const USAGE = `Usage:
${COMMANDS.map((c) => `  ${COMMAND_USAGE[c].synopsis.replace(/\n/g, '\n  ')}\n      ${COMMAND_USAGE[c].summary}`).join('\n')}
Run pseudolab <command> --help for a command's data, outputs and options.`;

/** `pseudolab <command> --help`: the command's synopsis and details. */
export function commandUsage(command: CommandName): string {
  const u = COMMAND_USAGE[command];
  // Continuation lines line up under the command's first option, after "Usage: ".
  return `Usage: ${u.synopsis.replace(/\n/g, '\n       ')}\n${u.summary[0]!.toUpperCase()}${u.summary.slice(1)}.\n\n${u.details}`;
}

const isCommand = (s: string | undefined): s is CommandName => COMMANDS.includes(s as CommandName);

/** "text.regionWeight=0.5" → path and value (JSON when it parses, else the string). */
export function parseSetting(s: string): { path: string[]; value: unknown } {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set needs path=value, got "${s}"`);
  const path = s.slice(0, eq).split('.');
  if (path.some((p) => !/^[A-Za-z][A-Za-z0-9]*$/.test(p))) throw new UsageError(`--set: "${s.slice(0, eq)}" is not a config path`);
  const raw = s.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // A bare word: keep it as a string (e.g. vlm.objective=glsc).
  }
  return { path, value };
}

function num(v: string | undefined, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${opts.int ? 'a whole number' : 'a number'}, got "${v}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${n}`);
  return n;
}

function required(v: string | undefined, name: string): string {
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

function kernels(v: string | undefined): boolean {
  if (v === undefined || v === 'on') return true;
  if (v === 'off') return false;
  throw new UsageError(`--kernels must be on or off, got "${v}"`);
}

function backend(v: string | undefined): BackendFlag {
  if (v === undefined) return 'wasm';
  if (v === 'wasm' || v === 'cpu' || v === 'webgpu') return v;
  throw new UsageError(`--backend must be wasm, cpu or webgpu, got "${v}"`);
}

export function parseCli(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { command: 'help', topic: null };
  if (command === 'help') {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw new UsageError(`no help on "${rest[0]}" (commands: ${COMMANDS.join(', ')})`);
    return { command: 'help', topic: rest[0] ?? null };
  }
  // Help wins over every other flag, so a half-typed command line can still ask how it goes on.
  if (isCommand(command) && (rest.includes('--help') || rest.includes('-h'))) return { command: 'help', topic: command };
  let values: Record<string, string | undefined>;
  let settings: string[] = [];
  try {
    const parsed = parseArgs({
      args: rest,
      strict: true,
      options: {
        data: { type: 'string' },
        preset: { type: 'string' },
        'labeled-fraction': { type: 'string' },
        'labeled-slices': { type: 'string' },
        steps: { type: 'string' },
        minutes: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        split: { type: 'string' },
        backend: { type: 'string' },
        kernels: { type: 'string' },
        width: { type: 'string' },
        depth: { type: 'string' },
        'eval-every': { type: 'string' },
        'vlm-steps': { type: 'string' },
        'batch-labeled': { type: 'string' },
        'batch-unlabeled': { type: 'string' },
        patch: { type: 'string' },
        network: { type: 'string' },
        set: { type: 'string', multiple: true },
        model: { type: 'string' },
        onnx: { type: 'string' },
        sidecar: { type: 'string' },
        images: { type: 'string' },
        pred: { type: 'string' },
        labels: { type: 'string' },
        json: { type: 'string' },
      },
    }).values as Record<string, string | string[] | undefined>;
    settings = (parsed.set as string[] | undefined) ?? [];
    delete parsed.set;
    values = parsed as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  switch (command) {
    case 'train': {
      const preset = required(values.preset, 'preset');
      if (!PRESETS.includes(preset as PresetName)) throw new UsageError(`unknown preset "${preset}" (known: ${PRESETS.join(', ')})`);
      const steps = num(values.steps, 'steps', { int: true, min: 1 });
      const minutes = num(values.minutes, 'minutes', { min: 0.01 });
      if (steps !== null && minutes !== null) throw new UsageError('give --steps or --minutes, not both');
      return {
        command,
        data: required(values.data, 'data'),
        preset: preset as PresetName,
        labeledFraction: num(required(values['labeled-fraction'], 'labeled-fraction'), 'labeled-fraction', { min: 0, max: 1 })!,
        labeledSlices: num(values['labeled-slices'], 'labeled-slices', { int: true, min: 1 }),
        steps: steps ?? (minutes === null ? 500 : null),
        minutes,
        seed: num(values.seed, 'seed', { int: true }) ?? 1,
        out: required(values.out, 'out'),
        split: values.split ?? null,
        backend: backend(values.backend),
        kernels: kernels(values.kernels),
        width: num(values.width, 'width', { int: true, min: 1 }),
        depth: num(values.depth, 'depth', { int: true, min: 1, max: 6 }),
        evalEvery: num(values['eval-every'], 'eval-every', { int: true, min: 1 }) ?? 100,
        vlmSteps: num(values['vlm-steps'], 'vlm-steps', { int: true, min: 0 }),
        batchLabeled: num(values['batch-labeled'], 'batch-labeled', { int: true, min: 1 }),
        batchUnlabeled: num(values['batch-unlabeled'], 'batch-unlabeled', { int: true, min: 0 }),
        network: network(values.network),
        patch: patchSides(values.patch),
        set: settings.map(parseSetting),
      };
    }
    case 'predict': {
      if ((values.model === undefined) === (values.onnx === undefined))
        throw new UsageError('give --model RUN (a model of ours) or --onnx MODEL.onnx (one trained elsewhere), one of them');
      if (values.sidecar !== undefined && values.onnx === undefined) throw new UsageError('--sidecar goes with --onnx');
      if (values.onnx !== undefined)
        return { command, onnx: values.onnx, sidecar: values.sidecar ?? null, images: required(values.images, 'images'), out: required(values.out, 'out') };
      return {
        command,
        model: required(values.model, 'model'),
        images: required(values.images, 'images'),
        out: required(values.out, 'out'),
        backend: backend(values.backend),
        kernels: kernels(values.kernels),
      };
    }
    case 'eval':
      return { command, pred: required(values.pred, 'pred'), labels: required(values.labels, 'labels'), json: values.json ?? null };
    default:
      throw new UsageError(`unknown command "${command}" (train, predict, eval)`);
  }
}

function network(v: string | undefined): '2d' | '3d' | null {
  if (v === undefined) return null;
  if (v === '2d' || v === '3d') return v;
  throw new UsageError(`--network must be 2d or 3d, not "${v}"`);
}

/** "64" or "32x48x32": each side an integer of at least 4. */
function patchSides(v: string | undefined): number[] | null {
  if (v === undefined) return null;
  const sides = v.split(/[x×,]/).map((s) => Number(s));
  if (sides.length > 3 || sides.some((n) => !Number.isInteger(n) || n < 4))
    throw new UsageError(`--patch must be a side or sides like 32x48x32 (integers ≥ 4), not "${v}"`);
  return sides;
}
