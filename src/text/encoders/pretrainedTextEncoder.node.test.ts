import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPretrainedTextEncoder, normalizeModelFileMap, PretrainedTextEncoderError } from './pretrainedTextEncoder.ts';
import type { TextEncoderProvider } from './TextEncoderProvider.ts';
import { makeTinyClipTextModel, tinyClipTextEmbedding, type TinyClipTextModel } from './testing/makeTinyClipTextModel.ts';

/**
 * The pretrained provider end to end: transformers.js and onnxruntime-node load a CLIP text tower the test
 * generates (no real weights can be installed here), and every vector must equal the same network computed by
 * hand from the generated weights. Every fetch in this file goes through a stub that refuses anything not on
 * 127.0.0.1, so a request leaving the machine fails the test that made it and is listed at the end.
 */

/** ONNX Runtime computes in float32, the hand reference in float64; after normalisation they agree to ~1e-7. */
const TOLERANCE = 1e-5;

const realFetch = globalThis.fetch;
const requested: string[] = [];

function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  requested.push(url.href);
  if (url.hostname !== '127.0.0.1') return Promise.reject(new TypeError(`test forbids network access: ${url.href}`));
  return realFetch(input, init);
}

beforeAll(() => {
  vi.stubGlobal('fetch', guardedFetch);
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const tiny = makeTinyClipTextModel({ seed: 7 });

/** Token ids the way the generated tokenizer must produce them: BOS, word pieces, EOS. */
function ids(model: TinyClipTextModel, pieces: string[]): number[] {
  const id = (t: string): number => {
    const i = model.vocab.indexOf(t);
    if (i < 0) throw new Error(`no token ${t}`);
    return i;
  };
  return [model.special.bos, ...pieces.map(id), model.special.eos];
}

function expected(model: TinyClipTextModel, pieces: string[]): Float32Array {
  const raw = tinyClipTextEmbedding(model, ids(model, pieces));
  const norm = Math.hypot(...raw);
  return Float32Array.from(raw, (x) => x / norm);
}

function expectClose(actual: Float32Array, want: Float32Array): void {
  expect(actual.length).toBe(want.length);
  const worst = Math.max(...Array.from(actual, (x, i) => Math.abs(x - want[i]!)));
  expect(worst).toBeLessThan(TOLERANCE);
}

const norm = (v: Float32Array): number => Math.hypot(...v);
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

function withoutFile(files: Map<string, Uint8Array>, path: string): Map<string, Uint8Array> {
  const copy = new Map(files);
  copy.delete(path);
  return copy;
}

async function expectLoadError(load: Promise<TextEncoderProvider>, code: PretrainedTextEncoderError['code']): Promise<PretrainedTextEncoderError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PretrainedTextEncoderError);
  expect((err as PretrainedTextEncoderError).code).toBe(code);
  return err as PretrainedTextEncoderError;
}

describe('loadPretrainedTextEncoder from picked files', () => {
  let encoder: TextEncoderProvider;

  beforeAll(async () => {
    // As a folder picker delivers it: the folder's name in front, and large files as Blobs.
    const picked = new Map<string, Uint8Array | Blob>();
    for (const [path, bytes] of tiny.files) {
      picked.set(`tiny-clip/${path}`, path.endsWith('.onnx') ? new Blob([bytes as BlobPart]) : bytes);
    }
    requested.length = 0;
    encoder = await loadPretrainedTextEncoder({ kind: 'files', files: picked });
  });
  afterAll(() => encoder.dispose());

  it('is a pretrained provider of the projection width, and fetched nothing at all', () => {
    expect(encoder.kind).toBe('pretrained');
    expect(encoder.name).toBe('pseudolab/tiny-clip-text-generated');
    expect(encoder.dim).toBe(tiny.projectionDim);
    expect(requested).toEqual([]);
  });

  it('returns unit vectors equal to the network computed by hand from the generated weights', async () => {
    const [a, b, c] = await encoder.encode(['liver lesion', 'Kidney cyst', 'Upper lobes, MRI.']);
    for (const v of [a!, b!, c!]) expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-6);
    expectClose(a!, expected(tiny, ['liver', 'lesion']));
    // Lower-cased by the normaliser.
    expectClose(b!, expected(tiny, ['kidney', 'cyst']));
    // Punctuation split off by the pre-tokenizer; "lobes" is not a word of the vocabulary, so WordPiece
    // spells it "lobe" + "##s".
    expectClose(c!, expected(tiny, ['upper', 'lobe', '##s', ',', 'mri', '.']));
  });

  it('is deterministic, tells texts apart, and gives a text the same vector whatever it is batched with', async () => {
    const [alone] = await encoder.encode(['liver']);
    const [again] = await encoder.encode(['liver']);
    expect(Array.from(again!)).toEqual(Array.from(alone!));
    // Padded to the longer text's length in this batch; the attention mask must keep the padding out.
    const [padded, long] = await encoder.encode(['liver', 'small round hypointense lesion in the left lobe']);
    expectClose(padded!, alone!);
    expectClose(padded!, expected(tiny, ['liver']));
    expect(dot(alone!, long!)).toBeLessThan(0.999);
    const [kidney] = await encoder.encode(['kidney']);
    expect(dot(alone!, kidney!)).toBeLessThan(0.999);
  });

  it('encodes in model calls of batchSize without changing any vector, and handles empty and long inputs', async () => {
    const texts = ['liver', 'spleen', 'aorta', 'vena cava', 'left kidney'];
    const small = await loadPretrainedTextEncoder({ kind: 'files', files: tiny.files }, { batchSize: 2 });
    try {
      const [inTwos, together] = [await small.encode(texts), await encoder.encode(texts)];
      inTwos.forEach((v, i) => expectClose(v, together[i]!));
    } finally {
      small.dispose();
    }
    expect(await encoder.encode([])).toEqual([]);
    // Longer than the 16 positions the tower has: the tokenizer truncates instead of overrunning the table.
    const [long] = await encoder.encode([Array.from({ length: 40 }, () => 'liver').join(' ')]);
    expect(Math.abs(norm(long!) - 1)).toBeLessThan(1e-6);
  });

  it('refuses to encode after dispose', async () => {
    const once = await loadPretrainedTextEncoder({ kind: 'files', files: tiny.files });
    once.dispose();
    await expect(once.encode(['liver'])).rejects.toMatchObject({ code: 'disposed' });
  });
});

