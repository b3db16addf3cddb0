import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDocRefs, type ReadRepoFile, slugOf, unresolvedDocRefs } from './docRefs.ts';

/*
 * Every document the code cites must be in the repository, with the section, passage or trap it names: a fresh
 * clone has no ../shared, so a doc that lives only there is a dangling reference.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'shaders', 'scripts', 'e2e'];
/** The documents themselves: their links to one another must hold in a fresh clone too. */
const DOCS = ['README.md', 'docs', 'bench/README.md', 'shaders/README.md'];
const SOURCE = /\.(ts|tsx|mts|mjs|cjs|js|sh|wgsl|py)$/;

function sourcesUnder(dir: string, out: Map<string, string>): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourcesUnder(path, out);
    else if (SOURCE.test(name)) out.set(relative(ROOT, path), readFileSync(path, 'utf8'));
  }
}

const readRepo: ReadRepoFile = (path) => {
  const full = join(ROOT, path);
  return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
};

// Written in pieces so that this file's own fixtures are not references the scan below would follow.
const md = (name: string): string => `${name}.md`;

/** A repository of two documents, for checking the checker. */
const fakeRepo: ReadRepoFile = (path) =>
  ({
    [`docs/${md('METHOD')}`]: '# Methods\n\n## Text-guided mask\n\nWe stop its gradient and *clamp it* away from zero.\n',
    [`docs/${md('WEBGPU')}`]: '# Traps\n\n### Trap 1 "rank-1 at rank 5" — zeros\n\n### Trap 2 "`conv3dTranspose` gradient" — none\n',
  })[path];

function problems(source: string): string[] {
  return unresolvedDocRefs(new Map([['src/x.ts', source]]), fakeRepo);
}

describe('doc references', () => {
  it('resolve files, sections, passages, anchors and traps that exist', () => {
    const good = [
      `// see docs/${md('METHOD')}`,
      `// (${md('METHOD')}, "Text-guided mask")`,
      `// docs/${md('METHOD')}: "stop its gradient and clamp it"`,
      `// docs/${md('METHOD')}#text-guided-mask`,
      `// ${md('WEBGPU')} trap 1; docs/${md('WEBGPU')} traps 1 and 2`,
      `// ${md('WEBGPU')} trap "rank-1 at rank 5"; ${md('WEBGPU')} trap "conv3dTranspose gradient"`,
      ` * a reference over two lines (docs/${md('METHOD')},\n * "Text-guided mask")`,
    ];
    for (const source of good) expect(problems(source), source).toEqual([]);
  });

  it('fail on a missing file, section, passage, anchor or trap, naming file and line', () => {
    expect(problems(`const a = 1;\n// docs/${md('NOPE')}`)).toEqual([`src/x.ts:2: docs/${md('NOPE')} — docs/${md('NOPE')} does not exist in the repository`]);
    expect(problems(`// ../shared/docs/${md('METHOD')}`)).toHaveLength(1);
    expect(problems(`// ${md('METHOD')}, "Text-guided masks everywhere"`)[0]).toMatch(/has no section or passage/);
    expect(problems(`// docs/${md('METHOD')}#metrics`)[0]).toMatch(/no heading with anchor #metrics/);
    expect(problems(`// ${md('WEBGPU')} trap 3`)[0]).toMatch(/has no trap 3/);
    expect(problems(`// ${md('WEBGPU')} traps 1 and 11`)[0]).toMatch(/has no trap 11/);
    expect(problems(`// ${md('WEBGPU')} trap "made up"`)[0]).toMatch(/has no trap "made up"/);
  });

  it('reads what a reference names, and skips file-name patterns', () => {
    const [ref] = findDocRefs('a.ts', `// x\n * (docs/${md('WEBGPU')}, traps 1 and 3)`);
    expect(ref).toMatchObject({ line: 2, doc: `docs/${md('WEBGPU')}`, traps: ['1', '3'] });
    expect(findDocRefs('a.ts', `// bench/results/kernels-YYYY-MM-DD${'.md'}`)).toEqual([]);
    expect(findDocRefs('a.ts', `// writes OUT/results${'.md'} and DIR/notes${'.md'}`)).toEqual([]);
    expect(findDocRefs('a.ts', `// see docs/METHOD${'.md'}`).map((r) => r.doc)).toEqual(['docs/METHOD.md']);
    expect(slugOf('What the papers leave open, and what we chose')).toBe('what-the-papers-leave-open-and-what-we-chose');
  });

  it('reads links in Markdown relative to the file, so a link out of docs/ must climb', () => {
    const files = new Map([[`docs/${md('A')}`, `see [B](${md('METHOD')}#text-guided-mask) and [root](../${md('README')})`]]);
    const read: ReadRepoFile = (path) => fakeRepo(path) ?? (path === md('README') ? '# Read me\n' : undefined);
    expect(unresolvedDocRefs(files, read)).toEqual([]);
    const wrong = new Map([[`docs/${md('A')}`, `[root](${md('README')}) [up](../../${md('README')})`]]);
    expect(unresolvedDocRefs(wrong, read)).toHaveLength(2);
  });

  it('every link between the documents resolves', () => {
    const files = new Map<string, string>();
    for (const path of DOCS) {
      const full = join(ROOT, path);
      if (statSync(full).isDirectory())
        for (const name of readdirSync(full).filter((n) => n.endsWith('.md'))) files.set(`${path}/${name}`, readFileSync(join(full, name), 'utf8'));
      else files.set(path, readFileSync(full, 'utf8'));
    }
    expect(files.size).toBeGreaterThan(4);
    expect(unresolvedDocRefs(files, readRepo)).toEqual([]);
  });

  it('every reference in src/, shaders/, scripts/ and e2e/ resolves in this repository', () => {
    const files = new Map<string, string>();
    for (const dir of SCANNED) sourcesUnder(join(ROOT, dir), files);
    expect(files.size).toBeGreaterThan(100);
    expect(unresolvedDocRefs(files, readRepo)).toEqual([]);
  });
});
