/**
 * Strings to token ids for the text encoder: a WordPiece tokenizer (Schuster & Nakajima 2012; the greedy
 * longest-match-first form BERT uses), with a vocabulary built from our base vocabulary plus the workspace's
 * own texts.
 *
 * Why WordPiece and not BPE: encoding is a pure function of the vocabulary (no merge table whose order must be
 * stored and replayed), so a checkpoint carries a plain list of strings and ids survive any round trip; our
 * vocabulary is mostly whole words chosen by hand or counted in the workspace, which WordPiece takes as they
 * are; and greedy longest match degrades gracefully — an unseen word becomes its longest known prefix plus
 * known suffixes ("hypo", "##intense"), then single characters, and only a character outside the alphabet
 * becomes [UNK].
 *
 * Building is deterministic: the same corpus and options give the same vocabulary in the same order on every
 * machine (ties break by code-unit order, never by Map or hash order), so two runs on one workspace agree.
 */
import { BASE_PREFIXES, BASE_SUFFIXES, BASE_VOCABULARY } from './baseVocabulary.ts';
import { joinWords, NORMALIZATION_VERSION, splitWords } from './normalizeText.ts';
import { byCountThenText, CONTINUATION, interleave, learnPieces, VocabularyBuilder } from './wordPieceVocabulary.ts';

export { CONTINUATION };

export const PAD_ID = 0;
export const CLS_ID = 1;
export const SEP_ID = 2;
export const UNK_ID = 3;
export const MASK_ID = 4;
export const SPECIAL_TOKENS: readonly string[] = ['[PAD]', '[CLS]', '[SEP]', '[UNK]', '[MASK]'];
export const DEFAULT_MAX_VOCAB = 2000;
/** Longer "words" are noise (a pasted hash, a URL) and become one [UNK] rather than dozens of characters. */
export const DEFAULT_MAX_WORD_CHARS = 64;

/**
 * Characters every vocabulary holds, so that any English text in canonical form round-trips through
 * encode/decode whatever the corpus was. Letters and digits also appear as continuations ("##e").
 */
const BASE_LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789μ';
/** After normalisation; "µ" (the micro sign) has already become the Greek "μ" above. */
const BASE_PUNCTUATION = '.,;:!?\'"()[]{}-/\\%+=<>&*#@~_^|`$×°±';

export interface BuildTokenizerOptions {
  /** Largest vocabulary, special tokens included; the text encoder's embedding table has this many rows. */
  maxSize?: number;
  /** Include BASE_VOCABULARY and its prefixes and suffixes (default true); off gives a corpus-only vocabulary. */
  includeBase?: boolean;
  /**
   * Share of the word budget kept for pieces learned from the corpus words that did not fit (default 0.2).
   * Used only when words overflow the budget; otherwise every word is whole and pieces would be dead rows.
   */
  pieceFraction?: number;
  maxWordChars?: number;
}

export interface EncodedText {
  /** Token ids: [CLS], the text's pieces, [SEP], then [PAD] up to maxLength. */
  ids: Int32Array;
  /** 1 for real tokens ([CLS] and [SEP] included), 0 for padding; the encoder's attention mask. */
  mask: Float32Array;
  /** Real tokens, [CLS] and [SEP] included: positions [0, length) are real. */
  length: number;
  /** True when the text had more pieces than fit and its tail was cut. */
  truncated: boolean;
}

export interface EncodedBatch {
  /** Row-major [batchSize, maxLength]. */
  ids: Int32Array;
  mask: Float32Array;
  batchSize: number;
  maxLength: number;
}

/** What a checkpoint stores: the vocabulary in id order, and the settings that change ids. */
export interface TokenizerJSON {
  format: 'pseudolab-wordpiece';
  version: 1;
  normalization: number;
  maxWordChars: number;
  vocab: string[];
}

