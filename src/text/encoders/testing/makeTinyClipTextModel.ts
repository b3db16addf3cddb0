/**
 * A complete, tiny "pretrained" CLIP text tower, generated on the spot: no real weights can be installed on the
 * machines that run our tests, yet the pretrained provider must be tested end to end, through transformers.js
 * and ONNX Runtime, on exactly the files a user would pick. This module writes those files:
 *
 *   config.json            model_type `clip_text_model`, architecture CLIPTextModelWithProjection
 *   tokenizer.json         a WordPiece tokenizer in the Hugging Face `tokenizers` JSON format
 *   tokenizer_config.json  CLIP's special tokens (BOS <|startoftext|>, EOS = PAD <|endoftext|>)
 *   onnx/model.onnx        the network below, serialised as an ONNX ModelProto by a small protobuf writer
 *
 * The network (opset 13), for ids x[b,t] and mask m[b,t]:
 *   h[b,t]       = tanh((E[x[b,t]] + P[t]) · W + c)            E token table, P position table, W hidden, c bias
 *   pooled[b]    = Σ_t m[b,t] h[b,t] / max(1, Σ_t m[b,t])      masked mean, so padding never moves a text
 *   text_embeds  = pooled · Wproj                               the projection every CLIP text tower ends with
 * Real CLIP pools the [EOS] token after twelve causal attention layers; a masked mean keeps the graph to a
 * handful of operators while still depending on every token, its position and the mask, which is what the
 * tests need to see flow through the library correctly.
 *
 * `tinyClipTextEmbedding` is the same computation written out in float64 JavaScript: the specification the
 * ONNX graph must meet. The weights come from a seed, so every run writes byte-identical files.
 */
import { Random } from '../../../data/random.ts';

export interface TinyClipTextModelOptions {
  /** Seed of the weights. */
  seed?: number;
  /** Width of the token and position embeddings and of the hidden layer. */
  hiddenSize?: number;
  /** Length of `text_embeds`. */
  projectionDim?: number;
  /** Rows of the position table; also the tokenizer's `model_max_length`, so truncation can never overrun it. */
  maxPositions?: number;
  /** Whole words in the vocabulary; anything else is spelled from single letters or becomes <|unk|>. */
  words?: readonly string[];
  /**
   * Where the graph is written. transformers.js looks for `onnx/text_model.onnx` by default for CLIP text
   * towers, while single-model exports use `onnx/model.onnx`; the provider accepts both.
   */
  modelPath?: string;
  /** Name of the pooled output; anything but `text_embeds` makes a graph the provider must refuse. */
  outputName?: string;
}

/** The generated tensors, row-major, as the ONNX initialisers hold them. */
export interface TinyClipTextWeights {
  /** [vocabSize, hiddenSize] */
  tokenEmbedding: Float32Array;
  /** [maxPositions, hiddenSize] */
  positionEmbedding: Float32Array;
  /** [hiddenSize, hiddenSize], applied as h · W */
  hiddenWeight: Float32Array;
  /** [hiddenSize] */
  hiddenBias: Float32Array;
  /** [hiddenSize, projectionDim] */
  projection: Float32Array;
}

export interface TinyClipTextModel {
  /** Path inside the model folder → bytes, ready for a `files` source. */
  files: Map<string, Uint8Array>;
  /** Token id → token. */
  vocab: readonly string[];
  special: { bos: number; eos: number; pad: number; unk: number };
  hiddenSize: number;
  projectionDim: number;
  maxPositions: number;
  weights: TinyClipTextWeights;
}

export const TINY_CLIP_SPECIAL_TOKENS = {
  bos: '<|startoftext|>',
  eos: '<|endoftext|>',
  unk: '<|unk|>',
} as const;

const DEFAULT_WORDS: readonly string[] = [
  'a',
  'the',
  'of',
  'in',
  'and',
  'with',
  'left',
  'right',
  'upper',
  'lower',
  'small',
  'large',
  'liver',
  'lesion',
  'kidney',
  'spleen',
  'tumor',
  'cyst',
  'mass',
  'vena',
  'cava',
  'aorta',
  'lobe',
  'hypointense',
  'hyperintense',
  'enhancing',
  'round',
  'wedge',
  'shaped',
  'photo',
  'scan',
  'mri',
  'ct',
];

