import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureDicomCodecs } from '../dicom/codecs.ts';

const require = createRequire(import.meta.url);

/** The WASM files the DICOM decoders load (JPEG 2000, JPEG-LS, JPEG baseline), by package export. */
const CODECS = [
  ['@cornerstonejs/codec-openjpeg/decodewasm', 'openjpegwasm_decode.wasm'],
  ['@cornerstonejs/codec-charls/decodewasm', 'charlswasm_decode.wasm'],
  ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm', 'libjpegturbowasm_decode.wasm'],
] as const;

/**
 * In Node the WASM codecs are files on disk, and the decoders look for all three under one base path, so
 * gather copies in a temp folder and point the decoders there. Tests and the CLI call this once.
 */
export function configureNodeCodecs(): string {
  const dir = join(tmpdir(), 'pseudolab-codecs');
  mkdirSync(dir, { recursive: true });
  for (const [spec, file] of CODECS) {
    const source = require.resolve(spec);
    const target = join(dir, file);
    // Copy again when a previous run left a different (or half-written) file.
    if (!existsSync(target) || statSync(target).size !== statSync(source).size) copyFileSync(source, target);
  }
  configureDicomCodecs({ wasmBasePath: `${dir}/` });
  return dir;
}
