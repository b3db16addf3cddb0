import { describe, expect, it } from 'vitest';
import { toTrainingVolume } from '../../data/trainingVolume.ts';
import { createLabelMap } from '../../volume/labels.ts';
import type { BackendChoice } from '../backendNames.ts';
import type { Checkpoint } from '../checkpoint.ts';
import { presetConfig } from '../config.ts';
import { inferenceSpecFor } from '../inferenceSpec.ts';
import type { FromWorker } from '../protocol.ts';
import { resolveRunConfig } from './runConfig.ts';
import { asVolume } from './workerVolumes.ts';

const wasm: BackendChoice = { name: 'wasm', adapter: null, software: false, notes: [] };

function volumes(side: number) {
  const dims: [number, number, number] = [side, side, 4];
  const w = {
    id: 'v',
    validation: [],
    dims,
    spacing: [1, 1, 1] as [number, number, number],
    channels: 1 as const,
    voxels: new Float32Array(side * side * 4),
    labels: new Uint8Array(side * side * 4),
    slices: createLabelMap(dims).slices,
  };
  return [toTrainingVolume(asVolume(w), createLabelMap(dims), [1])];
}

function resolve(a: { saved: Checkpoint | null; side: number; size?: 'tiny' | 'auto' }) {
  const events: FromWorker[] = [];
  const out = resolveRunConfig({
    config: presetConfig('mean-teacher'),
    modelSize: a.size ?? 'tiny',
    backend: wasm,
    saved: a.saved,
    volumes: volumes(a.side),
    numClasses: 2,
    emit: (m) => events.push(m),
  });
  return { ...out, events };
}

describe('resolveRunConfig: the config a session trains with', () => {
  it('a fresh run is sized as asked (tiny: width 4, the small vision–language model) and its memory verdict is sent', () => {
    const { config, size, events } = resolve({ saved: null, side: 32 });
    expect(size).toBe('tiny');
    expect(config.model.width).toBe(4);
    expect(config.vlm.dim).toBe(32);
    expect(events.map((e) => e.type)).toEqual(['memory2d']);
  });

  // A resumed model must keep the network and window it learned in, whatever the volumes open now would plan.
  it('a resumed run keeps the saved network, batches and recorded window, and reports the size it was trained at', () => {
    const trained = presetConfig('mean-teacher', { model: { width: 8, depth: 2 }, batchLabeled: 3, batchUnlabeled: 5 });
    const saved = { config: trained, inference: inferenceSpecFor([48, 40]) } as unknown as Checkpoint;
    const { config, size } = resolve({ saved, side: 256, size: 'auto' });
    expect(size).toBe('small');
    expect(config.model).toEqual(trained.model);
    expect([config.batchLabeled, config.batchUnlabeled]).toEqual([3, 5]);
    expect(config.patch).toEqual([48, 40]);
  });
});
