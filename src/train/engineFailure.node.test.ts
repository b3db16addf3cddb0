import { describe, expect, it } from 'vitest';
import { explainEngineFailure, explainRawEngineText } from './engineFailure.ts';

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

describe('raw engine text anywhere in a message', () => {
  it('turns a WebAssembly abort into what happened and what to do, keeping the raw text as details', () => {
    const raw = 'training worker error: Aborted(). Build with -sASSERTIONS for more info.';
    const e = explainRawEngineText(raw, 'Training');
    expect(e).not.toBeNull();
    // Shown under the subject "Training": the sentence does not say it again.
    expect(e!.message).toMatch(/^Stopped because the engine ran out of memory/);
    expect(e!.message).toMatch(/smaller model size/);
    expect(e!.message).not.toContain('ASSERTIONS');
    expect(e!.details).toBe(raw);
  });

  it('says an internal error plainly when it is not about memory', () => {
    const e = explainRawEngineText("TypeError: Cannot read properties of undefined (reading 'shape')", null);
    expect(e!.message).toMatch(/^The last action stopped on an internal engine error/);
    expect(e!.message).toMatch(/try again/);
  });

  it('leaves plain sentences alone, even ones that name WebAssembly', () => {
    expect(explainRawEngineText('Training runs on the CPU (WebAssembly): it is slower than the GPU.', 'Training')).toBeNull();
    expect(explainRawEngineText('Add a class before training: the model needs to know what to segment.', 'Training')).toBeNull();
  });
});
