import type { ClassDef } from '../volume/classes.ts';
import { classPrompts } from './classPrompts.ts';

/**
 * TAK's per-class prompts in network class order, background first: the position and the shape text of each class
 * (the TAK paper, Gu et al., Sec. 3.2; Table 5 finds name prompts add nothing once these two are there, so the name is not a third
 * input). The background has no anatomy of its own; its texts say so.
 */
export interface TakPromptTexts {
  position: string[];
  shape: string[];
}

export function takPromptTexts(classes: readonly ClassDef[], modality?: string | null): TakPromptTexts {
  const prompts = classes.map((c) => classPrompts(c, modality));
  return {
    position: ['The background lies outside every labelled structure.', ...prompts.map((p) => p.position)],
    shape: ['The background has no single shape: it is everything around the structures.', ...prompts.map((p) => p.shape)],
  };
}
