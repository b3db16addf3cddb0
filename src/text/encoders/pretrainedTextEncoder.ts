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
 * Storage or onto disk). These settings live on transformers.js's one global `env`, so transformersEnv.ts owns
 * that object: nothing else in the app may use transformers.js with other settings. The model folder is read and
 * checked first by pretrainedModelFolder.ts.
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
import { DTYPE_SUFFIX, filesReader, findOnnxFile, type PretrainedDtype, readJson, urlReader } from './pretrainedModelFolder.ts';
import { PretrainedTextEncoderError } from './pretrainedTextEncoderError.ts';
import { l2Normalize, type TextEncoderProvider } from './TextEncoderProvider.ts';
import { claimTransformersEnv, isWebRuntime, mount, unmount } from './transformersEnv.ts';

export { normalizeModelFileMap } from './pretrainedModelFolder.ts';
export type { PretrainedDtype } from './pretrainedModelFolder.ts';
export { PretrainedTextEncoderError, type PretrainedTextEncoderErrorCode } from './pretrainedTextEncoderError.ts';
export { ONNX_WASM_FILE } from './transformersEnv.ts';

/** Where the model files come from. Paths inside a model folder use `/` and are relative to its root. */
export type PretrainedModelSource =
  /** Files the user picked; keys like `config.json`, `onnx/text_model.onnx` (a leading folder is stripped). */
  | { kind: 'files'; files: Map<string, Uint8Array | Blob> }
  /**
   * A model folder served over HTTP(S). Without `allowRemote` only this machine (localhost, 127.0.0.1, ::1) or
   * the page's own origin may be asked; a remote URL must be the user's explicit choice.
   */
  | { kind: 'url'; baseUrl: string; allowRemote: boolean };

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

/** `model_type`s whose exports carry a CLIPTextModelWithProjection text tower. */
const CLIP_MODEL_TYPES = ['clip', 'clip_text_model'];
/** Graph inputs we can feed (token_type_ids: transformers.js fills zeros). Anything else is another model. */
const FEEDABLE_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];
const DEFAULT_BATCH_SIZE = 32;

export async function loadPretrainedTextEncoder(source: PretrainedModelSource, opts: PretrainedTextEncoderOptions = {}): Promise<TextEncoderProvider> {
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
      modelLoad.status === 'rejected' ? [modelFile, modelLoad.reason] : ['tokenizer.json', (tokenizerLoad as PromiseRejectedResult).reason];
    if (reason instanceof PretrainedTextEncoderError) throw reason;
    throw new PretrainedTextEncoderError('invalid-file', `Could not load ${file}: ${reason instanceof Error ? reason.message : String(reason)}`, file);
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
