/**
 * The `pretrained` text encoder: a CLIP-family text tower (an ONNX export of CLIPTextModelWithProjection, as
 * published for transformers.js) run by transformers.js from model files the user supplies — a folder picked
 * from disk, or a URL. Nothing is fetched from anywhere else: not the Hugging Face Hub, not a CDN.
 *
 * How the files reach transformers.js. The library looks every file up in a cache before it tries the network,
 * and lets us supply that cache (`env.customCache`). Each load mounts its source under a fresh model id and
 * answers the cache's lookups for that id from the user's files (or, for a URL source, from our own fetch of
 * that URL); transformers.js never learns where the files came from. Behind that, its own network path is
 * closed: remote models are off, its `fetch` answers 404 for anything under our mounts and refuses everything
 * else, filesystem reads and its writing caches are off (the user's files must not be copied into Cache
 * Storage or onto disk). These settings live on transformers.js's one global `env`, so this module owns that
 * object: nothing else in the app may use transformers.js with other settings.
 *
 * The ONNX runtime. In Node transformers.js uses onnxruntime-node. In the browser it uses onnxruntime-web,
 * whose JavaScript is bundled with the app but whose WebAssembly binary (ort-wasm-simd-threaded.asyncify.wasm,
 * 27 MB, used by both the wasm and webgpu devices) is fetched at run time — from jsDelivr unless told
 * otherwise. We always tell it otherwise: `onnxWasmUrl`, by default `ort-wasm/<that file>` beside the page.
 * Only the binary's URL is given (no `.mjs`), so onnxruntime-web uses the factory bundled into its own module
 * instead of importing a second script.
 *
 * transformers.js itself (about 1 MB of JavaScript) is imported on first use, so the app pays for it only when
 * someone actually loads a pretrained encoder.
 */
import type * as Transformers from '@huggingface/transformers';
import { l2Normalize, type TextEncoderProvider } from './TextEncoderProvider.ts';

/** Where the model files come from. Paths inside a model folder use `/` and are relative to its root. */
export type PretrainedModelSource =
  /** Files the user picked; keys like `config.json`, `onnx/text_model.onnx` (a leading folder is stripped). */
  | { kind: 'files'; files: Map<string, Uint8Array | Blob> }
  /**
   * A model folder served over HTTP(S). Without `allowRemote` only this machine (localhost, 127.0.0.1, ::1) or
   * the page's own origin may be asked; a remote URL must be the user's explicit choice.
   */
  | { kind: 'url'; baseUrl: string; allowRemote: boolean };

/** ONNX weight formats transformers.js names by file suffix (`text_model_quantized.onnx` is `q8`, …). */
export type PretrainedDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export interface PretrainedTextEncoderOptions {
  /** Shown to people; defaults to the config's `_name_or_path`, else the folder or URL. */
  name?: string;
  /** Where ONNX Runtime runs. Default: `cpu` in Node, `wasm` in a browser; `webgpu` where the GPU is free. */
  device?: 'cpu' | 'wasm' | 'webgpu';
  /**
   * Which weight file to use. Default for a file source: the first present of fp32, fp16, q8, int8, uint8, q4,
   * q4f16, bnb4; for a URL source: fp32.
   */
  dtype?: PretrainedDtype;
  /**
   * Absolute URL of ort-wasm-simd-threaded.asyncify.wasm as the app serves it (browser only). Default: that
   * file under `ort-wasm/` beside the page (`document.baseURI`). A worker has no page, so there it is required.
   */
  onnxWasmUrl?: string;
  /** Truncate longer texts to this many tokens; default the tokenizer's `model_max_length` (77 for CLIP). */
  maxLength?: number;
  /** Texts per model call; default 32. */
  batchSize?: number;
}

export type PretrainedTextEncoderErrorCode =
  | 'missing-file'
  | 'invalid-file'
  | 'wrong-architecture'
  | 'remote-not-allowed'
  | 'fetch-failed'
  | 'network-blocked'
  | 'runtime-missing'
  | 'disposed';