export function makeTinyClipTextModel(options: TinyClipTextModelOptions = {}): TinyClipTextModel {
  const seed = options.seed ?? 1;
  const hiddenSize = options.hiddenSize ?? 8;
  const projectionDim = options.projectionDim ?? 6;
  const maxPositions = options.maxPositions ?? 16;
  const modelPath = options.modelPath ?? 'onnx/model.onnx';
  const outputName = options.outputName ?? 'text_embeds';

  const vocab = buildVocab(options.words ?? DEFAULT_WORDS);
  const id = (token: string): number => {
    const i = vocab.indexOf(token);
    if (i < 0) throw new Error(`tiny CLIP vocabulary lacks ${token}`);
    return i;
  };
  const special = {
    bos: id(TINY_CLIP_SPECIAL_TOKENS.bos),
    eos: id(TINY_CLIP_SPECIAL_TOKENS.eos),
    pad: id(TINY_CLIP_SPECIAL_TOKENS.eos),
    unk: id(TINY_CLIP_SPECIAL_TOKENS.unk),
  };

  const weights = makeWeights(seed, vocab.length, hiddenSize, projectionDim, maxPositions);
  const files = new Map<string, Uint8Array>();
  const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  files.set('config.json', json(clipTextConfig(vocab.length, hiddenSize, projectionDim, maxPositions, special)));
  files.set('tokenizer.json', json(wordPieceTokenizerJson(vocab)));
  files.set('tokenizer_config.json', json(tokenizerConfig(maxPositions)));
  files.set(modelPath, encodeTinyClipOnnx(weights, vocab.length, hiddenSize, projectionDim, maxPositions, outputName));

  return { files, vocab, special, hiddenSize, projectionDim, maxPositions, weights };
}

/**
 * The raw (not yet normalised) `text_embeds` row the graph must produce for one sequence of token ids with an
 * all-ones mask. Padding tokens are simply absent here: the graph's mask must make them so.
 */
export function tinyClipTextEmbedding(model: TinyClipTextModel, ids: readonly number[]): Float64Array {
  const { hiddenSize: H, projectionDim: E, weights: w } = model;
  if (ids.length > model.maxPositions) throw new Error(`${ids.length} tokens exceed ${model.maxPositions} positions`);
  const pooled = new Float64Array(H);
  const embedded = new Float64Array(H);
  ids.forEach((tokenId, t) => {
    for (let i = 0; i < H; i++) embedded[i] = w.tokenEmbedding[tokenId * H + i]! + w.positionEmbedding[t * H + i]!;
    for (let j = 0; j < H; j++) {
      let z = w.hiddenBias[j]!;
      for (let i = 0; i < H; i++) z += embedded[i]! * w.hiddenWeight[i * H + j]!;
      pooled[j] = pooled[j]! + Math.tanh(z);
    }
  });
  const count = Math.max(1, ids.length);
  const out = new Float64Array(E);
  for (let k = 0; k < E; k++) {
    let s = 0;
    for (let j = 0; j < H; j++) s += (pooled[j]! / count) * w.projection[j * E + k]!;
    out[k] = s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Vocabulary, tokenizer and configs

/** Specials first (CLIP's ids differ, but nothing may depend on where they sit), then words, then letters. */
function buildVocab(words: readonly string[]): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const tokens = [
    TINY_CLIP_SPECIAL_TOKENS.bos,
    TINY_CLIP_SPECIAL_TOKENS.eos,
    TINY_CLIP_SPECIAL_TOKENS.unk,
    ...words.map((w) => w.toLowerCase()),
    ...letters,
    ...letters.map((c) => `##${c}`),
    '.',
    ',',
    '-',
  ];
  return [...new Set(tokens)];
}

function wordPieceTokenizerJson(vocab: readonly string[]): unknown {
  const specials = [TINY_CLIP_SPECIAL_TOKENS.bos, TINY_CLIP_SPECIAL_TOKENS.eos, TINY_CLIP_SPECIAL_TOKENS.unk];
  const specialToken = (content: string) => ({ id: content, ids: [vocab.indexOf(content)], tokens: [content] });
  const template = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  const bos = { SpecialToken: { id: TINY_CLIP_SPECIAL_TOKENS.bos, type_id: 0 } };
  const eos = { SpecialToken: { id: TINY_CLIP_SPECIAL_TOKENS.eos, type_id: 0 } };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab.indexOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [bos, template('A'), eos],
      pair: [bos, template('A'), eos, template('B'), eos],
      special_tokens: {
        [TINY_CLIP_SPECIAL_TOKENS.bos]: specialToken(TINY_CLIP_SPECIAL_TOKENS.bos),
        [TINY_CLIP_SPECIAL_TOKENS.eos]: specialToken(TINY_CLIP_SPECIAL_TOKENS.eos),
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: TINY_CLIP_SPECIAL_TOKENS.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
    },
  };
}

