/**
 * The parts of building a WordPiece vocabulary (tokenizer.ts) that do not depend on the tokenizer itself: a
 * size-capped token list, a deterministic ranking, and learning the pieces that cover the words left without a
 * token of their own.
 */

/** The continuation marker: "##ing" is "ing" inside a word, "ing" alone is a word. */
export const CONTINUATION = '##';

export function interleave(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (let n = 0; n < Math.max(a.length, b.length); n++) {
    if (n < a.length) out.push(a[n]!);
    if (n < b.length) out.push(b[n]!);
  }
  return out;
}

/** Keys by descending count, ties by code-unit order: deterministic, unlike insertion order across corpora. */
export function byCountThenText(counts: ReadonlyMap<string, number>): string[] {
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
}

export class VocabularyBuilder {
  readonly tokens: string[] = [];
  private readonly index = new Set<string>();
  constructor(private readonly maxSize: number) {}
  get size(): number {
    return this.tokens.length;
  }
  get remaining(): number {
    return Math.max(0, this.maxSize - this.tokens.length);
  }
  has(token: string): boolean {
    return this.index.has(token);
  }
  /** Adds unless present, even past maxSize: for the tokens no vocabulary can do without (checked after). */
  add(token: string): void {
    if (this.index.has(token)) return;
    this.index.add(token);
    this.tokens.push(token);
  }
  /** Adds if absent and there is room; true if it was added. */
  tryAdd(token: string): boolean {
    if (this.index.has(token) || this.remaining === 0) return false;
    this.add(token);
    return true;
  }
}

interface PieceCandidate {
  /** Characters saved, summed over occurrences: occurrences × (piece length − 1). */
  score: number;
  /** Word occurrences the piece can start (or continue). */
  occurrences: number;
}

/**
 * Up to `budget` pieces for the words that did not get a token of their own, in two passes that follow how
 * greedy longest match will use them:
 *   1. word starts: every prefix of two characters or more (the word itself included), scored by characters
 *      saved over the words' occurrences, so a stem many frequent words share ("carcino") wins; up to half
 *      the budget;
 *   2. continuations: each word is matched against the vocabulary plus the chosen starts, and the prefixes of
 *      what remains ("##mas" after "carcino") are scored the same way; the rest of the budget.
 * A candidate that only ever occurs inside a longer chosen piece, in exactly the same words, could never be
 * used by the matcher and is skipped ("carcin" once "carcino" is in and both start the same 16 words).
 */
export function learnPieces(words: readonly string[], counts: ReadonlyMap<string, number>, vocab: VocabularyBuilder, budget: number): string[] {
  // Base words absent from the corpus count once: they matter less than text the workspace really has.
  const weightOf = (word: string): number => counts.get(word) ?? 1;
  const starts = new Map<string, PieceCandidate>();
  for (const word of words) {
    const chars = Array.from(word);
    // Up to the whole word: a start that is the word itself is a word token, and it shadows its own prefixes.
    for (let cut = 2; cut <= chars.length; cut++) addCandidate(starts, chars.slice(0, cut).join(''), weightOf(word), cut);
  }
  const chosenStarts = choosePieces(starts, Math.ceil(budget / 2), vocab);
  const known = new Set(chosenStarts);
  const continuations = new Map<string, PieceCandidate>();
  for (const word of words) {
    const chars = Array.from(word);
    // The longest start the matcher will take; a single character is always there.
    let cut = chars.length;
    while (cut > 1 && !vocab.has(chars.slice(0, cut).join('')) && !known.has(chars.slice(0, cut).join(''))) cut--;
    for (let end = cut + 2; end <= chars.length; end++) addCandidate(continuations, CONTINUATION + chars.slice(cut, end).join(''), weightOf(word), end - cut);
  }
  return [...chosenStarts, ...choosePieces(continuations, budget - chosenStarts.length, vocab)];
}

function addCandidate(map: Map<string, PieceCandidate>, piece: string, weight: number, length: number): void {
  const c = map.get(piece) ?? { score: 0, occurrences: 0 };
  c.score += weight * (length - 1);
  c.occurrences += weight;
  map.set(piece, c);
}

function choosePieces(candidates: ReadonlyMap<string, PieceCandidate>, budget: number, vocab: VocabularyBuilder): string[] {
  const scores = new Map([...candidates].map(([p, c]) => [p, c.score]));
  const chosen: string[] = [];
  for (const piece of byCountThenText(scores)) {
    if (chosen.length >= budget) break;
    if (vocab.has(piece)) continue;
    const occurrences = candidates.get(piece)!.occurrences;
    const shadowed = chosen.some((q) => q.startsWith(piece) && candidates.get(q)!.occurrences === occurrences);
    if (!shadowed) chosen.push(piece);
  }
  return chosen;
}
