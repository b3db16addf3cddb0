import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setShaderSources, shaderNameOf } from './shaderLibrary.ts';

/** Node (tests, CLI, benchmarks): reads every shaders/*.wgsl beside the repository root. */
export function loadShadersFromDisk(dir = fileURLToPath(new URL('../../shaders/', import.meta.url))): void {
  const byName: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.wgsl')) byName[shaderNameOf(file)] = readFileSync(`${dir}/${file}`, 'utf8');
  }
  setShaderSources(byName);
}
