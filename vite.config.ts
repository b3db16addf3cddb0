import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { contentSecurityPolicy, securityHeaders } from './src/app/securityPolicy.ts';

const require = createRequire(import.meta.url);

/**
 * WebAssembly the app loads by URL at run time: the DICOM codecs (JPEG 2000, JPEG-LS, JPEG baseline), looked up
 * under /codecs/ by src/io/dicom, and tfjs's WASM backend (the CPU fallback for training), under /tfjs-wasm/.
 * Served from node_modules in dev and emitted into the build.
 */
const tfjsWasmDir = (): string => dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));

const RUNTIME_WASM: { path: string; resolve: () => string }[] = [
  // Each codec package exports its decoder's .wasm as the `decodewasm` subpath.
  { path: 'codecs/openjpegwasm_decode.wasm', resolve: () => require.resolve('@cornerstonejs/codec-openjpeg/decodewasm') },
  { path: 'codecs/charlswasm_decode.wasm', resolve: () => require.resolve('@cornerstonejs/codec-charls/decodewasm') },
  { path: 'codecs/libjpegturbowasm_decode.wasm', resolve: () => require.resolve('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm') },
  // tfjs-backend-wasm exports no subpaths; its binaries sit beside its entry point.
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((file) => ({
    path: `tfjs-wasm/${file}`,
    resolve: () => join(tfjsWasmDir(), file),
  })),
  // ONNX Runtime Web's one binary, for a pretrained CLIP text encoder run by transformers.js (loaded only when the
  // user picks a model folder); it comes in through transformers.js, so it is resolved from there. Never a CDN.
  {
    path: 'ort-wasm/ort-wasm-simd-threaded.asyncify.wasm',
    resolve: () => createRequire(require.resolve('@huggingface/transformers')).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'),
  },
];

function runtimeWasm(): Plugin {
  const files = new Map(RUNTIME_WASM.map((w) => [w.path, w.resolve()]));
  return {
    name: 'pseudolab-runtime-wasm',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/((?:codecs|tfjs-wasm|ort-wasm)\/[\w.-]+\.wasm)$/.exec(req.url ?? '');
        const path = m && files.get(m[1]!);
        if (!path) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(path));
      });
    },
    generateBundle() {
      for (const [name, path] of files) this.emitFile({ type: 'asset', fileName: name, source: readFileSync(path) });
    },
  };
}

/**
 * The built page carries its policy in a <meta> tag, so it holds wherever the files are hosted; the dev and preview
 * servers also send it (and the headers a <meta> cannot carry) with every response.
 */
function securityMeta(): Plugin {
  return {
    name: 'pseudolab-security-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true }) }, injectTo: 'head-prepend' },
    ],
  };
}

/** The dev server injects one inline script (React's refresh preamble); a per-start nonce admits it and nothing else. */
const DEV_NONCE = randomBytes(16).toString('base64');

export default defineConfig(({ command }) => ({
  plugins: [react(), runtimeWasm(), securityMeta()],
  ...(command === 'serve' ? { html: { cspNonce: DEV_NONCE } } : {}),
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
    // The app, and the page that runs every GPU kernel check and benchmark in the browser (e2e/kernels.spec.ts).
    rollupOptions: { input: { main: 'index.html', kernels: 'kernels.html' } },
  },
  server: { host: '127.0.0.1', port: 5173, headers: securityHeaders({ extraScript: [`'nonce-${DEV_NONCE}'`] }) },
  preview: { host: '127.0.0.1', port: 4173, headers: securityHeaders() },
}));
