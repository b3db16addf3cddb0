import { setShaderSources, shaderNameOf } from './shaderLibrary.ts';

/** Bundles every shaders/*.wgsl as text (Vite's glob import) and hands them to the shader library. */
export function loadBundledShaders(): void {
  const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  const byName: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) byName[shaderNameOf(path)] = text;
  setShaderSources(byName);
}
