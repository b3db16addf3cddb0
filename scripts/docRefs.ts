/**
 * References from code to the repository's documents, and whether they resolve in a fresh clone.
 *
 * A reference is a Markdown file named in a comment or string, optionally narrowed:
 *   docs/METHOD.md                         the file exists
 *   docs/METHOD.md#metrics                 …and has a heading with that anchor (GitHub's slug)
 *   METHOD.md, "Text-guided mask"          …and has that heading, or that passage word for word
 *   WEBGPU.md trap 4, traps 1 and 3        …and docs/WEBGPU.md has a heading "Trap 4"
 *   WEBGPU.md trap "float32 only"          …and a trap heading carrying that name
 * A bare name (METHOD.md) is looked up in docs/ and then at the repository root, and a path with a folder is
 * taken from the root; the target of a Markdown link, `[text](target)`, is relative to the linking file's folder. A reference may run over two comment lines: lines are joined, their comment markers dropped,
 * before matching.
 */

export interface DocRef {
  /** The file the reference is in, and the line it starts on (1-based). */
  file: string;
  line: number;
  /** As written, for messages. */
  text: string;
  /** The document as named: `docs/METHOD.md`, `METHOD.md`, `bench/README.md`. */
  doc: string;
  anchor?: string;
  /** A quoted section heading or passage. */
  quote?: string;
  /** Trap numbers or a trap name (docs/WEBGPU.md only). */
  traps?: string[];
  /** The target of a Markdown link, `[text](target)`: relative to the linking file's folder. */
  link?: boolean;
}

/** Reads a repository file by path from the root; undefined when absent. */
export type ReadRepoFile = (path: string) => string | undefined;

const TRAP = String.raw`(?:\d+|"[^"\n]+")`;
const QUOTE = String.raw`"([^"\n]{2,160})"|“([^”\n]{2,160})”`;
const REF = new RegExp(
  String.raw`(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.md)(?:#([\w-]+))?` + String.raw`(?:[,:]?\s+(?:(traps?)\s+(${TRAP}(?:\s*(?:,|and)\s*${TRAP})*)|${QUOTE}))?`,
  'g',
);
/** Placeholders in prose about file names, not references: dates, template strings, globs, and a folder named in
 * capitals as usage texts do (`OUT/results.md`, `DIR/results.md`). */
const PLACEHOLDER = /YYYY|\$\{|\*|^[A-Z]+\//;

/** The references in one file's text. */
export function findDocRefs(file: string, source: string): DocRef[] {
  const lines = source.split('\n');
  const starts: number[] = [];
  let joined = '';
  for (const raw of lines) {
    starts.push(joined.length);
    // Comment markers would split "METHOD.md,\n * "Section"" into two unrelated halves.
    joined += `${raw.replace(/^\s*(?:\/\/+|\*|#|\/\*\*?)?\s?/, '')} `;
  }
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const refs: DocRef[] = [];
  for (const m of joined.matchAll(REF)) {
    const doc = m[1]!;
    if (PLACEHOLDER.test(doc)) continue;
    const ref: DocRef = { file, line: lineAt(m.index), text: m[0].replace(/\s+/g, ' ').trim(), doc };
    if (m[2]) ref.anchor = m[2];
    if (joined.slice(m.index - 2, m.index) === '](') ref.link = true;
    if (m[3]) ref.traps = [...m[4]!.matchAll(/\d+|"([^"]+)"/g)].map((t) => t[1] ?? t[0]);
    else if (m[5] ?? m[6]) ref.quote = (m[5] ?? m[6])!.trim();
    refs.push(ref);
  }
  return refs;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function headingsOf(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => m[1]!.replace(/`/g, ''));
}

/** Text as prose compares: Markdown emphasis and code marks gone, whitespace collapsed, lower case. */
function plain(text: string): string {
  return text.replace(/[`*_]/g, '').replace(/\s+/g, ' ').toLowerCase();
}

/** `a/./b/../c` → `a/c`; undefined when it climbs out of the repository. */
function normalise(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) return undefined;
  }
  return parts.join('/');
}

function docPath(ref: DocRef, read: ReadRepoFile): string | undefined {
  // A Markdown link is relative to its file's folder; a name in prose or code is read from the repository root.
  const folder = ref.link ? ref.file.slice(0, ref.file.lastIndexOf('/') + 1) : '';
  const candidates = ref.link || ref.doc.includes('/') ? [normalise(folder + ref.doc)] : [`docs/${ref.doc}`, ref.doc];
  return candidates.find((p) => p !== undefined && read(p) !== undefined);
}

/** Why `ref` does not resolve, or undefined when it does. */
export function problemWith(ref: DocRef, read: ReadRepoFile): string | undefined {
  const path = docPath(ref, read);
  if (!path) return `${ref.doc} does not exist in the repository`;
  const text = read(path)!;
  const headings = headingsOf(text);
  if (ref.anchor && !headings.some((h) => slugOf(h) === ref.anchor)) return `${path} has no heading with anchor #${ref.anchor}`;
  if (ref.quote) {
    const q = plain(ref.quote);
    if (!headings.some((h) => plain(h) === q) && !plain(text).includes(q)) return `${path} has no section or passage "${ref.quote}"`;
  }
  for (const trap of ref.traps ?? []) {
    const traps = headings.filter((h) => /^trap \d+\b/i.test(h));
    const found = /^\d+$/.test(trap) ? traps.some((h) => new RegExp(`^trap ${trap}\\b`, 'i').test(h)) : traps.some((h) => plain(h).includes(plain(trap)));
    if (!found) return `${path} has no trap ${/^\d+$/.test(trap) ? trap : `"${trap}"`}`;
  }
  return undefined;
}

/** One line per reference that does not resolve: `file:line: text — why`. */
export function unresolvedDocRefs(files: ReadonlyMap<string, string>, read: ReadRepoFile): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    for (const ref of findDocRefs(file, source)) {
      const why = problemWith(ref, read);
      if (why) out.push(`${ref.file}:${ref.line}: ${ref.text} — ${why}`);
    }
  }
  return out;
}
