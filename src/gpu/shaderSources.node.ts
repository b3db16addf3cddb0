import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setShaderSources, shaderNameOf } from './shaderLibrary.ts';

/** Node (tests, CLI, benchmarks): reads shaders/*.wgsl and shaders/fragments/*.wgsl beside the repository root. */
export function loadShadersFromDisk(dir = fileURLToPath(new URL('../../shaders/', import.meta.url))): void {
  const byName: Record<string, string> = {};
  for (const folder of ['', 'fragments/']) {
    if (!existsSync(`${dir}/${folder}`)) continue;
    for (const file of readdirSync(`${dir}/${folder}`)) {
      if (file.endsWith('.wgsl')) byName[`${folder}${shaderNameOf(file)}`] = readFileSync(`${dir}/${folder}${file}`, 'utf8');
    }
  }
  setShaderSources(byName);
}
