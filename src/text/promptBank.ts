/**
 * The prompt bank: text embeddings computed elsewhere (a BiomedCLIP or CLIP text encoder run offline, as TAK
 * does with BiomedCLIP) and imported as a file, for the `import` text provider. The app looks each prompt up by
 * its text and never runs the foreign encoder itself.
 *
 * File format (JSON, UTF-8):
 *   { "format": "pseudolab-prompt-bank", "version": 1,
 *     "encoder": { "provider": "biomedclip", "name": "BiomedCLIP-PubMedBERT_256-vit_base_patch16_224" },
 *     "dim": 512,
 *     "entries": [ { "text": "A CT scan of the liver.", "vector": [0.0123, …] }, … ] }
 * Texts are matched after normalizeText, so case, spacing and accents do not matter; two entries with the same
 * normalised text are an error, not a silent override. Vectors are stored L2-normalised: the contrastive
 * losses compare directions, and a bank written by a tool that forgot to normalise still loads correctly.
 */
import { normalizeText } from './normalizeText.ts';

export const PROMPT_BANK_FORMAT = 'pseudolab-prompt-bank';
export const PROMPT_BANK_VERSION = 1;

export interface PromptBankEncoder {
  /** Who computed the vectors, e.g. "biomedclip", "openai-clip", "pseudolab". */
  provider: string;
  /** The exact model, so vectors from two encoders are never mixed. */
  name: string;
}

export interface PromptBankEntry {
  text: string;
  /** Unit length, `dim` numbers. */
  vector: Float32Array;
}

/** Plain data (no Map, no functions), so a bank can be posted to the training worker as it is. */
export interface PromptBank {
  encoder: PromptBankEncoder;
  dim: number;
  entries: readonly PromptBankEntry[];
}

/** Vectors within this of unit length are kept bit for bit, so saving and loading a bank changes nothing. */
const UNIT_TOLERANCE = 1e-6;

/**
 * `v` scaled to unit L2 length, as a new Float32Array. Throws on a non-finite element or a zero vector, which
 * have no direction. The norm is summed in float64 so 1024 float32 squares do not lose precision.
 */
export function normalizeVector(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let n = 0; n < v.length; n++) {
    const x = v[n]!;
    if (!Number.isFinite(x)) throw new RangeError(`normalizeVector: element ${n} is ${x}, not a finite number`);
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (norm === 0) throw new RangeError('normalizeVector: the vector is all zeros and has no direction');
  const out = Float32Array.from(v);
  if (Math.abs(norm - 1) > UNIT_TOLERANCE) for (let n = 0; n < out.length; n++) out[n] = out[n]! / norm;
  return out;
}

/**
 * A bank from entries in memory (a provider that computed its own vectors); vectors are normalised and
 * validated the same way as a loaded file, and errors name `source`.
 */
