/**
 * Reading a pretrained text encoder's model folder — files the user picked or a URL — and checking it holds a
 * CLIP text tower before transformers.js sees it, so that a missing or wrong file is named by us, in the
 * folder's own terms.
 */
import { PretrainedTextEncoderError } from './pretrainedTextEncoderError.ts';

/** ONNX weight formats transformers.js names by file suffix (`text_model_quantized.onnx` is `q8`, …). */
export type PretrainedDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

/** transformers.js looks for `text_model` first for CLIP text towers; single-graph exports use `model`. */
const ONNX_BASE_NAMES = ['text_model', 'model'];
export const DTYPE_SUFFIX: Record<PretrainedDtype, string> = {
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

export interface ModelReader {
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

export function filesReader(picked: Map<string, Uint8Array | Blob>): ModelReader {
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

export function urlReader(baseUrl: string, allowRemote: boolean): ModelReader {
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
      `${base.href} is not on this machine; loading a model from ${base.host} needs the user's explicit permission ` + `(allowRemote).`,
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

export async function readJson(reader: ModelReader, file: string): Promise<Record<string, unknown>> {
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

export async function findOnnxFile(reader: ModelReader, wanted: PretrainedDtype | undefined): Promise<{ modelFile: string; dtype: PretrainedDtype }> {
  // A URL cannot be listed, and every guess costs a request, so there only the asked-for (or fp32) is tried.
  const dtypes = wanted ? [wanted] : reader.list ? DTYPE_PREFERENCE : ['fp32' as const];
  const candidates = dtypes.flatMap((dtype) => ONNX_BASE_NAMES.map((base) => ({ modelFile: `onnx/${base}${DTYPE_SUFFIX[dtype]}.onnx`, dtype })));
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
