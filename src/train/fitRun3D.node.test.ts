import { describe, expect, it } from 'vitest';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig } from './config.ts';
import { describeRun3DChange, memoryLine } from './describeMemory.ts';
import { fitRun3D, memoryLimitsFor } from './fitRun3D.ts';

const volume = { dims: [96, 96, 48], spacing: [1, 1, 2], channels: 1 } as unknown as TrainingVolume;

describe('the 3D memory verdict', () => {
  it("takes its budget from the WebGPU adapter's limits, or the WebAssembly heap", () => {
    const gpu = memoryLimitsFor({ name: 'webgpu', software: false, gpuLimits: { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 31 } });
    expect(gpu.limits).toEqual({ maxBindingBytes: 2 ** 30, budgetBytes: 2 * 2 ** 30 });
    expect(gpu.source).toBe('WebGPU adapter limits (1024 MiB per buffer)');
    const wasm = memoryLimitsFor({ name: 'wasm', software: false });
    expect(wasm.limits.budgetBytes).toBe(2 * 2 ** 30);
    expect(wasm.source).toBe('the WebAssembly heap');
  });

  it('leaves a run that fits alone, and reports its estimate', () => {
    const cfg = presetConfig('mean-teacher', { model: { kind: '3d', width: 4, depth: 2 }, patch3d: [16, 28, 28], batchLabeled: 2, batchUnlabeled: 2 });
    const fit = fitRun3D(cfg, [volume], 4, { maxBindingBytes: 2 ** 30, budgetBytes: 2 ** 31 }, 'test', { keepWidth: false });
    expect(fit.config).toBe(cfg);
    expect(fit.event.reason).toBeNull();
    expect(fit.event.used).toEqual({ patch: [16, 28, 28], batchLabeled: 2, batchUnlabeled: 2, width: 4 });
    expect(memoryLine(fit.event.estimateBytes, fit.event.budgetBytes)).toMatch(/^≈ \d+ MiB of 2048 MiB$/);
  });

  it('shrinks batch, then patch, then width until the run fits, and writes what runs into the config', () => {
    const cfg = presetConfig('mean-teacher', { model: { kind: '3d', width: 16, depth: 2 }, patch3d: [32, 64, 64], batchLabeled: 4, batchUnlabeled: 4 });
    const limits = { maxBindingBytes: 2 ** 30, budgetBytes: 256 * 2 ** 20 };
    const fit = fitRun3D(cfg, [volume], 4, limits, 'test', { keepWidth: false });
    expect(fit.event.reason).toMatch(/it needs about \d+ MiB, over the 256 MiB budget/);
    const used = fit.event.used!;
    expect(used.batchLabeled).toBe(1);
    expect(used.batchUnlabeled).toBe(1);
    expect(fit.event.estimateBytes).toBeLessThanOrEqual(limits.budgetBytes);
    expect(fit.config.patch3d).toEqual(used.patch);
    expect(fit.config.batchLabeled).toBe(1);
    expect(fit.config.model.width).toBe(used.width);
    const changes = describeRun3DChange(fit.event.requested, used);
    expect(changes).toContain(`patch 32×64×64 → ${used.patch.join('×')} voxels`);
    expect(changes).toContain('batch 4 labeled + 4 unlabeled → 1 labeled + 1 unlabeled patches');
  });

  it("keeps a resumed model's width and says it may still not fit; a hopeless budget gives no run", () => {
    const cfg = presetConfig('mean-teacher', { model: { kind: '3d', width: 32, depth: 2 }, patch3d: [16, 32, 32], batchLabeled: 1, batchUnlabeled: 1 });
    const tight = { maxBindingBytes: 2 ** 30, budgetBytes: 40 * 2 ** 20 };
    const fresh = fitRun3D(cfg, [volume], 4, tight, 'test', { keepWidth: false });
    expect(fresh.event.used!.width).toBeLessThan(32);
    const resumed = fitRun3D(cfg, [volume], 4, tight, 'test', { keepWidth: true });
    expect(resumed.event.used!.width).toBe(32);
    expect(resumed.event.reason).toMatch(/keeps its width of 32, so it may still not fit/);
    const none = fitRun3D(cfg, [volume], 4, { maxBindingBytes: 2 ** 30, budgetBytes: 1024 }, 'test', { keepWidth: false });
    expect(none.event.used).toBeNull();
    expect(none.config).toBe(cfg);
  });
});
