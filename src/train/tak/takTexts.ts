import type { TakPromptTexts } from '../../text/takPrompts.ts';
import type { TakTextVectors } from './takVectors.ts';

/** Anything that turns texts into L2-normalised vectors, [n, dim] row-major (the VLM's text tower, a prompt bank). */
export interface TextEmbedder {
  embedTexts(texts: string[]): Promise<Float32Array>;
}

/** T_k^p and T_k^s of every class (background first) from one text encoder, as TAK's head reads them. */
export async function encodeTakTexts(encoder: TextEmbedder, texts: TakPromptTexts, name: string): Promise<TakTextVectors> {
  const K = texts.position.length;
  if (texts.shape.length !== K) throw new Error('TAK needs a position and a shape prompt for every class');
  const all = await encoder.embedTexts([...texts.position, ...texts.shape]);
  const dim = all.length / (2 * K);
  if (!Number.isInteger(dim) || dim === 0) throw new Error(`the text encoder returned ${all.length} numbers for ${2 * K} texts`);
  return { dim, position: all.slice(0, K * dim), shape: all.slice(K * dim), encoder: name };
}
