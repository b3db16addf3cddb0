/**
 * transformers.js's one global `env`, set so that it reads model files only through our mounts and never
 * touches the network, the disk or Cache Storage (the reasons are in pretrainedTextEncoder.ts's header).
 */
import type * as Transformers from '@huggingface/transformers';
import type { ModelReader } from './pretrainedModelFolder.ts';
import { PretrainedTextEncoderError } from './pretrainedTextEncoderError.ts';

/** The WebAssembly build onnxruntime-web's WebGPU bundle (what transformers.js imports) loads for wasm and webgpu. */
export const ONNX_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';

/** Never fetched: transformers.js forms paths under it, and our cache and fetch answer them. */
const MOUNT_ROOT = '/__pseudolab_text_encoder__/';
/** Where transformers.js would go if remote loading were ever re-enabled: a name that cannot resolve. */
const NO_REMOTE_HOST = 'https://remote-models-disabled.invalid/';
const mounts = new Map<string, ModelReader>();
let mountCount = 0;

export function mount(reader: ModelReader): string {
  // A fresh id per load: transformers.js memoises configs and file lookups by model id.
  const id = `pseudolab-text-model-${++mountCount}-${Math.random().toString(36).slice(2, 10)}`;
  mounts.set(id, reader);
  return id;
}

export function unmount(id: string): void {
  mounts.delete(id);
}

/** Maps a key transformers.js looks up (a local path or the remote URL it would have used) to a mounted file. */
function resolveMounted(key: string): { reader: ModelReader; path: string } | undefined {
  for (const prefix of [MOUNT_ROOT, NO_REMOTE_HOST, '']) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    const reader = slash > 0 ? mounts.get(rest.slice(0, slash)) : undefined;
    if (reader) return { reader, path: rest.slice(slash + 1) };
  }
  return undefined;
}

const mountCache = {
  async match(key: string): Promise<Response | undefined> {
    const hit = resolveMounted(key);
    if (!hit) return undefined;
    // transformers.js swallows errors thrown here; the required files were read (and failures reported)
    // before it ran, so what fails now is an optional file, and absent is the right answer.
    const bytes = await hit.reader.read(hit.path).catch(() => undefined);
    if (!bytes) return undefined;
    return new Response(bytes as BodyInit, { headers: { 'content-length': String(bytes.byteLength) } });
  },
  async put(): Promise<void> {
    // Nothing is stored: the user's files stay where the user keeps them.
  },
};

async function blockedFetch(input: string | URL): Promise<Response> {
  const url = String(input);
  // Optional files transformers.js probes (generation_config.json, …) that the folder lacks.
  if (url.startsWith(MOUNT_ROOT) || url.startsWith(NO_REMOTE_HOST)) return new Response(null, { status: 404 });
  throw new PretrainedTextEncoderError('network-blocked', `transformers.js tried to fetch ${url}; the text encoder may not use the network.`);
}

export function claimTransformersEnv(env: typeof Transformers.env, onnxWasmUrl: string | undefined): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MOUNT_ROOT;
  env.remoteHost = NO_REMOTE_HOST;
  env.remotePathTemplate = '{model}/';
  env.useFS = false;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.useWasmCache = false;
  env.useCustomCache = true;
  env.customCache = mountCache;
  env.fetch = blockedFetch;

  if (!isWebRuntime()) return;
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new PretrainedTextEncoderError('runtime-missing', 'onnxruntime-web did not initialise its wasm backend.');
  const doc = (globalThis as { document?: { baseURI: string } }).document;
  const url = onnxWasmUrl ?? (doc ? new URL(`ort-wasm/${ONNX_WASM_FILE}`, doc.baseURI).href : undefined);
  if (!url) {
    throw new PretrainedTextEncoderError(
      'runtime-missing',
      `Pass onnxWasmUrl (where the app serves ${ONNX_WASM_FILE}); a worker has no page to resolve it against.`,
    );
  }
  // Replaces the jsDelivr paths transformers.js sets at import.
  wasm.wasmPaths = { wasm: url };
}

export function isWebRuntime(): boolean {
  const g = globalThis as { process?: { release?: { name?: string } }; document?: unknown; importScripts?: unknown };
  if (g.process?.release?.name === 'node') return false;
  return g.document !== undefined || typeof g.importScripts === 'function';
}