export function makePromptBank(
  encoder: PromptBankEncoder,
  dim: number,
  entries: readonly { text: string; vector: ArrayLike<number> }[],
  source = 'prompt bank',
): PromptBank {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${source}: dim must be a positive integer, got ${JSON.stringify(dim)}`);
  const seen = new Map<string, number>();
  const out = entries.map((entry, i) => {
    const label = `entries[${i}] (${quote(entry.text)})`;
    if (entry.vector.length !== dim) throw new Error(`${source}: ${label} has ${entry.vector.length} numbers, but dim is ${dim}`);
    const key = normalizeText(entry.text);
    if (key === '') throw new Error(`${source}: entries[${i}] has an empty text`);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new Error(`${source}: ${label} repeats the text of entries[${earlier}] (texts are compared after normalisation)`);
    seen.set(key, i);
    try {
      return { text: entry.text, vector: normalizeVector(entry.vector) };
    } catch (e) {
      throw new Error(`${source}: ${label}: ${(e as Error).message.replace('normalizeVector: ', '')}`);
    }
  });
  return { encoder: { provider: encoder.provider, name: encoder.name }, dim, entries: out };
}

/** Reads a prompt-bank file. Every error names the file and says exactly what is wrong and where. */
export function parsePromptBank(text: string, fileName: string): PromptBank {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fileName} is not a prompt bank: it is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json)) throw new Error(`${fileName} is not a prompt bank: expected a JSON object, found ${describeJson(json)}`);
  if (json.format !== PROMPT_BANK_FORMAT) {
    throw new Error(
      `${fileName} is not a prompt bank: "format" is ${json.format === undefined ? 'missing' : JSON.stringify(json.format)}, expected "${PROMPT_BANK_FORMAT}"`,
    );
  }
  if (json.version !== PROMPT_BANK_VERSION) {
    throw new Error(`${fileName}: prompt bank version ${JSON.stringify(json.version)} is not supported (this app reads version ${PROMPT_BANK_VERSION})`);
  }
  const encoder = json.encoder;
  if (!isRecord(encoder) || typeof encoder.provider !== 'string' || encoder.provider === '' || typeof encoder.name !== 'string' || encoder.name === '') {
    throw new Error(`${fileName}: "encoder" must be an object with non-empty strings "provider" and "name"`);
  }
  const dim = json.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1)
    throw new Error(`${fileName}: "dim" must be a positive integer, found ${JSON.stringify(dim)}`);
  const entries = json.entries;
  if (!Array.isArray(entries)) throw new Error(`${fileName}: "entries" must be a list, found ${describeJson(entries)}`);
  if (entries.length === 0) throw new Error(`${fileName}: "entries" is empty; the bank has no prompts`);
  const checked = entries.map((entry: unknown, i) => {
    if (!isRecord(entry)) throw new Error(`${fileName}: entries[${i}] must be an object with "text" and "vector", found ${describeJson(entry)}`);
    if (typeof entry.text !== 'string' || entry.text.trim() === '') throw new Error(`${fileName}: entries[${i}] has no text (expected a non-empty string)`);
    const label = `entries[${i}] (${quote(entry.text)})`;
    const vector = entry.vector;
    if (!Array.isArray(vector)) throw new Error(`${fileName}: ${label}: "vector" must be a list of numbers, found ${describeJson(vector)}`);
    if (vector.length !== dim) throw new Error(`${fileName}: ${label} has ${vector.length} numbers, but dim is ${dim}`);
    // JSON has no NaN or Infinity: a writer's NaN arrives as null, an overflow like 1e999 as Infinity.
    const bad = vector.findIndex((x: unknown) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) {
      const x: unknown = vector[bad];
      const shown = typeof x === 'number' ? `${x} (too large for a number)` : JSON.stringify(x);
      throw new Error(`${fileName}: ${label}: vector[${bad}] is ${shown}, not a finite number`);
    }
    return { text: entry.text, vector: vector as number[] };
  });
  return makePromptBank({ provider: encoder.provider, name: encoder.name }, dim, checked, fileName);
}

/**
 * The bank as file text: the header pretty-printed and one entry per line, so a diff shows which prompts
 * changed. Numbers carry 9 significant digits, enough to give back every float32 exactly.
 */
export function serializePromptBank(bank: PromptBank): string {
  const header = {
    format: PROMPT_BANK_FORMAT,
    version: PROMPT_BANK_VERSION,
    encoder: { provider: bank.encoder.provider, name: bank.encoder.name },
    dim: bank.dim,
  };
  const lines = bank.entries.map((e) => `    { "text": ${JSON.stringify(e.text)}, "vector": [${Array.from(e.vector, formatFloat32).join(', ')}] }`);
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  return `${head},\n  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

/** The unit vector stored for `text` (compared after normalizeText), as a copy; null if the bank lacks it. */
export function lookupPrompt(bank: PromptBank, text: string): Float32Array | null {
  const i = indexOf(bank).get(normalizeText(text));
  return i === undefined ? null : Float32Array.from(bank.entries[i]!.vector);
}

/** The texts the bank has no vector for, in their order: what an import must add before training can start. */
export function missingPrompts(bank: PromptBank, texts: readonly string[]): string[] {
  const index = indexOf(bank);
  return texts.filter((t) => !index.has(normalizeText(t)));
}

// Lookups are per training step; the index is built once per bank object and forgotten with it.
const indexes = new WeakMap<PromptBank, Map<string, number>>();

function indexOf(bank: PromptBank): Map<string, number> {
  let index = indexes.get(bank);
  if (!index) {
    index = new Map();
    // First entry wins if a hand-made bank bypassed makePromptBank and holds duplicates.
    bank.entries.forEach((e, i) => {
      const key = normalizeText(e.text);
      if (!index!.has(key)) index!.set(key, i);
    });
    indexes.set(bank, index);
  }
  return index;
}

function formatFloat32(x: number): string {
  return x === 0 ? '0' : String(Number(x.toPrecision(9)));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function quote(text: unknown): string {
  const s = String(text);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