/** Every failure names what to fix: the file that is missing or wrong, the URL that was refused, … */
export class PretrainedTextEncoderError extends Error {
  override readonly name = 'PretrainedTextEncoderError';
  constructor(
    readonly code: PretrainedTextEncoderErrorCode,
    message: string,
    /** The model file concerned, as a path inside the model folder. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** The WebAssembly build onnxruntime-web's WebGPU bundle (what transformers.js imports) loads for wasm and webgpu. */
export const ONNX_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';

/** `model_type`s whose exports carry a CLIPTextModelWithProjection text tower. */
const CLIP_MODEL_TYPES = ['clip', 'clip_text_model'];
/** Graph inputs we can feed (token_type_ids: transformers.js fills zeros). Anything else is another model. */
const FEEDABLE_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
/** transformers.js looks for `text_model` first for CLIP text towers; single-graph exports use `model`. */
const ONNX_BASE_NAMES = ['text_model', 'model'];
const DTYPE_SUFFIX: Record<PretrainedDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};
const DTYPE_PREFERENCE: PretrainedDtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];
const DEFAULT_BATCH_SIZE = 32;

export async function loadPretrainedTextEncoder(
  source: PretrainedModelSource,
  opts: PretrainedTextEncoderOptions = {},
): Promise<TextEncoderProvider> {
  const reader = source.kind === 'files' ? filesReader(source.files) : urlReader(source.baseUrl, source.allowRemote);

  // 1. Check the folder ourselves first: transformers.js would report a missing file as a path under our
  //    virtual mount, and would happily run a BERT or a full CLIP graph and fail later, far from the cause.
  const config = await readJson(reader, 'config.json');
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  if (!modelType || !CLIP_MODEL_TYPES.includes(modelType)) {
    throw new PretrainedTextEncoderError(
      'wrong-architecture',
      `config.json describes model_type "${modelType ?? '(none)'}"` +
        `${Array.isArray(config.architectures) ? ` (${config.architectures.join(', ')})` : ''}; ` +
        `the pretrained encoder runs CLIP text towers (model_type ${CLIP_MODEL_TYPES.join(' or ')}).`,
      'config.json',
    );
  }
  for (const file of TOKENIZER_FILES) await readJson(reader, file);
  const { modelFile, dtype } = await findOnnxFile(reader, opts.dtype);

  // 2. Hand the mounted folder to transformers.js.
  const tf = await import('@huggingface/transformers');
  claimTransformersEnv(tf.env, opts.onnxWasmUrl);
  const mountId = mount(reader);
  const [tokenizerLoad, modelLoad] = await Promise.allSettled([
    tf.AutoTokenizer.from_pretrained(mountId),
    tf.CLIPTextModelWithProjection.from_pretrained(mountId, {
      subfolder: 'onnx',
      model_file_name: modelFile.slice('onnx/'.length, -`${DTYPE_SUFFIX[dtype]}.onnx`.length),
      dtype,
      device: opts.device ?? (isWebRuntime() ? 'wasm' : 'cpu'),
    }),
  ]);
  // Sessions and tokenizer hold what they need; dropping the mount frees the file bytes it cached.
  unmount(mountId);
  if (tokenizerLoad.status === 'rejected' || modelLoad.status === 'rejected') {
    if (modelLoad.status === 'fulfilled') void modelLoad.value.dispose().catch(() => undefined);
    const [file, reason]: [string, unknown] =
      modelLoad.status === 'rejected'
        ? [modelFile, modelLoad.reason]
        : ['tokenizer.json', (tokenizerLoad as PromiseRejectedResult).reason];
    if (reason instanceof PretrainedTextEncoderError) throw reason;
    throw new PretrainedTextEncoderError(
      'invalid-file',
      `Could not load ${file}: ${reason instanceof Error ? reason.message : String(reason)}`,
      file,
    );
  }
  const tokenizer = tokenizerLoad.value;
  const model = modelLoad.value;

  // 3. The graph must be a text tower with a projection: ids in, `text_embeds` out.
  const session = model.sessions.model as { inputNames: string[]; outputNames: string[] } | undefined;
  const inputs = session?.inputNames ?? [];
  const outputs = session?.outputNames ?? [];
  const unfeedable = inputs.filter((n) => !FEEDABLE_INPUTS.includes(n));
  if (!inputs.includes('input_ids') || unfeedable.length > 0 || !outputs.includes('text_embeds')) {
    void model.dispose().catch(() => undefined);
    throw new PretrainedTextEncoderError(
      'wrong-architecture',
      `${modelFile} takes [${inputs.join(', ')}] and gives [${outputs.join(', ')}]; a CLIP text tower with ` +
        `projection takes input_ids (and attention_mask) and gives text_embeds.` +
        (inputs.includes('pixel_values') ? ' This looks like a full CLIP model: pick its onnx/text_model.onnx.' : ''),
      modelFile,
    );
  }

  const encoder = new PretrainedTextEncoder(
    opts.name ?? (typeof config._name_or_path === 'string' && config._name_or_path ? config._name_or_path : reader.label),
    tokenizer,
    model,
    inputs.includes('attention_mask'),
    opts.maxLength,
    opts.batchSize ?? DEFAULT_BATCH_SIZE,
  );
  // 4. One probe both fixes `dim` and proves the graph runs before anyone relies on it.
  try {
    await encoder.probe();
  } catch (err) {
    encoder.dispose();
    throw new PretrainedTextEncoderError(
      'invalid-file',
      `${modelFile} loaded but failed on a test input: ${err instanceof Error ? err.message : String(err)}`,
      modelFile,
    );
  }
  return encoder;
}

