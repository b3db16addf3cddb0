/**
 * One canonical form for every text that reaches a text encoder, a prompt bank or an augmentation. Two texts
 * a reader would call the same ("The Liver." and "the liver .", "café" and "cafe", "mid–grey" and "mid-grey")
 * must become the same words, or a prompt bank misses a lookup and the tokenizer learns two ids for one word.
 *
 * The steps, in order:
 *   1. lower-case (before step 2: lower-casing "İ" makes "i" plus a combining dot, which step 2 removes);
 *   2. Unicode compatibility decomposition (NFKD: "ﬁ" → "fi", "²" → "2", full-width → ASCII), then drop the
 *      non-spacing marks that decomposition split off, so accented letters lose their accents — the same choice
 *      uncased BERT vocabularies make; a few scripts lose vowel signs, acceptable for English clinical text;
 *   3. typographic quotes, dashes and the minus sign become their ASCII forms, invisible characters go;
 *   4. the text splits into words (letters and digits; a decimal number like "3.5" stays one word) and single
 *      punctuation characters, so "wedge-shaped:" is the three words "wedge", "-", "shaped" and then ":".
 *
 * Changing any of this changes token ids; bump NORMALIZATION_VERSION so stored tokenizers refuse to load.
 */
export const NORMALIZATION_VERSION = 1;

const TYPOGRAPHIC: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
};
const TYPOGRAPHIC_RE = new RegExp(`[${Object.keys(TYPOGRAPHIC).join('')}]`, 'gu');
/** Zero-width spaces and joiners, the byte-order mark, soft hyphens: they split or join words invisibly. */
const INVISIBLE_RE = /[\u00ad\u200b-\u200d\u2060\ufeff]/gu;
const CONTROL_RE = /\p{Cc}/gu;
const MARK_RE = /\p{Mn}/gu;
/** A decimal number, a run of letters and digits, or one other visible character. */
const WORD_RE = /\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** The words of `text` in canonical form: lower-case, no accents, punctuation as one-character words. */
export function splitWords(text: string): string[] {
  const cleaned = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(MARK_RE, '')
    .normalize('NFC')
    .replace(TYPOGRAPHIC_RE, (c) => TYPOGRAPHIC[c] ?? c)
    .replace(INVISIBLE_RE, '')
    // Tabs and newlines separate words like spaces; other control characters are noise.
    .replace(CONTROL_RE, (c) => (/\s/u.test(c) ? ' ' : ''));
  return cleaned.match(WORD_RE) ?? [];
}

/**
 * The canonical string of `text`: its words joined by single spaces ("the liver ."). Prompt-bank keys and
 * tokenizer inputs are compared in this form; it is not meant for display (see joinWords).
 */
export function normalizeText(text: string): string {
  return splitWords(text).join(' ');
}

/** Punctuation that hugs the word before it ("liver." not "liver ."). */
const CLOSING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%']);
/** Punctuation that hugs the word after it. */
const OPENING = new Set(['(', '[', '{']);
/** Punctuation that hugs both neighbours ("comma-shaped", "t1/t2"). */
const JOINING = new Set(['-', '/', "'"]);

/**
 * Words back to readable text, punctuation attached the way English writes it. The one promise:
 * `normalizeText(joinWords(splitWords(t))) === normalizeText(t)` — no two words merge and no word splits, so a
 * decoded or augmented text reads naturally and still normalises to the same words. It holds because glue only
 * ever joins a punctuation mark to a neighbour, never two words, and a digit never follows a glued "." or ","
 * (so "3 . 5" comes out as "3. 5", not the one number "3.5").
 */
export function joinWords(words: readonly string[]): string {
  let out = '';
  let previous: string | undefined;
  for (const word of words) {
    if (word === '') continue;
    const glue = previous !== undefined && (CLOSING.has(word) || JOINING.has(word) || OPENING.has(previous) || JOINING.has(previous));
    out += previous === undefined || glue ? word : ` ${word}`;
    previous = word;
  }
  return out;
}
