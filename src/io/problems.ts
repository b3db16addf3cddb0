import type { Problem } from './types.ts';

/**
 * An io failure: `message` is a sentence for the user that starts with the file's name; `detail` keeps what a
 * library or the JavaScript engine said, for a details line or a bug report, never for the sentence itself.
 */
export class IoError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'IoError';
  }
}

/**
 * Every message io produces starts with the name of the file it is about, so it reads on its own in a
 * message list, a CLI log or a test failure ("hippocampus_001.nii.gz: file is truncated — …").
 */
export function fileError(fileName: string, reason: string, detail?: string): IoError {
  return new IoError(`${fileName}: ${reason}`, detail);
}

/**
 * Words the JavaScript engine or a parsing library uses when a length or offset read from a damaged file
 * points somewhere impossible. They mean nothing to a clinician, so they never reach a message on their own.
 */
const RAW_LIBRARY_TEXT =
  /outside the bounds of the DataView|Offset is outside|out of bounds|\(reading '|Cannot read propert|Cannot set propert|is not a function|is not iterable|is not defined|Invalid typed array length|Invalid array length|Array buffer allocation failed|allocation failed|out of memory|Maximum call stack|start offset of \w+Array|should be a multiple of|buffer overread|Unexpected end of|of undefined|of null|undefined is not|null is not|is not an object/i;
/** Engine failures that mean the file asked for more memory than there is. */
const MEMORY_TEXT = /Array buffer allocation failed|allocation failed|out of memory|Invalid typed array length|Invalid array length/i;

/** Whether a text is a library's or the engine's own words rather than one of io's sentences. */
export function isRawLibraryText(text: string): boolean {
  return RAW_LIBRARY_TEXT.test(text);
}

function textOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  const exception = (e as { exception?: unknown } | null)?.exception;
  return typeof exception === 'string' ? exception : String(e);
}

/**
 * A sentence and a detail from anything thrown. io's own sentences pass through; raw library text in
 * parentheses inside one is moved to the detail; a message that is raw text through and through becomes a plain
 * sentence saying the file's structure is damaged, with the raw text as its detail.
 */
export function explain(e: unknown): { text: string; detail?: string } {
  const text = textOf(e).trim();
  const own = e instanceof IoError || (e as { detail?: unknown } | null)?.detail !== undefined ? (e as { detail?: string }).detail : undefined;
  const details: string[] = own ? [own] : [];
  // "(Offset is outside the bounds of the DataView)" inside one of our sentences: keep the sentence.
  let stripped = '';
  let depth = 0;
  let open = 0;
  for (let n = 0; n < text.length; n++) {
    const ch = text[n]!;
    if (ch === '(' && depth++ === 0) open = n;
    if (depth === 0) stripped += ch;
    if (ch === ')' && depth > 0 && --depth === 0) {
      const inner = text.slice(open + 1, n);
      if (isRawLibraryText(inner)) {
        details.push(inner);
        stripped = stripped.replace(/\s+$/, '');
      } else stripped += text.slice(open, n + 1);
    }
  }
  if (depth > 0) stripped += text.slice(open);
  const body = stripped.replace(/^[^:]*:\s*/, '');
  if (!isRawLibraryText(stripped)) return { text: stripped, detail: details.length > 0 ? details.join('; ') : undefined };
  details.push(body || text);
  const sentence = MEMORY_TEXT.test(text)
    ? 'cannot be opened — it asks for more memory than is available (a size field in it may be damaged)'
    : 'cannot be read — a length or offset inside it points outside the file, so it is damaged or not what its name says';
  return { text: sentence, detail: details.join('; ') };
}

/** The message of anything thrown, with the file name in front unless it is already there. */
export function messageAbout(fileName: string, e: unknown): string {
  const { text } = explain(e);
  const clean = text.startsWith(`${fileName}:`) ? text.slice(fileName.length + 1).trim() : text;
  return `${fileName}: ${clean}`;
}

export function problemAbout(file: string, fileName: string, e: unknown, severity: Problem['severity'] = 'error'): Problem {
  const { detail } = explain(e);
  const problem: Problem = { file, severity, message: messageAbout(fileName, e) };
  if (detail) problem.detail = detail;
  return problem;
}

/** "35×51×35", the way sizes are written in messages. */
export function sizeText(dims: readonly number[]): string {
  return dims.join('×');
}
