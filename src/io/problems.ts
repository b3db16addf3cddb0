import type { Problem } from './types.ts';

/**
 * Every message io produces starts with the name of the file it is about, so it reads on its own in a
 * message list, a CLI log or a test failure ("hippocampus_001.nii.gz: file is truncated — …").
 */
export function fileError(fileName: string, reason: string): Error {
  return new Error(`${fileName}: ${reason}`);
}

/** The message of anything thrown, with the file name in front unless it is already there. */
export function messageAbout(fileName: string, e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : String(e);
  return text.startsWith(`${fileName}:`) ? text : `${fileName}: ${text}`;
}

export function problemAbout(file: string, fileName: string, e: unknown, severity: Problem['severity'] = 'error'): Problem {
  return { file, severity, message: messageAbout(fileName, e) };
}

/** "35×51×35", the way sizes are written in messages. */
export function sizeText(dims: readonly number[]): string {
  return dims.join('×');
}
