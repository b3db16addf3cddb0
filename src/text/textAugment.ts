/**
 * Text augmentations for DuSSS's intra-modal contrast (IMC, eq 9): the T2T term pulls a text T_1 towards its
 * augmented copy T_2 and away from the other texts of the batch, so T_2 must say the same thing in other words.
 * Three augmentations, as METHOD.md lists them: word dropout, synonym swap, clause shuffle. The paper names no
 * rates; the defaults below are ours, mild enough that a one-sentence MoNuSeg description keeps its meaning.
 *
 * All work on normalizeText's words and return readable text (joinWords), lower-cased like every text the
 * tokenizer sees. When an augmentation changes nothing, the input string comes back as it was, so p = 0 is an
 * exact identity. None of them ever removes the last word of a text.
 */
import { Random } from '../data/random.ts';
import { joinWords, splitWords } from './normalizeText.ts';

export interface TextAugmentConfig {
  /** Chance that each word of the text is replaced by a synonym from SYNONYM_GROUPS. */
  synonymSwap: number;
  /** Chance that each word is dropped; at least one word always survives. */
  wordDropout: number;
  /** Chance that the text's sentences, and the clauses within each sentence, are shuffled. */
  clauseShuffle: number;
}

export const DEFAULT_TEXT_AUGMENT: Readonly<TextAugmentConfig> = Object.freeze({
  synonymSwap: 0.2,
  wordDropout: 0.1,
  clauseShuffle: 0.5,
});

/**
 * Words that can stand in for each other in the descriptions this app sees: amounts and densities (MoNuSeg),
 * directions, shapes, intensities, pathology, spelling variants. Our own list. Left out on purpose: opposites
 * (left/right) and the anatomical superior/inferior, which are parts of names ("inferior vena cava") that a
 * swap would turn into a different structure. Each word is in at most one group (a test checks).
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  // Amount, density and distribution.
  ['high', 'elevated', 'increased'],
  ['low', 'reduced', 'decreased'],
  ['dense', 'crowded', 'packed'],
  ['sparse', 'scant'],
  ['sparsely', 'thinly'],
  ['evenly', 'uniformly', 'regularly'],
  ['irregularly', 'unevenly'],
  ['distributed', 'spread', 'arranged'],
  ['many', 'numerous'],
  // Position.
  ['upper', 'top'],
  ['lower', 'bottom'],
  ['centre', 'center', 'middle'],
  ['edge', 'border', 'margin', 'periphery'],
  ['inside', 'within'],
  ['toward', 'towards'],
  ['part', 'portion', 'region'],
  ['lies', 'sits', 'rests'],
  ['runs', 'courses', 'passes'],
  ['measures', 'spans'],
  ['about', 'approximately', 'roughly'],
  // Shape and size.
  ['round', 'circular', 'rounded'],
  ['oval', 'ovoid', 'elliptical'],
  ['elongated', 'oblong', 'elongate'],
  ['irregular', 'uneven'],
  ['tubular', 'cylindrical'],
  ['curved', 'bent', 'arched'],
  ['curving', 'bending', 'arching'],
  ['smooth', 'even'],
  ['thin', 'narrow', 'slender'],
  ['small', 'little', 'tiny'],
  ['large', 'big', 'sizeable'],
  ['largest', 'biggest'],
  ['smallest', 'tiniest'],
  ['gently', 'slightly', 'gradually'],
  ['defined', 'demarcated', 'circumscribed'],
  ['much', 'far'],
  // Intensity.
  ['bright', 'hyperintense'],
  ['dark', 'hypointense'],
  ['brighter', 'lighter'],
  ['darker', 'dimmer'],
  // Imaging and pathology.
  ['image', 'scan'],
  ['shows', 'depicts', 'displays'],
  ['visible', 'seen', 'apparent'],
  ['lesion', 'nodule', 'mass'],
  ['lesions', 'nodules', 'masses'],
  ['tumour', 'tumor', 'neoplasm'],
  ['abnormal', 'atypical'],
  ['enlarged', 'swollen'],
  ['healthy', 'normal'],
  // Spelling variants.
  ['grey', 'gray'],
  ['colour', 'color'],
  ['oedema', 'edema'],
  ['haemorrhage', 'hemorrhage'],
  ['oesophagus', 'esophagus'],
];

const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map(SYNONYM_GROUPS.flatMap((group) => group.map((w) => [w, group] as const)));

const SENTENCE_END = new Set(['.', '!', '?']);
/** Where a clause ends inside a sentence. "and" is one too: "in front of and lateral to" is two relations. */
const CLAUSE_BREAK = new Set([',', ';', ':', 'and']);