class PretrainedTextEncoder implements TextEncoderProvider {
  readonly kind = 'pretrained';
  private embeddingDim = 0;
  private disposed = false;

  constructor(
    readonly name: string,
    private readonly tokenizer: Transformers.PreTrainedTokenizer,
    private readonly model: Transformers.PreTrainedModel,
    /**
     * Without an attention mask the graph sees padding as text, so a batch would change each text's vector;
     * then texts go one at a time. CLIP exports that omit the mask pool the first [EOS] behind a causal mask
     * and are immune, but we cannot tell them from a graph that is not.
     */
    private readonly canBatch: boolean,
    private readonly maxLength: number | undefined,
    private readonly batchSize: number,
  ) {}

  get dim(): number {
    return this.embeddingDim;
  }

  async probe(): Promise<void> {
    const [v] = await this.run(['a photo']);
    this.embeddingDim = v!.length;
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    if (this.disposed) throw new PretrainedTextEncoderError('disposed', `${this.name} was disposed.`);
    const step = this.canBatch ? Math.max(1, this.batchSize) : 1;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += step) out.push(...(await this.run(texts.slice(i, i + step))));
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Releasing sessions is asynchronous in transformers.js; nobody can wait on it through dispose(): void.
    void this.model.dispose().catch(() => undefined);
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const encoded = this.tokenizer(texts, {
      padding: true,
      truncation: true,
      ...(this.maxLength !== undefined ? { max_length: this.maxLength } : {}),
    });
    const feeds: Record<string, Transformers.Tensor> = { input_ids: encoded.input_ids };
    if (this.canBatch) feeds.attention_mask = encoded.attention_mask;
    const result = (await this.model(feeds)) as { text_embeds?: Transformers.Tensor };
    const embeds = result.text_embeds?.to('float32');
    const [rows, dim] = embeds?.dims ?? [];
    if (!embeds || rows !== texts.length || !dim) {
      throw new Error(`text_embeds has shape [${embeds?.dims.join(', ') ?? ''}], expected [${texts.length}, E].`);
    }
    const data = embeds.data as Float32Array;
    return Array.from({ length: rows }, (_, r) => l2Normalize(data.slice(r * dim, (r + 1) * dim)));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Model folders

interface ModelReader {
  /** Folder or URL, for names and messages. */
  readonly label: string;
  /** The file's bytes, or undefined when the folder has no such file. Other failures throw. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Whether the folder has the file; for a URL this is a read (kept for the read that follows). */
  has(path: string): Promise<boolean>;
  /** What the folder holds, when that can be known (picked files); listed in missing-file messages. */
  list?(): string[];
}

/**
 * Picked folders arrive with the folder's own name in front (`webkitRelativePath` is `clip/config.json`) and
 * sometimes with Windows separators; the model root is wherever config.json is least deep.
 */
export function normalizeModelFileMap<T>(files: Map<string, T>): Map<string, T> {
  const clean = new Map<string, T>();
  for (const [path, data] of files) clean.set(path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, ''), data);
  if (clean.has('config.json')) return clean;
  const roots = [...clean.keys()]
    .filter((p) => p.endsWith('/config.json'))
    .map((p) => p.slice(0, -'config.json'.length))
    .sort((a, b) => a.split('/').length - b.split('/').length);
  const root = roots[0];
  if (root === undefined) return clean;
  const rooted = new Map<string, T>();
  for (const [path, data] of clean) if (path.startsWith(root)) rooted.set(path.slice(root.length), data);
  return rooted;
}

