import { describe, expect, it } from 'vitest';
import type { Run2DSummary, Run3DSummary } from '../train/protocol.ts';
import { memoryEstimateLine, memoryPool, memorySubject } from './memoryWords.ts';

const MiB = 2 ** 20;
const verdict = { estimateBytes: 1301 * MiB, budgetBytes: 2048 * MiB, budgetSource: 'the WebAssembly heap', used: null };
const used: Run2DSummary = { patch: [128, 128], batchLabeled: 2, batchUnlabeled: 2, width: 16, inferenceBatch: 4 };
const used3d: Run3DSummary = { patch: [16, 28, 28], batchLabeled: 2, batchUnlabeled: 0, width: 16 };

describe('memory words', () => {
  // A person training on the CPU was told about "GPU memory": the words must name the pool that really holds the run.
  it('says WebAssembly heap, not GPU memory, on WebAssembly', () => {
    const line = memoryEstimateLine(verdict, 'wasm');
    expect(line).toBe('Memory ≈ 1301 MiB of the 2048 MiB WebAssembly heap');
    expect(line).not.toMatch(/GPU/);
  });
  it('says JavaScript heap on the plain CPU backend', () => {
    expect(memoryEstimateLine({ ...verdict, budgetSource: 'the JavaScript heap' }, 'cpu')).toBe('Memory ≈ 1301 MiB of the 2048 MiB JavaScript heap');
  });
  it('says GPU memory only on WebGPU and WebGL', () => {
    expect(memoryEstimateLine({ ...verdict, budgetSource: 'WebGPU adapter limits (128 MiB per buffer)' }, 'webgpu')).toBe(
      'GPU memory ≈ 1301 MiB of 2048 MiB (WebGPU adapter limits (128 MiB per buffer))',
    );
    expect(memoryEstimateLine(verdict, 'webgl')).toBe('GPU memory ≈ 1301 MiB of an assumed 2048 MiB (WebGL does not report its memory)');
    expect(memorySubject(memoryPool('webgpu'))).toBe('GPU memory');
    expect(memorySubject(memoryPool('wasm'))).toBe('Memory');
    expect(memorySubject(memoryPool(null))).toBe('Memory');
  });
  it('names the run that trains with its cost', () => {
    expect(memoryEstimateLine({ ...verdict, estimateBytes: 300 * MiB, used }, 'wasm')).toBe(
      'Memory: trains at batch 2 + 2, 128² patch, width 16: ≈ 300 MiB of the 2.0 GiB WebAssembly heap',
    );
    const gpu = { ...verdict, budgetSource: 'WebGPU adapter limits (128 MiB per buffer)', estimateBytes: 300 * MiB };
    expect(memoryEstimateLine({ ...gpu, used: used3d }, 'webgpu')).toBe(
      'GPU memory: trains at batch 2, 16×28×28 patch, width 16: ≈ 300 MiB of 2.0 GiB (WebGPU adapter limits (128 MiB per buffer))',
    );
  });
});
