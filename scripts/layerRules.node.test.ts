import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The layer rules (.dependency-cruiser.cjs) hold only if they can fail. A tiny tree with one import per rule,
 * forbidden and allowed, is cruised by the same command CI runs; then the real src/ must come out clean.
 */

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** Writes `files` (path → source) under a fresh folder with a tsconfig and a stand-in tfjs package. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pseudolab-layers-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', allowImportingTsExtensions: true, noEmit: true, strict: true },
      include: ['src'],
    }),
    'node_modules/@tensorflow/tfjs/package.json': JSON.stringify({ name: '@tensorflow/tfjs', version: '0.0.0', main: 'index.js' }),
    'node_modules/@tensorflow/tfjs/index.js': 'export const tensor = () => 0;\n',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  made.push(dir);
  return dir;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const pairs = (vs: Violation[]) => vs.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('report each forbidden import of a fixture tree and let the allowed ones through', () => {
    const dir = fixture({
      // The engine: tfjs inside train/, model/ and gpu/ is fine.
      'src/train/Trainer.ts': "import * as tf from '@tensorflow/tfjs';\nexport class Trainer { t = tf.tensor; }\n",
      'src/train/losses.ts': "import * as tf from '@tensorflow/tfjs';\nexport const loss = tf.tensor;\n",
      'src/train/vlm/TextGuidance.ts': "import * as tf from '@tensorflow/tfjs';\nexport const DUSS_TEXT = { lr: 1, t: tf.tensor };\n",
      // The train surface may not reach into the rest of train/.
      'src/train/config.ts': "import { DUSS_TEXT } from './vlm/TextGuidance.ts';\nexport const PRESETS = [DUSS_TEXT];\n",
      'src/train/modelSize.ts': "export const MODEL_SIZES = ['tiny'];\n",
      'src/train/protocol.ts': "import type { Trainer } from './Trainer.ts';\nexport type Msg = { t: Trainer };\n",
      'src/train/foo.node.test.ts': "import { readMsdFolder } from '../cli/dataset.ts';\nexport const f = readMsdFolder;\n",
      'src/cli/dataset.ts': 'export const readMsdFolder = 1;\n',
      // Main thread: a runtime import of the engine is reported; a type-only one and the surface are not.
      'src/ui/Panel.ts':
        "import { Trainer } from '../train/Trainer.ts';\nimport type { Msg } from '../train/protocol.ts';\nimport { MODEL_SIZES } from '../train/modelSize.ts';\nexport const p: [unknown, Msg | null, string[]] = [Trainer, null, MODEL_SIZES];\n",
      'src/store/slice.ts': "import * as tf from '@tensorflow/tfjs';\nexport const s = tf.tensor;\n",
      // ui → persist: reported; the same through app/ is allowed.
      'src/persist/runKey.ts': 'export const runKey = (p: string) => p;\n',
      'src/app/startPlan.ts': "import { runKey } from '../persist/runKey.ts';\nexport const shownRunKey = runKey;\n",
      'src/ui/RunControls.ts':
        "import { runKey } from '../persist/runKey.ts';\nimport { shownRunKey } from '../app/startPlan.ts';\nexport const r = [runKey, shownRunKey];\n",
      // model → gpu: only ops.ts → customKernels.ts.
      'src/gpu/customKernels.ts': 'export const customKernelsActive = () => true;\n',
      'src/gpu/kernels.ts': 'export const KERNELS = [];\n',
      'src/model/ops.ts': "import { customKernelsActive } from '../gpu/customKernels.ts';\nexport const on = customKernelsActive;\n",
      'src/model/resunet2d.ts': "import { KERNELS } from '../gpu/kernels.ts';\nexport const k = KERNELS;\n",
      // gpu → train: reported, except from the kernel checks (test code).
      'src/gpu/dispatch.ts': "import { loss } from '../train/losses.ts';\nexport const d = loss;\n",
      'src/gpu/checks/ceDice.checks.ts': "import { loss } from '../../train/losses.ts';\nexport const c = loss;\n",
    });
    expect(pairs(cruise(dir))).toEqual(
      [
        'main-thread-no-tfjs: src/store/slice.ts → node_modules/@tensorflow/tfjs/index.js',
        'main-thread-train-surface-only: src/ui/Panel.ts → src/train/Trainer.ts',
        'model-below-train: src/model/resunet2d.ts → src/gpu/kernels.ts',
        'model-gpu-seam-is-ops-only: src/model/resunet2d.ts → src/gpu/kernels.ts',
        'gpu-below-train: src/gpu/dispatch.ts → src/train/losses.ts',
        'tfjs-only-in-engine: src/store/slice.ts → node_modules/@tensorflow/tfjs/index.js',
        'ui-not-on-persist: src/ui/RunControls.ts → src/persist/runKey.ts',
        'train-surface-stays-light: src/train/config.ts → src/train/vlm/TextGuidance.ts',
        'train-tests-not-on-cli: src/train/foo.node.test.ts → src/cli/dataset.ts',
      ].sort(),
    );
  }, 120_000);

  it('find no violation in src/', () => {
    expect(pairs(cruise(ROOT))).toEqual([]);
  }, 120_000);
});