function filesReader(picked: Map<string, Uint8Array | Blob>): ModelReader {
  const files = normalizeModelFileMap(picked);
  const firstKey = picked.keys().next().value;
  const folder = typeof firstKey === 'string' && firstKey.includes('/') ? firstKey.split('/')[0]! : 'picked files';
  // Node's loader reads the ONNX file twice; one copy of a Blob's bytes per load is enough.
  const fromBlobs = new Map<string, Promise<Uint8Array>>();
  return {
    label: folder,
    async read(path) {
      const data = files.get(path);
      if (data === undefined || data instanceof Uint8Array) return data;
      let bytes = fromBlobs.get(path);
      if (!bytes) {
        bytes = data.arrayBuffer().then((b) => new Uint8Array(b));
        fromBlobs.set(path, bytes);
      }
      return bytes;
    },
    has: async (path) => files.has(path),
    list: () => [...files.keys()].sort(),
  };
}

function urlReader(baseUrl: string, allowRemote: boolean): ModelReader {
  const here = (globalThis as { location?: { href: string; origin: string } }).location;
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, here?.href);
  } catch {
    throw new PretrainedTextEncoderError('fetch-failed', `"${baseUrl}" is not a URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new PretrainedTextEncoderError('fetch-failed', `${base.href}: only http and https model URLs are supported.`);
  }
  const local = LOOPBACK_HOSTS.includes(base.hostname) || base.hostname.endsWith('.localhost') || base.origin === here?.origin;
  if (!local && !allowRemote) {
    throw new PretrainedTextEncoderError(
      'remote-not-allowed',
      `${base.href} is not on this machine; loading a model from ${base.host} needs the user's explicit permission ` +
        `(allowRemote).`,
    );
  }
  // Each file is fetched once per load even though transformers.js may ask twice (Node reads the ONNX file
  // through the cache a second time); the map goes when the loader drops this reader.
  const fetched = new Map<string, Promise<Uint8Array | undefined>>();
  const fetchFile = async (path: string): Promise<Uint8Array | undefined> => {
    const url = new URL(path, base).href;
    let res: Response;
    try {
      // Looked up at call time, not captured, so whatever fetch the page (or a test) installs is the one used.
      res = await globalThis.fetch(url);
    } catch (err) {
      throw new PretrainedTextEncoderError('fetch-failed', `Could not fetch ${url}: ${String(err)}`, path);
    }
    if (res.status === 404 || res.status === 410) return undefined;
    if (!res.ok) throw new PretrainedTextEncoderError('fetch-failed', `${url} answered HTTP ${res.status}.`, path);
    return new Uint8Array(await res.arrayBuffer());
  };
  const read = (path: string): Promise<Uint8Array | undefined> => {
    let pending = fetched.get(path);
    if (!pending) {
      pending = fetchFile(path);
      fetched.set(path, pending);
    }
    return pending;
  };
  return { label: base.href, read, has: async (path) => (await read(path)) !== undefined };
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

