import type { ClassDef } from '../volume/classes.ts';
import { backgroundPrompt, classPrompts } from './classPrompts.ts';

/** The texts of a workspace in network class order: what the text presets pre-train on and turn into masks. */
export interface WorkspaceTexts {
  /** Class 0's prompt (PromptSSL's softmax scores background against the classes too). */
  background: string;
  /** One prompt per foreground class 1..K−1 (classPrompts(…).combined). */
  classes: string[];
  /** Per training volume, its free-text description ('' = none). */
  descriptions: string[];
}

/** Prompts from the class list (name, position, shape) and the volumes' descriptions, for one modality. */
export function workspaceTexts(classes: readonly ClassDef[], descriptions: readonly (string | undefined)[], modality?: string | null): WorkspaceTexts {
  return {
    background: backgroundPrompt(modality),
    classes: classes.map((c) => classPrompts(c, modality).combined),
    descriptions: descriptions.map((d) => d?.trim() ?? ''),
  };
}

export function sameTexts(a: WorkspaceTexts, b: WorkspaceTexts): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, n) => v === y[n]);
  return a.background === b.background && eq(a.classes, b.classes) && eq(a.descriptions, b.descriptions);
}