export interface Tokenizer {
  readonly vocabSize: number;
  /** Tokens in id order; continuation pieces carry the "##" prefix. */
  readonly vocab: readonly string[];
  readonly maxWordChars: number;
  /** The pieces of `text`, as strings ("[UNK]" for unknown characters); for display and debugging. */
  tokenize(text: string): string[];
  /** The pieces of `text` as ids, without [CLS]/[SEP] and without truncation. */
  encodePieces(text: string): number[];
  encode(text: string, maxLength: number): EncodedText;
  encodeBatch(texts: readonly string[], maxLength: number): EncodedBatch;
  /** Readable text from ids; [PAD], [CLS] and [SEP] are skipped, [UNK] and [MASK] are shown; throws on an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string;
  idOf(token: string): number | undefined;
  toJSON(): TokenizerJSON;
}

/**
 * A tokenizer whose vocabulary is, in id order: the specials, the alphabet (plus the corpus's other characters),
 * the base prefixes and suffixes, then whole words by priority — workspace words by how often they occur, then
 * the base vocabulary in its order — cut at `maxSize`. When the words do not all fit, `pieceFraction` of the
 * room left goes to pieces learned from the words that were cut. `corpus` is every text the workspace will
 * encode: class names, positions, shapes and prompts (classPromptCorpus) and the images' descriptions.
 */
export function buildTokenizer(corpus: readonly string[], opts: BuildTokenizerOptions = {}): Tokenizer {
  const maxSize = opts.maxSize ?? DEFAULT_MAX_VOCAB;
  const includeBase = opts.includeBase ?? true;
  const pieceFraction = opts.pieceFraction ?? 0.2;
  const maxWordChars = opts.maxWordChars ?? DEFAULT_MAX_WORD_CHARS;
  if (!Number.isInteger(maxSize)) throw new RangeError(`buildTokenizer: maxSize must be an integer, got ${maxSize}`);
  if (!(pieceFraction >= 0 && pieceFraction <= 1)) throw new RangeError(`buildTokenizer: pieceFraction must be in [0, 1], got ${pieceFraction}`);
  if (!Number.isInteger(maxWordChars) || maxWordChars < 1) throw new RangeError(`buildTokenizer: maxWordChars must be a positive integer, got ${maxWordChars}`);

  // 1. Count the corpus: words, and characters (which decide the extra alphabet).
  const wordCounts = new Map<string, number>();
  const charCounts = new Map<string, number>();
  for (const text of corpus) {
    for (const word of splitWords(text)) {
      const chars = Array.from(word);
      if (chars.length > maxWordChars) continue;
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      for (const c of chars) charCounts.set(c, (charCounts.get(c) ?? 0) + 1);
    }
  }

  // 2. Tokens that cannot be cut: specials and the base alphabet. Below this size no vocabulary works.
  const vocab = new VocabularyBuilder(maxSize);
  for (const t of SPECIAL_TOKENS) vocab.add(t);
  for (const c of BASE_LETTERS) vocab.add(c);
  for (const c of BASE_PUNCTUATION) vocab.add(c);
  for (const c of BASE_LETTERS) vocab.add(CONTINUATION + c);
  if (vocab.size > maxSize)
    throw new RangeError(`buildTokenizer: maxSize ${maxSize} is below the ${vocab.size} tokens every vocabulary needs (specials and the alphabet)`);
  // From here on every step adds only while there is room (tryAdd).

  // 3. Other characters of the corpus (Greek letters, symbols), most frequent first. A character is a word
  //    on its own when punctuation, and can also continue a word when it is a letter or digit.
  for (const c of byCountThenText(charCounts)) {
    vocab.tryAdd(c);
    if (/[\p{L}\p{N}]/u.test(c)) vocab.tryAdd(CONTINUATION + c);
  }

  // 4. Base pieces: what lets an unseen medical word break into meaningful parts. At most a quarter of the room
  //    left, so that a small vocabulary still holds the workspace's own words whole; suffixes and prefixes
  //    alternate so a cut keeps some of each.
  if (includeBase) {
    const room = Math.floor(vocab.remaining / 4);
    const pieces = interleave(
      BASE_SUFFIXES.map((s) => CONTINUATION + s),
      BASE_PREFIXES,
    ).filter((p) => !vocab.has(p));
    for (const p of pieces.slice(0, room)) vocab.tryAdd(p);
  }

  // 5. Whole words. Workspace words come first: they are the texts actually encoded. Base words follow for the
  //    prompts a user writes after training, when the checkpoint's vocabulary can no longer grow.
  const ranked = byCountThenText(wordCounts).filter((w) => Array.from(w).length > 1);
  if (includeBase) for (const w of BASE_VOCABULARY) if (!wordCounts.has(w)) ranked.push(w);
  const candidates = ranked.filter((w) => !vocab.has(w));
  const budget = vocab.remaining;
  if (candidates.length <= budget) {
    for (const w of candidates) vocab.tryAdd(w);
  } else {
    // 6. Overflow: keep the top words, and spend the rest on pieces that cover the words that did not fit.
    const pieceBudget = Math.floor(budget * pieceFraction);
    const kept = candidates.slice(0, budget - pieceBudget);
    for (const w of kept) vocab.tryAdd(w);
    const dropped = candidates.slice(kept.length);
    for (const piece of learnPieces(dropped, wordCounts, vocab, pieceBudget)) vocab.tryAdd(piece);
    // Pieces may be fewer than their budget (short words have few); the words next in line take the rest.
    for (const w of dropped) if (!vocab.tryAdd(w) && vocab.remaining === 0) break;
  }
  return createTokenizer(vocab.tokens, maxWordChars);
}

/** A tokenizer from a stored vocabulary; throws if the stored form is not one this code can reproduce. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const value: unknown = typeof json === 'string' ? parseJson(json) : json;
  if (typeof value !== 'object' || value === null) throw new Error('tokenizer: stored form is not an object');
  const j = value as Partial<Record<keyof TokenizerJSON, unknown>>;
  if (j.format !== 'pseudolab-wordpiece') throw new Error(`tokenizer: format is ${JSON.stringify(j.format)}, expected "pseudolab-wordpiece"`);
  if (j.version !== 1) throw new Error(`tokenizer: version ${JSON.stringify(j.version)} is not supported (this app reads version 1)`);
  if (j.normalization !== NORMALIZATION_VERSION) {
    // Ids depend on how text is split; a different normalisation would silently feed the encoder other words.
    throw new Error(`tokenizer: built with text normalisation ${JSON.stringify(j.normalization)}, this app uses ${NORMALIZATION_VERSION}`);
  }
  if (typeof j.maxWordChars !== 'number' || !Number.isInteger(j.maxWordChars) || j.maxWordChars < 1)
    throw new Error('tokenizer: maxWordChars must be a positive integer');
  const vocab: unknown = j.vocab;
  if (!Array.isArray(vocab) || !vocab.every((t): t is string => typeof t === 'string' && t.length > 0))
    throw new Error('tokenizer: vocab must be a list of non-empty strings');
  const tokens = vocab as string[];
  SPECIAL_TOKENS.forEach((t, i) => {
    if (tokens[i] !== t) throw new Error(`tokenizer: vocab[${i}] must be ${t}, got ${JSON.stringify(tokens[i])}`);
  });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t)) throw new Error(`tokenizer: token ${JSON.stringify(t)} appears twice`);
    seen.add(t);
  }
  return createTokenizer(tokens, j.maxWordChars);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`tokenizer: stored form is not JSON (${(e as Error).message})`);
  }
}

const WORD_CACHE_LIMIT = 50_000;

function createTokenizer(tokens: readonly string[], maxWordChars: number): Tokenizer {
  const vocab = Object.freeze([...tokens]);
  const ids = new Map<string, number>();
  vocab.forEach((t, i) => ids.set(t, i));
  // Greedy matching never needs to try a piece longer than the longest token.
  let longest = 1;
  for (const t of vocab) {
    if (SPECIAL_TOKENS.includes(t)) continue;
    const n = Array.from(t.startsWith(CONTINUATION) ? t.slice(CONTINUATION.length) : t).length;
    if (n > longest) longest = n;
  }
  // Training encodes the same prompts every step; words repeat far more than texts do.
  const cache = new Map<string, readonly number[]>();

  function wordPieces(word: string): readonly number[] {
    const cached = cache.get(word);
    if (cached) return cached;
    const chars = Array.from(word);
    const out: number[] = [];
    if (chars.length > maxWordChars) {
      out.push(UNK_ID);
    } else {
      let start = 0;
      while (start < chars.length) {
        let end = Math.min(chars.length, start + longest);
        let found = -1;
        for (; end > start; end--) {
          const piece = chars.slice(start, end).join('');
          const id = ids.get(start === 0 ? piece : CONTINUATION + piece);
          if (id !== undefined) {
            found = id;
            break;
          }
        }
        if (found < 0) {
          // A character outside the vocabulary: one [UNK] for it, and the rest of the word still matches.
          out.push(UNK_ID);
          start += 1;
        } else {
          out.push(found);
          start = end;
        }
      }
    }
    if (cache.size >= WORD_CACHE_LIMIT) cache.clear();
    cache.set(word, out);
    return out;
  }

  function encodePieces(text: string): number[] {
    const out: number[] = [];
    for (const word of splitWords(text)) for (const id of wordPieces(word)) out.push(id);
    return out;
  }

  function encodeInto(text: string, maxLength: number, ids: Int32Array, mask: Float32Array, offset: number): { length: number; truncated: boolean } {
    const pieces = encodePieces(text);
    const kept = Math.min(pieces.length, maxLength - 2);
    ids[offset] = CLS_ID;
    for (let n = 0; n < kept; n++) ids[offset + 1 + n] = pieces[n]!;
    ids[offset + 1 + kept] = SEP_ID;
    // Int32Array/Float32Array start at zero, which is [PAD] and mask 0; only the real tokens are written.
    mask.fill(1, offset, offset + kept + 2);
    return { length: kept + 2, truncated: kept < pieces.length };
  }

  function checkLength(maxLength: number): void {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`tokenizer: maxLength must be an integer ≥ 2 ([CLS] and [SEP]), got ${maxLength}`);
  }

  return {
    vocabSize: vocab.length,
    vocab,
    maxWordChars,
    tokenize: (text) => encodePieces(text).map((id) => vocab[id]!),
    encodePieces,
    encode(text, maxLength) {
      checkLength(maxLength);
      const ids = new Int32Array(maxLength);
      const mask = new Float32Array(maxLength);
      const { length, truncated } = encodeInto(text, maxLength, ids, mask, 0);
      return { ids, mask, length, truncated };
    },
    encodeBatch(texts, maxLength) {
      checkLength(maxLength);
      const ids = new Int32Array(texts.length * maxLength);
      const mask = new Float32Array(texts.length * maxLength);
      texts.forEach((text, b) => encodeInto(text, maxLength, ids, mask, b * maxLength));
      return { ids, mask, batchSize: texts.length, maxLength };
    },
    decode(idList) {
      const words: string[] = [];
      for (let n = 0; n < idList.length; n++) {
        const id = idList[n]!;
        const token = vocab[id];
        if (token === undefined || !Number.isInteger(id))
          throw new RangeError(`tokenizer: id ${id} at position ${n} is outside the vocabulary of ${vocab.length}`);
        if (id === PAD_ID || id === CLS_ID || id === SEP_ID) continue;
        if (token.startsWith(CONTINUATION) && words.length > 0) words[words.length - 1] += token.slice(CONTINUATION.length);
        else words.push(token.startsWith(CONTINUATION) ? token.slice(CONTINUATION.length) : token);
      }
      return joinWords(words);
    },
    idOf: (token) => ids.get(token),
    toJSON: () => ({ format: 'pseudolab-wordpiece', version: 1, normalization: NORMALIZATION_VERSION, maxWordChars, vocab: [...vocab] }),
  };
}
