/**
 * The WGSL sources of shaders/, by file name without `.wgsl`. Vite bundles them for the browser
 * (shaderSources.vite.ts); Node reads them from disk (shaderSources.node.ts). Kernels look sources up here, so the
 * kernel code is the same in both and never imports a bundler feature.
 */
const sources = new Map<string, string>();

export function setShaderSources(byName: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(byName)) sources.set(name, text);
}

export function hasShaderSources(): boolean {
  return sources.size > 0;
}

export function shaderSource(name: string): string {
  const text = sources.get(name);
  if (text === undefined) {
    const known = [...sources.keys()].sort().join(', ') || 'none loaded';
    throw new Error(`no WGSL shader named "${name}" (known: ${known}); call setShaderSources first`);
  }
  return text;
}

/** "shaders/foo.wgsl" or "/abs/shaders/foo.wgsl" → "foo". */
export function shaderNameOf(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.endsWith('.wgsl') ? file.slice(0, -'.wgsl'.length) : file;
}
