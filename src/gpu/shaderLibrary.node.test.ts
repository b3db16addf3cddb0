import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setShaderSources, shaderNameOf, shaderSource } from './shaderLibrary.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const SHADERS = fileURLToPath(new URL('../../shaders/', import.meta.url));

describe('shader library includes', () => {
  it('joins a fragment in place of its #include line, fragments within fragments too', () => {
    setShaderSources({
      'test/kernel': 'struct P { k: u32 }\n#include "test/outer"\n@compute @workgroup_size(1) fn main() {}\n',
      'test/outer': '// outer\n  #include "test/inner"  \nfn outer() {}\n',
      'test/inner': 'fn inner() {}\n',
    });
    expect(shaderSource('test/kernel')).toBe('struct P { k: u32 }\n// outer\nfn inner() {}\nfn outer() {}\n@compute @workgroup_size(1) fn main() {}\n');
  });

  it('names a missing fragment and an include cycle instead of compiling half a shader', () => {
    setShaderSources({ 'test/missing': '#include "test/nowhere"\n', 'test/a': '#include "test/b"\n', 'test/b': '#include "test/a"\n' });
    expect(() => shaderSource('test/missing')).toThrow(/no WGSL shader named "test\/nowhere"/);
    expect(() => shaderSource('test/a')).toThrow('WGSL include cycle: test/a → test/b → test/a');
  });

  it('names fragments by their folder, kernels by their file', () => {
    expect(shaderNameOf('../../shaders/fragments/argmax.wgsl')).toBe('fragments/argmax');
    expect(shaderNameOf('/repo/shaders/conv3d.wgsl')).toBe('conv3d');
    expect(shaderNameOf('conv3d.wgsl')).toBe('conv3d');
  });

  it('expands every kernel in shaders/ completely, and each fragment is used by two or more kernels', () => {
    loadShadersFromDisk();
    const kernels = readdirSync(SHADERS)
      .filter((f) => f.endsWith('.wgsl'))
      .map(shaderNameOf);
    const fragments = readdirSync(`${SHADERS}/fragments`)
      .filter((f) => f.endsWith('.wgsl'))
      .map((f) => `fragments/${shaderNameOf(f)}`);
    expect(fragments.length).toBeGreaterThan(0);
    for (const k of kernels) {
      const text = shaderSource(k);
      expect(text, k).not.toMatch(/#include/);
      expect(text.match(/@compute/g)?.length ?? 0, `${k}: one entry point`).toBe(1);
    }
    for (const f of fragments) {
      const users = kernels.filter((k) => readFileSync(`${SHADERS}/${k}.wgsl`, 'utf8').includes(`#include "${f}"`));
      expect(users.length, `${f} is included by ${users.join(', ') || 'nothing'}`).toBeGreaterThanOrEqual(2);
    }
  });
});
