import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import {
  lookupPrompt,
  makePromptBank,
  missingPrompts,
  normalizeVector,
  parsePromptBank,
  PROMPT_BANK_FORMAT,
  serializePromptBank,
  type PromptBank,
} from './promptBank.ts';

const FILE = 'liver-prompts.json';
const ENCODER = { provider: 'biomedclip', name: 'BiomedCLIP-PubMedBERT_256-vit_base_patch16_224' };

function randomBank(dim: number, texts: string[], seed = 1): PromptBank {
  const rng = new Random(seed);
  // Not unit length on purpose: the bank must normalise what a careless tool wrote.
  return makePromptBank(
    ENCODER,
    dim,
    texts.map((text) => ({ text, vector: Array.from({ length: dim }, () => 3 * rng.normal()) })),
  );
}

/** A file as text, from a header and entries, so each case changes one thing. */
function file(
  overrides: Record<string, unknown> = {},
  entries: unknown = [
    { text: 'An MR scan of the liver.', vector: [1, 0, 0, 0] },
    { text: 'The liver is large.', vector: [0, 2, 0, 0] },
  ],
): string {
  return JSON.stringify({ format: PROMPT_BANK_FORMAT, version: 1, encoder: ENCODER, dim: 4, entries, ...overrides });
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('prompt bank file', () => {
  it('round-trips: serialize then parse gives the same texts and bit-identical vectors', () => {
    const bank = randomBank(16, ['An MR scan of the liver.', 'The liver lesion is small, round, well defined.', 'Nuclei “dense” — upper right']);
    const text = serializePromptBank(bank);
    const again = parsePromptBank(text, FILE);
    expect(again.encoder).toEqual(ENCODER);
    expect(again.dim).toBe(16);
    expect(again.entries.map((e) => e.text)).toEqual(bank.entries.map((e) => e.text));
    again.entries.forEach((e, i) => expect(Array.from(e.vector)).toEqual(Array.from(bank.entries[i]!.vector)));
    expect(serializePromptBank(again)).toBe(text);
    // Plain JSON a person can read: the header pretty-printed, one entry per line.
    const json = JSON.parse(text) as { format: string; version: number; entries: unknown[] };
    expect([json.format, json.version, json.entries.length]).toEqual([PROMPT_BANK_FORMAT, 1, 3]);
    expect(text.split('\n').filter((l) => l.includes('"text"')).length).toBe(3);
  });

  it('stores vectors at unit length', () => {
    const bank = parsePromptBank(file(), FILE);
    for (const e of bank.entries) expect(norm(e.vector)).toBeCloseTo(1, 6);
    expect(Array.from(bank.entries[1]!.vector)).toEqual([0, 1, 0, 0]);
  });

  it('looks prompts up after normalizeText, and returns a copy', () => {
    const bank = parsePromptBank(file(), FILE);
    expect(Array.from(lookupPrompt(bank, '  an MR  scan of the LIVER . ')!)).toEqual([1, 0, 0, 0]);
    expect(lookupPrompt(bank, 'A CT scan of the liver.')).toBeNull();
    lookupPrompt(bank, 'The liver is large.')![1] = 99;
    expect(lookupPrompt(bank, 'The liver is large.')![1]).toBe(1);
    expect(missingPrompts(bank, ['the liver is large.', 'The spleen.'])).toEqual(['The spleen.']);
  });

  it('names the file and the exact problem for each bad file', () => {
    const cases: [string, string | RegExp][] = [
      ['{"format": "pseudolab-prompt-bank",', `${FILE} is not a prompt bank: it is not valid JSON`],
      ['[1, 2]', `${FILE} is not a prompt bank: expected a JSON object, found a list`],
      [file({ format: 'clip-embeddings' }), `${FILE} is not a prompt bank: "format" is "clip-embeddings", expected "pseudolab-prompt-bank"`],
      [file({ format: undefined }), `${FILE} is not a prompt bank: "format" is missing, expected "pseudolab-prompt-bank"`],
      [file({ version: 2 }), `${FILE}: prompt bank version 2 is not supported (this app reads version 1)`],
      [file({ encoder: { provider: 'clip' } }), `${FILE}: "encoder" must be an object with non-empty strings "provider" and "name"`],
      [file({ dim: 4.5 }), `${FILE}: "dim" must be a positive integer, found 4.5`],
      [file({ entries: {} }), `${FILE}: "entries" must be a list, found an object`],
      [file({}, []), `${FILE}: "entries" is empty; the bank has no prompts`],
      [file({}, ['liver']), `${FILE}: entries[0] must be an object with "text" and "vector", found a string`],
      [file({}, [{ vector: [1, 0, 0, 0] }]), `${FILE}: entries[0] has no text (expected a non-empty string)`],
      [
        file({}, [
          { text: 'a', vector: [1, 0, 0, 0] },
          { text: 'b', vector: [1, 0, 0] },
        ]),
        `${FILE}: entries[1] ("b") has 3 numbers, but dim is 4`,
      ],
      [file({}, [{ text: 'a', vector: 'oops' }]), `${FILE}: entries[0] ("a"): "vector" must be a list of numbers, found a string`],
      [file({}, [{ text: 'a', vector: [1, 0, null, 0] }]), `${FILE}: entries[0] ("a"): vector[2] is null, not a finite number`],
      [file({}, [{ text: 'a', vector: [1, '0', 0, 0] }]), `${FILE}: entries[0] ("a"): vector[1] is "0", not a finite number`],
      [file({}, [{ text: 'a', vector: [0, 0, 0, 0] }]), `${FILE}: entries[0] ("a"): the vector is all zeros and has no direction`],
      [
        file({}, [
          { text: 'The liver.', vector: [1, 0, 0, 0] },
          { text: 'b', vector: [0, 1, 0, 0] },
          { text: 'the LIVER .', vector: [0, 0, 1, 0] },
        ]),
        `${FILE}: entries[2] ("the LIVER .") repeats the text of entries[0] (texts are compared after normalisation)`,
      ],
    ];
    for (const [text, message] of cases) expect(() => parsePromptBank(text, FILE), String(message)).toThrow(message);
    // JSON's overflow to Infinity is caught too (JSON.stringify cannot write it, so write the text by hand).
    const infinite = file().replace('[1,0,0,0]', '[1,1e999,0,0]');
    expect(() => parsePromptBank(infinite, FILE)).toThrow(
      `${FILE}: entries[0] ("An MR scan of the liver."): vector[1] is Infinity (too large for a number), not a finite number`,
    );
  });

  it('normalizeVector scales to unit length, keeps unit vectors bit for bit, and refuses what has no direction', () => {
    const v = normalizeVector([3, 4]);
    expect(Array.from(v)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const unit = normalizeVector(new Float32Array([0.6, 0.8]));
    expect(Array.from(normalizeVector(unit))).toEqual(Array.from(unit));
    expect(() => normalizeVector([0, 0])).toThrow(/all zeros/);
    expect(() => normalizeVector([1, Number.NaN])).toThrow(/element 1 is NaN/);
  });

  it('makePromptBank validates entries built in memory the same way', () => {
    expect(() => makePromptBank(ENCODER, 2, [{ text: 'a', vector: [1, 0, 0] }], 'pretrained provider')).toThrow(
      'pretrained provider: entries[0] ("a") has 3 numbers, but dim is 2',
    );
    expect(() => makePromptBank(ENCODER, 0, [])).toThrow(/dim must be a positive integer/);
  });
});