function isWord(token: string): boolean {
  return /[\p{L}\p{N}]/u.test(token);
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name}: p must be in [0, 1], got ${p}`);
}

/** Each word is replaced, with chance p, by another word of its synonym group. */
export function synonymSwap(text: string, p: number, rng: Random): string {
  checkProbability('synonymSwap', p);
  return applyToWords(text, (words) => swapSynonyms(words, p, rng));
}

/** Each word is dropped with chance p; punctuation stays; if every word would go, one chosen at random stays. */
export function wordDropout(text: string, p: number, rng: Random): string {
  checkProbability('wordDropout', p);
  return applyToWords(text, (words) => dropWords(words, p, rng));
}

/**
 * Permutes the sentences, then the clauses inside each sentence (split at commas, semicolons, colons and
 * "and"). Delimiters stay where they were and clause bodies move between them, so the text keeps its
 * punctuation pattern and exactly the same multiset of words. Clauses never cross sentences: a sentence is
 * one statement, and mixing two would say something neither said.
 */
export function clauseShuffle(text: string, rng: Random): string {
  return applyToWords(text, (words) => shuffleClauses(words, rng));
}

/**
 * DuSSS's T2T view of `text`: synonym swap, then word dropout, then (with its chance) clause shuffle. One draw
 * from `rng` seeds the call; each augmentation then has its own stream, so changing how many numbers one of
 * them draws never changes what the others do. Deterministic for a given rng state.
 */
export function augmentText(text: string, rng: Random, cfg: Partial<TextAugmentConfig> = {}): string {
  const c = { ...DEFAULT_TEXT_AUGMENT, ...cfg };
  checkProbability('augmentText synonymSwap', c.synonymSwap);
  checkProbability('augmentText wordDropout', c.wordDropout);
  checkProbability('augmentText clauseShuffle', c.clauseShuffle);
  const call = new Random(rng.uint32());
  return applyToWords(text, (words) => {
    let out = swapSynonyms(words, c.synonymSwap, call.fork('synonym'));
    out = dropWords(out, c.wordDropout, call.fork('dropout'));
    const shuffle = call.fork('shuffle');
    if (shuffle.uniform() < c.clauseShuffle) out = shuffleClauses(out, shuffle);
    return out;
  });
}

/** Runs `change` on the words; returns the input itself when nothing changed or it has no words at all. */
function applyToWords(text: string, change: (words: string[]) => string[]): string {
  const words = splitWords(text);
  if (!words.some(isWord)) return text;
  const out = change(words);
  const same = out.length === words.length && out.every((w, n) => w === words[n]);
  return same ? text : joinWords(out);
}

function swapSynonyms(words: readonly string[], p: number, rng: Random): string[] {
  return words.map((word) => {
    const group = SYNONYMS.get(word);
    // Draw only for words that have synonyms, so a text's other words never shift the stream.
    if (!group || p === 0 || rng.uniform() >= p) return word;
    const others = group.filter((w) => w !== word);
    return others[rng.int(0, others.length - 1)] ?? word;
  });
}

/** Marks that bind two words into one unit ("wedge-shaped", "t1/t2", "liver's"). */
const BINDING = new Set(['-', '/', "'"]);

/**
 * Drops whole units: a word, or words bound by a hyphen, slash or apostrophe, so "wedge-shaped" goes or stays
 * whole and never leaves a stray "-shaped".
 */
function dropWords(words: readonly string[], p: number, rng: Random): string[] {
  if (p === 0) return [...words];
  // unit[n]: the unit token n belongs to, or -1 for punctuation outside words (always kept).
  const unit = new Int32Array(words.length).fill(-1);
  let units = 0;
  for (let n = 0; n < words.length; n++) {
    const w = words[n]!;
    if (!isWord(w)) continue;
    const bound = n >= 2 && BINDING.has(words[n - 1]!) && isWord(words[n - 2]!);
    if (bound) unit[n - 1] = unit[n - 2]!;
    unit[n] = bound ? unit[n - 2]! : units++;
  }
  const keep = Array.from({ length: units }, () => rng.uniform() >= p);
  if (!keep.some(Boolean)) keep[rng.int(0, units - 1)] = true;
  return words.filter((_, n) => unit[n]! < 0 || keep[unit[n]!]);
}

function shuffleClauses(words: readonly string[], rng: Random): string[] {
  // Sentences: runs of tokens ending in a sentence mark (or the end of the text).
  const sentences: string[][] = [[]];
  for (const w of words) {
    sentences[sentences.length - 1]!.push(w);
    if (SENTENCE_END.has(w)) sentences.push([]);
  }
  if (sentences[sentences.length - 1]!.length === 0) sentences.pop();
  // Sentences made of marks alone ("..." after "...") stay where they are; only real sentences move.
  const real = sentences.flatMap((s, n) => (s.some(isWord) ? [n] : []));
  const order = permute(real, rng);
  const moved = sentences.map((s, n) => {
    const slot = real.indexOf(n);
    return slot < 0 ? s : sentences[order[slot]!]!;
  });
  return moved.flatMap((sentence) => shuffleWithinSentence(sentence, rng));
}

function shuffleWithinSentence(sentence: readonly string[], rng: Random): string[] {
  // Split into clause bodies and the delimiters between them; the sentence mark at the end is a delimiter too.
  const bodies: string[][] = [[]];
  const delimiters: string[] = [];
  for (const w of sentence) {
    if (CLAUSE_BREAK.has(w) || SENTENCE_END.has(w)) {
      delimiters.push(w);
      bodies.push([]);
    } else {
      bodies[bodies.length - 1]!.push(w);
    }
  }
  const filled = bodies.flatMap((b, n) => (b.length > 0 ? [n] : []));
  if (filled.length < 2) return [...sentence];
  const order = permute(filled, rng);
  const out: string[] = [];
  bodies.forEach((body, n) => {
    const slot = filled.indexOf(n);
    out.push(...(slot < 0 ? body : bodies[order[slot]!]!));
    if (n < delimiters.length) out.push(delimiters[n]!);
  });
  return out;
}

/** A Fisher–Yates permutation of `items`. */
function permute(items: readonly number[], rng: Random): number[] {
  const out = [...items];
  for (let n = out.length - 1; n > 0; n--) {
    const m = rng.int(0, n);
    [out[n], out[m]] = [out[m]!, out[n]!];
  }
  return out;
}
