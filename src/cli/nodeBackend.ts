import { existsSync } from 'node:fs';
import type { BackendFlag } from './args.ts';
import { loadShadersFromDisk } from '../gpu/shaderSources.node.ts';
import { chooseBackend, type BackendChoice } from '../train/backend.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Starts tfjs in Node. WASM (XNNPACK) is the default: the fastest CPU path here. WebGPU runs through the npm
 * `webgpu` package (Dawn); without a GPU it needs Chromium's SwiftShader Vulkan driver and libvulkan1.
 */
export async function startNodeBackend(flag: BackendFlag, customKernels = true): Promise<BackendChoice> {
  if (flag === 'webgpu') {
    loadShadersFromDisk();
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
  }
  const order = flag === 'webgpu' ? (['webgpu'] as const) : flag === 'wasm' ? (['wasm', 'cpu'] as const) : (['cpu'] as const);
  const choice = await chooseBackend(order, { customKernels });
  if (choice.name !== flag) throw new Error(`backend ${flag} could not start: ${choice.notes.join(' ')}`);
  return choice;
}
