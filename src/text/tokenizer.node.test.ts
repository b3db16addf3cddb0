import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { DEMO_CLASSES, DEMO_SEED, renderDemoVolume } from '../demo/generateDemo.ts';
import { readDescriptionsCsv } from '../io/text/readDescriptionsCsv.ts';
import { BASE_PREFIXES, BASE_SUFFIXES, BASE_VOCABULARY } from './baseVocabulary.ts';
import { classPromptCorpus } from './classPrompts.ts';
import { joinWords, normalizeText, splitWords } from './normalizeText.ts';
import { buildTokenizer, CLS_ID, MASK_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, tokenizerFromJSON, UNK_ID } from './tokenizer.ts';

const MONUSEG = join(process.cwd(), '..', 'shared', 'datasets', 'monuseg');

function monusegSentences(): string[] {
  const out: string[] = [];
  for (const folder of ['Train_Folder', 'Val_Folder', 'Test_Folder']) {
    const dir = join(MONUSEG, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('_text.csv'))) {
      const table = readDescriptionsCsv(readFileSync(join(dir, file), 'utf8'), join(dir, file));
      for (const row of table.byName.values()) out.push(row.description);
    }
  }
  return out;
}

/** The texts of the demo workspace: its class fields, their prompts, and each volume's description. */
function demoTexts(): string[] {
  const descriptions = [0, 1, 2].map((i) => renderDemoVolume(DEMO_SEED, i).volume.description ?? '');
  return [...DEMO_CLASSES.flatMap((c) => [c.name, c.position, c.shape]), ...classPromptCorpus(DEMO_CLASSES, 'MR'), ...descriptions];
}

const EXTRA = [
  'The lesion lies in the upper back part of the liver and measures about 12 mm.',
  'Hypointense, lobulated mass (3.5 cm) abutting the posterior wall; no oedema.',
  'Café-au-lait “spots” — T2-weighted; 40% enhancement at 1.25 mm/s.',
];

describe('normalizeText', () => {
  it('puts case, accents, typographic punctuation and spacing in one form', () => {
    expect(normalizeText('  The Liver–Lesion  is “Dark”.')).toBe('the liver - lesion is " dark " .');
    expect(normalizeText('Café')).toBe(normalizeText('cafe'));
    expect(normalizeText('ﬁbrosis²')).toBe('fibrosis2');
    expect(splitWords('measures 3.5 mm, wedge-shaped:')).toEqual(['measures', '3.5', 'mm', ',', 'wedge', '-', 'shaped', ':']);
    expect(normalizeText('zero\u200bwidth\tand\nlines')).toBe('zerowidth and lines');
  });

  it('joinWords reads naturally and normalises back to the same words', () => {
    const texts = [...EXTRA, '3 . 5 and 3.5', 'left (medial) side, t1/t2', "the liver's edge - thin"];
    for (const t of texts) expect(normalizeText(joinWords(splitWords(t)))).toBe(normalizeText(t));
    expect(joinWords(splitWords('A thin, comma-shaped (curved) tube.'))).toBe('a thin, comma-shaped (curved) tube.');
  });

  it('the base vocabulary is already in canonical form and has no duplicates', () => {
    for (const list of [BASE_VOCABULARY, BASE_PREFIXES, BASE_SUFFIXES]) {
      for (const w of list) expect(splitWords(w)).toEqual([w]);
      expect(new Set(list).size).toBe(list.length);
    }
    expect(BASE_VOCABULARY.length).toBeGreaterThan(300);
  });
});