async function readJson(reader: ModelReader, file: string): Promise<Record<string, unknown>> {
  const bytes = await reader.read(file);
  if (!bytes) throw missingFile(reader, file);
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new PretrainedTextEncoderError('invalid-file', `${file} is not valid JSON: ${(err as Error).message}`, file);
  }
}

async function findOnnxFile(
  reader: ModelReader,
  wanted: PretrainedDtype | undefined,
): Promise<{ modelFile: string; dtype: PretrainedDtype }> {
  // A URL cannot be listed, and every guess costs a request, so there only the asked-for (or fp32) is tried.
  const dtypes = wanted ? [wanted] : reader.list ? DTYPE_PREFERENCE : ['fp32' as const];
  const candidates = dtypes.flatMap((dtype) =>
    ONNX_BASE_NAMES.map((base) => ({ modelFile: `onnx/${base}${DTYPE_SUFFIX[dtype]}.onnx`, dtype })),
  );
  for (const candidate of candidates) {
    // For a URL this downloads the file, once: transformers.js's own read is then served from the reader.
    if (await reader.has(candidate.modelFile)) return candidate;
  }
  const [first, second] = candidates;
  const variants = dtypes.length > 1 ? ' (or a _fp16, _quantized, … variant of either)' : '';
  throw missingFile(reader, first!.modelFile, `${first!.modelFile} or ${second!.modelFile}${variants}`);
}

function missingFile(reader: ModelReader, file: string, what = file): PretrainedTextEncoderError {
  const listing = reader.list?.();
  const shown = listing && (listing.length === 0 ? 'no files' : listing.slice(0, 12).join(', '));
  const found = listing ? ` It holds ${shown}${listing.length > 12 ? ', …' : ''}.` : '';
  return new PretrainedTextEncoderError(
    'missing-file',
    `${reader.label} has no ${what}. A CLIP text tower needs config.json, tokenizer.json, tokenizer_config.json ` +
      `and onnx/text_model.onnx (or onnx/model.onnx).${found}`,
    file,
  );
}

// ---------------------------------------------------------------------------------------------------------
// transformers.js plumbing

/** Never fetched: transformers.js forms paths under it, and our cache and fetch answer them. */
const MOUNT_ROOT = '/__pseudolab_text_encoder__/';
/** Where transformers.js would go if remote loading were ever re-enabled: a name that cannot resolve. */
const NO_REMOTE_HOST = 'https://remote-models-disabled.invalid/';
const mounts = new Map<string, ModelReader>();
let mountCount = 0;

function mount(reader: ModelReader): string {
  // A fresh id per load: transformers.js memoises configs and file lookups by model id.
  const id = `pseudolab-text-model-${++mountCount}-${Math.random().toString(36).slice(2, 10)}`;
  mounts.set(id, reader);
  return id;
}

function unmount(id: string): void {
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
  throw new PretrainedTextEncoderError(
    'network-blocked',
    `transformers.js tried to fetch ${url}; the text encoder may not use the network.`,
  );
}

function claimTransformersEnv(env: typeof Transformers.env, onnxWasmUrl: string | undefined): void {
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

function isWebRuntime(): boolean {
  const g = globalThis as { process?: { release?: { name?: string } }; document?: unknown; importScripts?: unknown };
  if (g.process?.release?.name === 'node') return false;
  return g.document !== undefined || typeof g.importScripts === 'function';
}
