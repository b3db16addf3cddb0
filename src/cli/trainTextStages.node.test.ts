import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../train/checkpoint.ts';
import type { TrainArgs } from './args.ts';
import { HIPPOCAMPUS, smallHippocampusFolder } from './testing/hippocampusFolder.ts';
import { runTrain } from './train.ts';

const HIPPO = HIPPOCAMPUS;
const smallFolder = (): string => smallHippocampusFolder(4, 'pseudolab-cli-text-');

function args(data: string, out: string, over: Partial<TrainArgs>): TrainArgs {
  return {
    command: 'train',
    data,
    preset: 'supervised',
    labeledFraction: 0.5,
    labeledSlices: 4,
    steps: 2,
    minutes: null,
    seed: 1,
    out,
    split: null,
    backend: 'wasm',
    kernels: true,
    width: 4,
    depth: 2,
    evalEvery: 100,
    vlmSteps: 2,
    batchLabeled: 1,
    batchUnlabeled: 1,
    network: null,
    patch: null,
    set: [],
    ...over,
  };
}

// The CLI sets up the text stages through the session's own modules (train/session/): these runs prove that path
// trains, and that its model file carries what the app needs to resume the text side.
describe.skipIf(!existsSync(HIPPO))('pseudolab train with text (needs ../shared/datasets/hippocampus)', () => {
  it('tak: encodes each class’s position and shape prompts and saves them, with their texts, in the model', async () => {
    const data = smallFolder();
    const out = join(data, '..', 'run-tak');
    const lines: string[] = [];
    await runTrain(args(data, out, { preset: 'tak', network: '3d', patch: [8, 16, 16] }), (l) => lines.push(l));
    const log = lines.join('\n');
    expect(log).toMatch(/class 1 position: /);
    expect(log).toMatch(/prompts encoded by the learned text transformer \(2 pre-training steps\)/);
    const saved = decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'model.pslb'))));
    expect(saved.step).toBe(2);
    expect(saved.config.patch3d).toEqual([8, 16, 16]);
    expect(saved.tak?.texts?.position.length).toBe(3);
    expect(saved.tak?.position.length).toBe(3 * saved.tak!.dim);
  }, 300_000);

  it('promptssl: pre-trains the vision–language model, then trains with its text mask, and saves both stages', async () => {
    const data = smallFolder();
    const out = join(data, '..', 'run-promptssl');
    const lines: string[] = [];
    await runTrain(args(data, out, { preset: 'promptssl', network: '2d', patch: [32] }), (l) => lines.push(l));
    const log = lines.join('\n');
    expect(log).toMatch(/vision–language pre-training \(glsc\)/);
    expect(log).toMatch(/vlm step 2\/2 /);
    expect(log).toMatch(/retrieval at step 2: /);
    // Class texts are logged; without text.anatomyPrompts a class without descriptions is its name alone.
    expect(log).toMatch(/class 1 text: [^\n]*\.$/m);
    const saved = decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'model.pslb'))));
    expect(saved.text?.pretrainSteps).toBe(2);
    expect(saved.text?.decoder?.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'log.csv'), 'utf8')).toMatch(/^2,.*,\d/m);
  }, 300_000);
});
