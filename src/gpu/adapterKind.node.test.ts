import { describe, expect, it } from 'vitest';
import { adapterText, isSoftwareAdapter, namesSoftwareRenderer } from './adapterKind.ts';

const adapter = (info: Partial<GPUAdapterInfo> | undefined, isFallbackAdapter = false) => ({ info, isFallbackAdapter }) as unknown as GPUAdapter;

describe('adapter kind', () => {
  it('names software renderers and not hardware ones', () => {
    for (const name of ['google · swiftshader · SwiftShader driver 5.0.0', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Microsoft Basic Render Driver', 'lavapipe']) {
      expect(namesSoftwareRenderer(name), name).toBe(true);
    }
    for (const name of ['nvidia · hopper · NVIDIA H100 80GB HBM3', 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620)', 'apple · metal-3']) {
      expect(namesSoftwareRenderer(name), name).toBe(false);
    }
  });

  it("reads an adapter's info, and treats a fallback adapter as software whatever it is called", () => {
    expect(adapterText(adapter({ vendor: 'google', architecture: 'swiftshader', description: '', device: '' }))).toBe('google · swiftshader');
    expect(adapterText(adapter(undefined))).toBe('WebGPU adapter');
    expect(isSoftwareAdapter(adapter({ vendor: 'google', architecture: 'swiftshader' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper' }))).toBe(false);
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper' }, true))).toBe(true);
  });
});