function tokenizerConfig(maxPositions: number): unknown {
  return {
    tokenizer_class: 'CLIPTokenizer',
    bos_token: TINY_CLIP_SPECIAL_TOKENS.bos,
    eos_token: TINY_CLIP_SPECIAL_TOKENS.eos,
    // CLIP pads with its end-of-text token; the mask keeps those positions out of the pooled vector.
    pad_token: TINY_CLIP_SPECIAL_TOKENS.eos,
    unk_token: TINY_CLIP_SPECIAL_TOKENS.unk,
    model_max_length: maxPositions,
    do_lower_case: true,
    clean_up_tokenization_spaces: true,
  };
}

function clipTextConfig(
  vocabSize: number,
  hiddenSize: number,
  projectionDim: number,
  maxPositions: number,
  special: { bos: number; eos: number; pad: number },
): unknown {
  return {
    _name_or_path: 'pseudolab/tiny-clip-text-generated',
    architectures: ['CLIPTextModelWithProjection'],
    model_type: 'clip_text_model',
    vocab_size: vocabSize,
    hidden_size: hiddenSize,
    intermediate_size: hiddenSize,
    projection_dim: projectionDim,
    max_position_embeddings: maxPositions,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    hidden_act: 'tanh',
    bos_token_id: special.bos,
    eos_token_id: special.eos,
    pad_token_id: special.pad,
  };
}

function makeWeights(seed: number, V: number, H: number, E: number, P: number): TinyClipTextWeights {
  const rng = new Random(seed);
  // Scales keep tanh out of saturation (pre-activations of order 1), so every weight moves the output.
  const normal = (n: number, scale: number, label: string): Float32Array => {
    const stream = rng.fork(label);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = stream.normal() * scale;
    return out;
  };
  return {
    tokenEmbedding: normal(V * H, 0.7, 'token_embedding'),
    positionEmbedding: normal(P * H, 0.3, 'position_embedding'),
    hiddenWeight: normal(H * H, 1 / Math.sqrt(H), 'hidden_weight'),
    hiddenBias: normal(H, 0.1, 'hidden_bias'),
    projection: normal(H * E, 1 / Math.sqrt(H), 'text_projection'),
  };
}

// ---------------------------------------------------------------------------------------------------------
// ONNX graph