describe('loadPretrainedTextEncoder errors', () => {
  it.each(['config.json', 'tokenizer.json', 'tokenizer_config.json'])('names a missing %s', async (file) => {
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files: withoutFile(tiny.files, file) }), 'missing-file');
    expect(err.file).toBe(file);
    expect(err.message).toContain(`has no ${file}`);
  });

  it('names the ONNX files it looked for when the graph is missing', async () => {
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files: withoutFile(tiny.files, 'onnx/model.onnx') }), 'missing-file');
    expect(err.message).toContain('onnx/text_model.onnx or onnx/model.onnx');
    expect(err.message).toContain('It holds config.json, tokenizer.json, tokenizer_config.json');
  });

  it('refuses a config that is not a CLIP text tower, naming what it is', async () => {
    const files = new Map(tiny.files);
    files.set('config.json', new TextEncoder().encode(JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] })));
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files }), 'wrong-architecture');
    expect(err.message).toContain('model_type "bert" (BertModel)');
    expect(err.file).toBe('config.json');
  });

  it('refuses a graph without text_embeds, listing what it has', async () => {
    const noProjection = makeTinyClipTextModel({ seed: 7, outputName: 'pooler_output' });
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files: noProjection.files }), 'wrong-architecture');
    expect(err.message).toContain('gives [pooler_output, last_hidden_state]');
    expect(err.file).toBe('onnx/model.onnx');
  });

  it('names an ONNX file that ONNX Runtime cannot parse', async () => {
    const files = new Map(tiny.files);
    files.set('onnx/model.onnx', new Uint8Array(64).fill(0xff));
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files }), 'invalid-file');
    expect(err.file).toBe('onnx/model.onnx');
    expect(err.message).toContain('Could not load onnx/model.onnx');
  });

  it('reports a file that is not JSON', async () => {
    const files = new Map(tiny.files);
    files.set('tokenizer.json', new TextEncoder().encode('{ not json'));
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'files', files }), 'invalid-file');
    expect(err.file).toBe('tokenizer.json');
  });
});

describe('loadPretrainedTextEncoder from a URL', () => {
  // transformers.js's default name for CLIP text towers, so both names are covered between the two sources.
  const served = makeTinyClipTextModel({ seed: 7, modelPath: 'onnx/text_model.onnx' });
  const hits: string[] = [];
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '').replace(/^\/models\/tiny-clip\//, ''));
      hits.push(path);
      const bytes = served.files.get(path);
      if (!bytes) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': bytes.byteLength }).end(Buffer.from(bytes));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/tiny-clip`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads from a server on this machine, fetching each file once, and matches the hand computation', async () => {
    hits.length = 0;
    const encoder = await loadPretrainedTextEncoder({ kind: 'url', baseUrl: base, allowRemote: false });
    try {
      expect(encoder.name).toBe('pseudolab/tiny-clip-text-generated');
      const [v] = await encoder.encode(['liver lesion']);
      expectClose(v!, expected(served, ['liver', 'lesion']));
      for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx']) {
        expect(hits.filter((h) => h === file)).toHaveLength(1);
      }
    } finally {
      encoder.dispose();
    }
  });

  it('names a file the server does not have', async () => {
    const err = await expectLoadError(loadPretrainedTextEncoder({ kind: 'url', baseUrl: `${base}/missing-folder/`, allowRemote: false }), 'missing-file');
    expect(err.file).toBe('config.json');
    expect(err.message).toContain('/models/tiny-clip/missing-folder/ has no config.json');
  });

  it('refuses a remote URL without allowRemote, before any request', async () => {
    const before = requested.length;
    await expectLoadError(
      loadPretrainedTextEncoder({ kind: 'url', baseUrl: 'https://huggingface.co/openai/clip-vit-base-patch32', allowRemote: false }),
      'remote-not-allowed',
    );
    expect(requested.length).toBe(before);
  });

  it('with allowRemote, asks the given URL and nothing else', async () => {
    const before = requested.length;
    await expectLoadError(loadPretrainedTextEncoder({ kind: 'url', baseUrl: 'https://models.example.org/clip/', allowRemote: true }), 'fetch-failed');
    expect(requested.slice(before)).toEqual(['https://models.example.org/clip/config.json']);
  });
});

describe('the whole file', () => {
  it('sent no request off this machine except the one a test allowed', () => {
    const offMachine = requested.filter((u) => new URL(u).hostname !== '127.0.0.1');
    expect(offMachine).toEqual(['https://models.example.org/clip/config.json']);
  });
});

describe('normalizeModelFileMap', () => {
  it('finds the model root under a picked folder and normalises separators', () => {
    const files = new Map([
      ['clip\\config.json', 1],
      ['clip/onnx/text_model.onnx', 2],
      ['clip/extras/other/config.json', 3],
      ['README.md', 4],
    ]);
    expect([...normalizeModelFileMap(files)]).toEqual([
      ['config.json', 1],
      ['onnx/text_model.onnx', 2],
      ['extras/other/config.json', 3],
    ]);
  });
});
