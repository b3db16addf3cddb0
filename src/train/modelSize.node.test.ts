import { describe, expect, it } from 'vitest';
import { resolveModelSize } from './modelSize.ts';

describe('model size', () => {
  it('fits the backend when auto, and obeys an explicit choice', () => {
    expect(resolveModelSize('auto', { name: 'webgpu', software: true }, 96).size).toBe('tiny');
    expect(resolveModelSize('auto', { name: 'wasm', software: false }, 96).size).toBe('small');
    expect(resolveModelSize('auto', { name: 'webgpu', software: false }, 96).size).toBe('standard');
    expect(resolveModelSize('large', { name: 'cpu', software: false }, 96).size).toBe('large');
  });
  it('adds a level for large images', () => {
    expect(resolveModelSize('standard', { name: 'webgpu', software: false }, 96).parts.model.depth).toBe(3);
    expect(resolveModelSize('standard', { name: 'webgpu', software: false }, 1000).parts.model.depth).toBe(4);
  });
});