function encodeTinyClipOnnx(w: TinyClipTextWeights, V: number, H: number, E: number, P: number, outputName: string): Uint8Array {
  const nodes = [
    node('Gather', ['token_embedding', 'input_ids'], ['token_embeds']),
    // Position rows 0..L-1, with L read from the ids' shape so one graph serves every sequence length.
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Slice', ['ids_shape', 'i64_1', 'i64_2', 'i64_0'], ['seq_len']),
    node('Slice', ['position_embedding', 'i64_0', 'seq_len', 'i64_0'], ['position_embeds']),
    node('Add', ['token_embeds', 'position_embeds'], ['embedded']),
    node('MatMul', ['embedded', 'hidden_weight'], ['hidden_linear']),
    node('Add', ['hidden_linear', 'hidden_bias'], ['hidden_pre']),
    node('Tanh', ['hidden_pre'], ['last_hidden_state']),
    node('Cast', ['attention_mask'], ['mask_float'], [intAttribute('to', ONNX_FLOAT)]),
    node('Unsqueeze', ['mask_float', 'i64_2'], ['mask_3d']),
    node('Mul', ['last_hidden_state', 'mask_3d'], ['masked_hidden']),
    node('ReduceSum', ['masked_hidden', 'i64_1'], ['hidden_sum'], [intAttribute('keepdims', 0)]),
    node('ReduceSum', ['mask_3d', 'i64_1'], ['token_count'], [intAttribute('keepdims', 0)]),
    node('Max', ['token_count', 'f32_1'], ['token_count_safe']),
    node('Div', ['hidden_sum', 'token_count_safe'], ['pooled']),
    node('MatMul', ['pooled', 'text_projection'], [outputName]),
  ];
  const initializers = [
    floatTensor('token_embedding', [V, H], w.tokenEmbedding),
    floatTensor('position_embedding', [P, H], w.positionEmbedding),
    floatTensor('hidden_weight', [H, H], w.hiddenWeight),
    floatTensor('hidden_bias', [H], w.hiddenBias),
    floatTensor('text_projection', [H, E], w.projection),
    floatTensor('f32_1', [], new Float32Array([1])),
    int64Tensor('i64_0', [1], [0]),
    int64Tensor('i64_1', [1], [1]),
    int64Tensor('i64_2', [1], [2]),
  ];
  const graph = message([
    ...nodes.map((n) => bytesField(1, n)),
    stringField(2, 'tiny_clip_text'),
    ...initializers.map((t) => bytesField(5, t)),
    bytesField(11, valueInfo('input_ids', ONNX_INT64, ['batch_size', 'sequence_length'])),
    bytesField(11, valueInfo('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length'])),
    bytesField(12, valueInfo(outputName, ONNX_FLOAT, ['batch_size', E])),
    bytesField(12, valueInfo('last_hidden_state', ONNX_FLOAT, ['batch_size', 'sequence_length', H])),
  ]);
  const opset = message([stringField(1, ''), varintField(2, 13)]);
  return message([
    varintField(1, 7), // ir_version 7 goes with opset 13
    stringField(2, 'pseudolab makeTinyClipTextModel'),
    bytesField(7, graph),
    bytesField(8, opset),
  ]);
}

// TensorProto.DataType and AttributeProto.AttributeType values from onnx.proto.
const ONNX_FLOAT = 1;
const ONNX_INT64 = 7;
const ONNX_ATTRIBUTE_INT = 2;

function node(opType: string, inputs: string[], outputs: string[], attributes: Uint8Array[] = []): Uint8Array {
  return message([
    ...inputs.map((name) => stringField(1, name)),
    ...outputs.map((name) => stringField(2, name)),
    stringField(3, `${opType}_${outputs[0]}`),
    stringField(4, opType),
    ...attributes.map((a) => bytesField(5, a)),
  ]);
}

function intAttribute(name: string, value: number): Uint8Array {
  return message([stringField(1, name), varintField(3, value), varintField(20, ONNX_ATTRIBUTE_INT)]);
}

function floatTensor(name: string, dims: number[], values: Float32Array): Uint8Array {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  // ONNX raw_data is little-endian whatever the host.
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return message([...dims.map((d) => varintField(1, d)), varintField(2, ONNX_FLOAT), stringField(8, name), bytesField(9, raw)]);
}

function int64Tensor(name: string, dims: number[], values: number[]): Uint8Array {
  return message([...dims.map((d) => varintField(1, d)), varintField(2, ONNX_INT64), ...values.map((v) => varintField(7, v)), stringField(8, name)]);
}

/** A tensor-typed ValueInfoProto; string dims are symbolic (dim_param), numbers fixed (dim_value). */
function valueInfo(name: string, elemType: number, dims: (string | number)[]): Uint8Array {
  const shape = message(dims.map((d) => bytesField(1, message([typeof d === 'number' ? varintField(1, d) : stringField(2, d)]))));
  const tensorType = message([varintField(1, elemType), bytesField(2, shape)]);
  return message([stringField(1, name), bytesField(2, message([bytesField(1, tensorType)]))]);
}

// ---------------------------------------------------------------------------------------------------------
// Protocol buffers: just the two wire types an ONNX model needs (varint and length-delimited). Repeated
// scalars are written unpacked, which every proto2 parser must accept.

function varintBytes(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint out of range: ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function varintField(field: number, value: number): Uint8Array {
  return new Uint8Array([...varintBytes(field * 8), ...varintBytes(value)]);
}

function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return message([new Uint8Array([...varintBytes(field * 8 + 2), ...varintBytes(payload.length)]), payload]);
}

function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}

/** A message is the concatenation of its fields. */
function message(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
