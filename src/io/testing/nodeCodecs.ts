import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureDicomCodecs } from '../dicom/codecs.ts';

const require = createRequire(import.meta.url);
const CODECS = [
  ['@cornerstonejs/codec-openjpeg/decodewasm', 'openjpegwasm_decode.wasm'],
  ['@cornerstonejs/codec-charls/decodewasm', 'charlswasm_decode.wasm'],
  ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm', 'libjpegturbowasm_decode.wasm'],
] as const;

/**
 * In Node the WASM codecs are files on disk; the decoders look for all three in one folder, so gather
 * copies there. The CLI and the tests call this once.
 */
export function configureNodeCodecs(): string {
  const dir = join(tmpdir(), 'pseudolab-codecs');
  mkdirSync(dir, { recursive: true });
  for (const [spec, file] of CODECS) {
    const target = join(dir, file);
    if (!existsSync(target)) copyFileSync(require.resolve(spec), target);
  }
  configureDicomCodecs({ wasmBasePath: `${dir}/` });
  return dir;
}
