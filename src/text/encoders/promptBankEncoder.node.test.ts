import { describe, expect, it } from 'vitest';
import { makePromptBank } from '../promptBank.ts';
import { promptBankEncoder } from './promptBankEncoder.ts';

describe('the import provider (a prompt bank)', () => {
  const bank = makePromptBank({ provider: 'biomedclip', name: 'BiomedCLIP' }, 2, [
    { text: 'An MR scan of the liver.', vector: [3, 4] },
    { text: 'The background.', vector: [1, 0] },
  ]);

  it('answers by lookup, normalised text and unit vectors', async () => {
    const p = promptBankEncoder(bank, 'bank.json');
    expect(p.kind).toBe('import');
    expect(p.dim).toBe(2);
    expect(p.name).toContain('BiomedCLIP');
    const [a, b] = await p.encode(['an mr scan of the LIVER.', 'The background.']);
    expect(Array.from(a!)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(b!)).toEqual([1, 0]);
  });

  it('names the texts it cannot encode', async () => {
    const p = promptBankEncoder(bank, 'bank.json');
    await expect(p.encode(['The background.', 'A small round lesion.'])).rejects.toThrow(/bank\.json has no vector for 1 text\(s\): "A small round lesion\."/);
  });
});