describe('buildTokenizer', () => {
  const corpus = [...demoTexts(), ...EXTRA];
  const tokenizer = buildTokenizer(corpus);

  it('reserves the special tokens at ids 0–4', () => {
    expect(SPECIAL_TOKENS.map((t) => tokenizer.idOf(t))).toEqual([PAD_ID, CLS_ID, SEP_ID, UNK_ID, MASK_ID]);
    expect([PAD_ID, CLS_ID, SEP_ID, UNK_ID, MASK_ID]).toEqual([0, 1, 2, 3, 4]);
  });

  it('round-trips the demo texts through encode and decode, as whole words', () => {
    for (const text of demoTexts()) {
      const { ids, length, truncated } = tokenizer.encode(text, 128);
      expect(truncated).toBe(false);
      expect(normalizeText(tokenizer.decode(ids))).toBe(normalizeText(text));
      // Every corpus word is in the vocabulary, so no word is split and nothing is unknown.
      expect(length - 2).toBe(splitWords(text).length);
      expect(Array.from(ids)).not.toContain(UNK_ID);
    }
  });

  it.skipIf(!existsSync(MONUSEG))('round-trips the MoNuSeg descriptions (needs ../shared/datasets/monuseg)', () => {
    const sentences = monusegSentences();
    expect(sentences.length).toBeGreaterThan(10);
    const withMonuseg = buildTokenizer([...corpus, ...sentences]);
    // And a tokenizer that never saw them still spells them out from the base vocabulary and the alphabet.
    for (const t of [withMonuseg, tokenizer]) {
      for (const s of sentences) {
        const { ids } = t.encode(s, 64);
        expect(normalizeText(t.decode(ids))).toBe(normalizeText(s));
        expect(Array.from(ids)).not.toContain(UNK_ID);
      }
    }
    expect(withMonuseg.tokenize('The nuclei density in the upper right is high.')).toEqual([
      'the',
      'nuclei',
      'density',
      'in',
      'the',
      'upper',
      'right',
      'is',
      'high',
      '.',
    ]);
  });

  it('is deterministic: the same corpus gives the same vocabulary, whatever its order', () => {
    const again = buildTokenizer([...corpus]);
    expect(again.vocab).toEqual(tokenizer.vocab);
    // Counts decide priority, not the order texts arrive in (a workspace lists volumes in any order).
    const shuffled = [...corpus];
    const rng = new Random(7);
    for (let n = shuffled.length - 1; n > 0; n--) {
      const m = rng.int(0, n);
      [shuffled[n], shuffled[m]] = [shuffled[m]!, shuffled[n]!];
    }
    expect(buildTokenizer(shuffled).vocab).toEqual(tokenizer.vocab);
  });

  it('puts [CLS] first, [SEP] after the last token, pads with 0 and masks real tokens only', () => {
    const { ids, mask, length, truncated } = tokenizer.encode('The liver.', 8);
    expect(Array.from(ids)).toEqual([CLS_ID, tokenizer.idOf('the'), tokenizer.idOf('liver'), tokenizer.idOf('.'), SEP_ID, PAD_ID, PAD_ID, PAD_ID]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(length).toBe(5);
    expect(truncated).toBe(false);
    const empty = tokenizer.encode('', 4);
    expect(Array.from(empty.ids)).toEqual([CLS_ID, SEP_ID, PAD_ID, PAD_ID]);
    expect(Array.from(empty.mask)).toEqual([1, 1, 0, 0]);
  });

  it('truncates to maxLength with [SEP] in the last slot', () => {
    const text = DEMO_CLASSES[0]!.shape;
    const full = tokenizer.encodePieces(text);
    const { ids, mask, length, truncated } = tokenizer.encode(text, 6);
    expect(truncated).toBe(true);
    expect(length).toBe(6);
    expect(Array.from(ids)).toEqual([CLS_ID, ...full.slice(0, 4), SEP_ID]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(tokenizer.encode(text, 2).ids)).toEqual([CLS_ID, SEP_ID]);
    expect(() => tokenizer.encode(text, 1)).toThrow(RangeError);
  });

  it('encodeBatch lays rows out as [B, L], each row as encode gives it', () => {
    const texts = ['The liver.', '', DEMO_CLASSES[2]!.position];
    const batch = tokenizer.encodeBatch(texts, 10);
    expect(batch.ids.length).toBe(30);
    expect(batch.mask.length).toBe(30);
    expect([batch.batchSize, batch.maxLength]).toEqual([3, 10]);
    texts.forEach((t, b) => {
      const one = tokenizer.encode(t, 10);
      expect(Array.from(batch.ids.subarray(b * 10, (b + 1) * 10))).toEqual(Array.from(one.ids));
      expect(Array.from(batch.mask.subarray(b * 10, (b + 1) * 10))).toEqual(Array.from(one.mask));
    });
  });

  it('gives identical ids after a JSON round trip (as a checkpoint stores it)', () => {
    const restored = tokenizerFromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())));
    const fromString = tokenizerFromJSON(JSON.stringify(tokenizer));
    const texts = [...corpus, 'an unseen hypoechoic, spiculated pseudocyst near the ΩΩ junction'];
    for (const t of texts) {
      expect(Array.from(restored.encode(t, 48).ids)).toEqual(Array.from(tokenizer.encode(t, 48).ids));
      expect(Array.from(fromString.encode(t, 48).ids)).toEqual(Array.from(tokenizer.encode(t, 48).ids));
    }
    expect(restored.vocab).toEqual(tokenizer.vocab);
  });

  it('refuses a stored form it cannot reproduce', () => {
    const good = tokenizer.toJSON();
    expect(() => tokenizerFromJSON('{nope')).toThrow(/not JSON/);
    expect(() => tokenizerFromJSON({ ...good, format: 'bpe' })).toThrow(/format/);
    expect(() => tokenizerFromJSON({ ...good, version: 2 })).toThrow(/version 2/);
    expect(() => tokenizerFromJSON({ ...good, normalization: 99 })).toThrow(/normalisation 99/);
    expect(() => tokenizerFromJSON({ ...good, vocab: ['[CLS]', ...good.vocab.slice(1)] })).toThrow(/vocab\[0\] must be \[PAD\]/);
    expect(() => tokenizerFromJSON({ ...good, vocab: [...good.vocab, 'liver'] })).toThrow(/"liver" appears twice/);
  });

  it('breaks unknown words into pieces, then characters, then [UNK], and never throws', () => {
    expect(tokenizer.tokenize('hypointensity')).toEqual(['hypo', '##intensity']);
    const pieces = tokenizer.tokenize('zqxwv');
    expect(pieces.every((p) => p.length <= 3)).toBe(true);
    expect(tokenizer.decode(tokenizer.encode('zqxwv', 16).ids)).toBe('zqxwv');
    // Characters outside the alphabet become [UNK] one by one; the rest of the word still decodes.
    expect(tokenizer.tokenize('a☃b')).toEqual(['a', '[UNK]', 'b']);
    expect(tokenizer.tokenize('x'.repeat(200))).toEqual(['[UNK]']);
    const rng = new Random(3);
    for (let n = 0; n < 200; n++) {
      const chars = Array.from({ length: rng.int(0, 40) }, () => String.fromCodePoint(rng.int(0, 0x2ffff)));
      const { ids, mask } = tokenizer.encode(chars.join(''), 32);
      expect(ids[0]).toBe(CLS_ID);
      expect(ids.every((id) => id >= 0 && id < tokenizer.vocabSize)).toBe(true);
      expect(mask.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
      expect(() => tokenizer.decode(ids)).not.toThrow();
    }
    // User text cannot produce special ids by spelling them.
    expect(tokenizer.encodePieces('[MASK] [SEP]')).not.toContain(MASK_ID);
  });

  it('never exceeds maxSize, and a small vocabulary still round-trips every text', () => {
    const rng = new Random(11);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const random = Array.from({ length: 600 }, () =>
      Array.from({ length: rng.int(1, 12) }, () => Array.from({ length: rng.int(3, 10) }, () => letters[rng.int(0, 25)]).join('')).join(' '),
    );
    const big = [...corpus, ...random];
    for (const maxSize of [200, 500, 2000]) {
      const t = buildTokenizer(big, { maxSize });
      expect(t.vocabSize).toBeLessThanOrEqual(maxSize);
      for (const text of [...corpus.slice(0, 20), ...random.slice(0, 50)]) expect(normalizeText(t.decode(t.encode(text, 256).ids))).toBe(normalizeText(text));
    }
    expect(buildTokenizer(big).vocabSize).toBe(2000);
    // Frequent workspace words keep whole-word tokens even in a tight vocabulary.
    expect(buildTokenizer(big, { maxSize: 200 }).tokenize('the liver')).toEqual(['the', 'liver']);
    expect(() => buildTokenizer(corpus, { maxSize: 50 })).toThrow(/maxSize 50/);
  });

  it('a small vocabulary spends part of its budget on learned pieces, which shorten the words that did not fit', () => {
    const endings = [
      'ma',
      'mas',
      'matous',
      'matosis',
      'genic',
      'genesis',
      'id',
      'ids',
      'logy',
      'lytic',
      'phobia',
      'static',
      'tropic',
      'sarcoma',
      'plasty',
      'cele',
    ];
    const words = endings.map((e) => `carcino${e}`);
    const texts = words.flatMap((w) => Array.from({ length: 5 }, () => w));
    const floor = buildTokenizer([], { includeBase: false }).vocabSize;
    // Room for 8 tokens beyond the alphabet: 8 whole words, or 8 pieces that serve all 16.
    const withPieces = buildTokenizer(texts, { maxSize: floor + 8, includeBase: false, pieceFraction: 1 });
    const without = buildTokenizer(texts, { maxSize: floor + 8, includeBase: false, pieceFraction: 0 });
    expect(withPieces.vocabSize).toBe(floor + 8);
    expect(withPieces.idOf('carcino')).toBeDefined();
    const count = (t: typeof withPieces): number => words.reduce((n, w) => n + t.encodePieces(w).length, 0);
    expect(count(withPieces)).toBeLessThan(count(without));
  });
});
