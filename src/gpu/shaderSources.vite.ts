import { setShaderSources, shaderNameOf } from './shaderLibrary.ts';

/** Bundles every shaders/*.wgsl and shaders/fragments/*.wgsl as text (Vite's glob import) for the shader library. */
export function loadBundledShaders(): void {
  const files = import.meta.glob(['../../shaders/*.wgsl', '../../shaders/fragments/*.wgsl'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }) as Record<string, string>;
  const byName: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) byName[shaderNameOf(path)] = text;
  setShaderSources(byName);
}
