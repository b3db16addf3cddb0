import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The DICOM codecs (JPEG 2000, JPEG-LS, JPEG baseline) are WebAssembly files inside npm packages. Their
 * loader looks them up by URL at run time, so we serve them under /codecs/ in dev and emit them there in the
 * build; src/io/dicom points the decoder at that folder.
 */
const CODEC_WASM = [
  ['@cornerstonejs/codec-openjpeg', 'openjpegwasm_decode.wasm'],
  ['@cornerstonejs/codec-charls', 'charlswasm_decode.wasm'],
  ['@cornerstonejs/codec-libjpeg-turbo-8bit', 'libjpegturbowasm_decode.wasm'],
] as const;

function dicomCodecs(): Plugin {
  // Each codec package exports its decoder's .wasm as the `decodewasm` subpath.
  const files = new Map<string, string>(CODEC_WASM.map(([pkg, file]) => [file, require.resolve(`${pkg}/decodewasm`)]));
  return {
    name: 'pseudolab-dicom-codecs',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/codecs\/([\w.-]+\.wasm)$/.exec(req.url ?? '');
        const path = m && files.get(m[1]!);
        if (!path) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(path));
      });
    },
    generateBundle() {
      for (const [name, path] of files) {
        this.emitFile({ type: 'asset', fileName: `codecs/${name}`, source: readFileSync(path) });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), dicomCodecs()],
  base: './',
  worker: { format: 'es' },
  optimizeDeps: {
    // The DICOM loader is pre-bundled with the rest: its codecs are CommonJS and must be converted for the dev
    // server. Pre-bundling moves the loader's files, which would break its own wasm lookup, so src/io/dicom
    // always passes the codec folder explicitly (wasmBasePath).
    include: ['dicom-parser', '@cornerstonejs/dicom-image-loader'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    sourcemap: true,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
