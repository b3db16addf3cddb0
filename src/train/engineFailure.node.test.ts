import { describe, expect, it } from 'vitest';
import { explainEngineFailure } from './engineFailure.ts';

describe('engine failures in plain words', () => {
  it('reads a WebAssembly abort and an out-of-bounds access as memory, says what to try, and keeps the raw text', () => {
    for (const raw of ['Aborted(). Build with -sASSERTIONS for more info.', 'RuntimeError: memory access out of bounds']) {
      const e = explainEngineFailure(raw, 'wasm', 120);
      expect(e.engine).toBe('memory');
      expect(e.message).toMatch(/ran out of memory in the CPU \(WebAssembly\) engine/);
      expect(e.message).toMatch(/smaller model size/);
      expect(e.message).toMatch(/Resume to continue from the model saved at step 120/);
      expect(e.message).not.toContain('ASSERTIONS');
      expect(e.details).toBe(raw);
    }
  });

  it('reads a lost GPU device as such, and says Start when nothing was saved', () => {
    const e = explainEngineFailure('GPUDevice was lost: the device was destroyed', 'webgpu', null);
    expect(e.engine).toBe('device');
    expect(e.message).toMatch(/GPU stopped responding/);
    expect(e.message).toMatch(/CPU \(WebAssembly\) backend/);
    expect(e.message).toMatch(/Press Start to train again/);
  });

  it('leaves errors that are not the engine’s as they are', () => {
    const e = explainEngineFailure('No labeled slices to learn from', 'wasm', null);
    expect(e.engine).toBeNull();
    expect(e.message).toBe('No labeled slices to learn from');
  });
});
