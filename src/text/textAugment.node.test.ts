import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { DEMO_CLASSES } from '../demo/generateDemo.ts';
import { classPrompts } from './classPrompts.ts';
import { normalizeText, splitWords } from './normalizeText.ts';
import { augmentText, clauseShuffle, SYNONYM_GROUPS, synonymSwap, wordDropout } from './textAugment.ts';

const TEXTS = [
  'The nuclei density in the upper right is high.',
  'The nuclei are evenly distributed.',
  'The lesion lies in the upper back part of the liver and measures about 12 mm. The vena cava runs behind the liver, on its left side.',
  ...DEMO_CLASSES.flatMap((c) => [c.position, c.shape, classPrompts(c, 'MR').combined]),
];

const sorted = (text: string): string[] => [...splitWords(text)].sort();
const wordsOnly = (text: string): string[] => splitWords(text).filter((w) => /[\p{L}\p{N}]/u.test(w));

describe('text augmentation (DuSSS T2T)', () => {
  it('is deterministic for a seed, and moves on with the stream', () => {
    const run = (seed: number): string[] => {
      const rng = new Random(seed);
      return TEXTS.map((t) => augmentText(t, rng, { synonymSwap: 0.5, wordDropout: 0.2, clauseShuffle: 1 }));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    // Two calls on one stream give two different views (IMC needs a fresh T2 each step).
    const rng = new Random(5);
    const views = new Set(Array.from({ length: 20 }, () => augmentText(TEXTS[2]!, rng)));
    expect(views.size).toBeGreaterThan(10);
  });

  it('is the identity at p = 0, returning the input string itself', () => {
    const rng = new Random(1);
    for (const t of [...TEXTS, '  Odd   SPACING , here ']) {
      expect(wordDropout(t, 0, rng)).toBe(t);
      expect(synonymSwap(t, 0, rng)).toBe(t);
      expect(augmentText(t, rng, { synonymSwap: 0, wordDropout: 0, clauseShuffle: 0 })).toBe(t);
    }
    // A one-clause sentence has nothing to shuffle.
    expect(clauseShuffle(TEXTS[0]!, rng)).toBe(TEXTS[0]);
  });

  it('never returns an empty text, even when every word is dropped', () => {
    for (let seed = 0; seed < 200; seed++) {
      const rng = new Random(seed);
      for (const t of TEXTS) {
        const dropped = wordDropout(t, 1, rng);
        // One unit survives: a word, or a compound such as "mid-grey".
        expect(wordsOnly(dropped).length).toBeGreaterThanOrEqual(1);
        expect(dropped.replace(/[^\p{L}\p{N}\s-]/gu, ' ').trim()).toMatch(/^[\p{L}\p{N}]+(-[\p{L}\p{N}]+)*$/u);
        expect(augmentText(t, rng, { synonymSwap: 1, wordDropout: 1, clauseShuffle: 1 }).trim()).not.toBe('');
      }
      expect(wordsOnly(wordDropout('liver', 1, rng))).toEqual(['liver']);
    }
    // Nothing to augment: the text comes back as it was.
    expect(augmentText('', new Random(0))).toBe('');
    expect(augmentText('...', new Random(0))).toBe('...');
  });

  it('drops words at about the requested rate, and hyphenated compounds as one unit', () => {
    const text = Array.from({ length: 100 }, (_, n) => `word${n}`).join(' ');
    const rng = new Random(9);
    let kept = 0;
    for (let n = 0; n < 200; n++) kept += wordsOnly(wordDropout(text, 0.3, rng)).length;
    expect(kept / (200 * 100)).toBeCloseTo(0.7, 1);
    for (let seed = 0; seed < 100; seed++) {
      const out = wordDropout('large, smooth, wedge-shaped and comma-shaped', 0.5, new Random(seed));
      expect(out).not.toMatch(/(^|[\s,])-|-($|[\s,])/);
    }
  });

  it('clause shuffle keeps the multiset of words, and the punctuation of a sentence in place', () => {
    let changed = 0;
    for (let seed = 0; seed < 50; seed++) {
      for (const t of TEXTS) {
        const out = clauseShuffle(t, new Random(seed));
        expect(sorted(out)).toEqual(sorted(t));
        // Within a sentence the delimiters keep their slots (sentences themselves may trade places).
        const marks = (s: string): string[] => splitWords(s).filter((w) => [',', ';', ':', '.', 'and'].includes(w));
        if (marks(t).filter((w) => w === '.').length <= 1) expect(marks(out)).toEqual(marks(t));
        if (normalizeText(out) !== normalizeText(t)) changed++;
      }
    }
    expect(changed).toBeGreaterThan(100);
    // Clauses stay in their sentence: each output sentence is a permutation of one input sentence.
    const two = 'A, b and c. D; e.';
    for (let seed = 0; seed < 20; seed++) {
      const sentences = clauseShuffle(two, new Random(seed))
        .split('.')
        .filter((s) => s.trim())
        .map((s) => sorted(s).join(' '));
      expect(sentences.sort()).toEqual(['a , b and c', 'd ; e'].map((s) => sorted(s).join(' ')).sort());
    }
  });

  it('synonym swap replaces table words by another of their group, and nothing else', () => {
    const groupOf = new Map(SYNONYM_GROUPS.flatMap((g) => g.map((w) => [w, g] as const)));
    for (let seed = 0; seed < 20; seed++) {
      for (const t of TEXTS) {
        const before = splitWords(t);
        const after = splitWords(synonymSwap(t, 1, new Random(seed)));
        expect(after.length).toBe(before.length);
        before.forEach((w, n) => {
          const group = groupOf.get(w);
          if (group) {
            expect(after[n]).not.toBe(w);
            expect(group).toContain(after[n]);
          } else {
            expect(after[n]).toBe(w);
          }
        });
      }
    }
    expect(synonymSwap('The nuclei density in the upper right is high.', 1, new Random(0))).not.toMatch(/upper|high/);
  });

  it('the synonym table is disjoint, canonical, and leaves names and opposites alone', () => {
    const all = SYNONYM_GROUPS.flat();
    expect(new Set(all).size).toBe(all.length);
    for (const w of all) expect(splitWords(w)).toEqual([w]);
    for (const g of SYNONYM_GROUPS) expect(g.length).toBeGreaterThanOrEqual(2);
    for (const w of ['left', 'right', 'inferior', 'superior', 'liver', 'nuclei']) expect(all).not.toContain(w);
  });

  it('gives each augmentation its own stream: switching the shuffle on does not change the words chosen', () => {
    for (let seed = 0; seed < 30; seed++) {
      for (const t of TEXTS) {
        const flat = augmentText(t, new Random(seed), { synonymSwap: 0.5, wordDropout: 0.2, clauseShuffle: 0 });
        const shuffled = augmentText(t, new Random(seed), { synonymSwap: 0.5, wordDropout: 0.2, clauseShuffle: 1 });
        expect(sorted(shuffled)).toEqual(sorted(flat));
      }
    }
  });

  it('rejects probabilities outside [0, 1]', () => {
    const rng = new Random(0);
    expect(() => wordDropout('a b', 1.5, rng)).toThrow(RangeError);
    expect(() => synonymSwap('a b', -0.1, rng)).toThrow(RangeError);
    expect(() => augmentText('a b', rng, { clauseShuffle: Number.NaN })).toThrow(RangeError);
  });
});
