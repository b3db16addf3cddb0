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

/**
 * The WGSL of one shader, with its `#include "fragments/…"` lines replaced by those fragments. Fragments are the
 * pieces two kernels share (a GEMM tile, an argmax): each lives once under shaders/fragments/ and names, in its
 * header, what the including shader must declare. WGSL has no include of its own, and a module may use a
 * declaration before it appears, so a line-for-line join is all it takes.
 */
export function shaderSource(name: string): string {
  return withIncludes(rawSource(name), [name]);
}

function rawSource(name: string): string {
  const text = sources.get(name);
  if (text === undefined) {
    const known = [...sources.keys()].sort().join(', ') || 'none loaded';
    throw new Error(`no WGSL shader named "${name}" (known: ${known}); call setShaderSources first`);
  }
  return text;
}

const INCLUDE = /^[ \t]*#include[ \t]+"([^"]+)"[ \t]*$/gm;

/** Expands includes depth first; `chain` is the includers so far, so a cycle is named instead of overflowing. */
function withIncludes(text: string, chain: string[]): string {
  return text.replace(INCLUDE, (_line, fragment: string) => {
    if (chain.includes(fragment)) throw new Error(`WGSL include cycle: ${[...chain, fragment].join(' → ')}`);
    return withIncludes(rawSource(fragment), [...chain, fragment]).replace(/\n$/, '');
  });
}

/** "shaders/foo.wgsl" or "/abs/shaders/foo.wgsl" → "foo"; "shaders/fragments/bar.wgsl" → "fragments/bar". */
export function shaderNameOf(path: string): string {
  const at = path.lastIndexOf('shaders/');
  const file = at >= 0 ? path.slice(at + 'shaders/'.length) : path.slice(path.lastIndexOf('/') + 1);
  return file.endsWith('.wgsl') ? file.slice(0, -'.wgsl'.length) : file;
}
