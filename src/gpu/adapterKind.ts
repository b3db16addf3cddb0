/**
 * Which kind of WebGPU adapter this is, from what the browser says of it. The app (src/train/backend.ts) keeps
 * models small on a software renderer and tunes our split-K kernels for it; the kernels page's benchmark applies
 * the same tuning so its figures are the app's.
 */

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;

/** The adapter's vendor, architecture, description and device, joined for people and for the test below. */
export function adapterText(adapter: GPUAdapter): string {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  if (!info) return 'WebGPU adapter';
  const parts = [info.vendor, info.architecture, info.description, info.device].filter((p) => p && p.length > 0);
  return parts.length ? parts.join(' · ') : 'WebGPU adapter';
}

/** True when a renderer's name (a WebGPU adapter's text, a WebGL renderer string) names a software renderer. */
export function namesSoftwareRenderer(name: string): boolean {
  return SOFTWARE_RENDERER.test(name);
}

/** True for a software renderer (SwiftShader, llvmpipe, …): a CPU emulating a GPU. */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  return (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true || namesSoftwareRenderer(adapterText(adapter));
}
