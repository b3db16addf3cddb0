import { lookupPrompt, missingPrompts, type PromptBank } from '../promptBank.ts';
import type { TextEncoderProvider } from './TextEncoderProvider.ts';

/**
 * The `import` provider: a prompt bank made elsewhere (e.g. BiomedCLIP run by a Python script) answers by lookup.
 * A text the bank lacks is an error that names it: there is no encoder here to compute it.
 */
export function promptBankEncoder(bank: PromptBank, fileName: string): TextEncoderProvider {
  return {
    kind: 'import',
    name: `${fileName} (${bank.encoder.provider}: ${bank.encoder.name})`,
    dim: bank.dim,
    async encode(texts: string[]): Promise<Float32Array[]> {
      const missing = missingPrompts(bank, texts);
      if (missing.length > 0) {
        throw new Error(
          `${fileName} has no vector for ${missing.length} text(s): ${missing
            .slice(0, 3)
            .map((t) => `"${t}"`)
            .join(', ')}${missing.length > 3 ? ' …' : ''}; export the current prompts, encode them with ${bank.encoder.name} and import the bank again`,
        );
      }
      return texts.map((t) => lookupPrompt(bank, t)!);
    },
    dispose(): void {},
  };
}
