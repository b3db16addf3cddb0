import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childCommand, countOutcomes, runCorpus, sampleIds } from './corpusRunner.ts';
import type { CaseMeta } from './corpusVerdict.ts';
import { makeTiffJpegCases } from './malformedImageCases.ts';

describe('malformed TIFF and JPEG cases', () => {
  it('cover sizes, truncations and flips in both formats, and a sample each ends in a sane picture or a named error', { timeout: 600_000 }, async () => {
    const cases = await makeTiffJpegCases();
    const groups = new Set(cases.map((c) => c.group));
    expect([...groups].sort()).toEqual(['jpeg', 'jpeg bit flip', 'tiff bit flip', 'tiff field', 'truncation']);
    expect(cases.filter((c) => c.id.startsWith('tiff-')).length).toBeGreaterThan(60);
    expect(cases.filter((c) => c.id.startsWith('jpeg-')).length).toBeGreaterThan(25);
    const root = join(tmpdir(), `pseudolab-malformed-tiff-jpeg-${process.pid}`);
    rmSync(root, { recursive: true, force: true });
    for (const c of cases) {
      for (const [name, bytes] of Object.entries(c.files)) {
        mkdirSync(dirname(join(root, c.id, name)), { recursive: true });
        writeFileSync(join(root, c.id, name), bytes);
      }
      const meta: CaseMeta = { id: c.id, group: c.group, expect: 'sane' };
      writeFileSync(join(root, c.id, 'case.json'), JSON.stringify(meta));
    }
    // One process per case with a time and memory cap, as the full corpus runs: a hang or a blown heap counts.
    // A spread sample of 48 keeps this near a minute; scripts/run-malformed-corpus runs them all.
    const ids = sampleIds(root, 48);
    const results = await runCorpus(root, ids, { child: await childCommand(process.cwd(), 1024), timeoutMs: 60_000, parallel: 2 });
    rmSync(root, { recursive: true, force: true });
    const bad = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'named-error').map((r) => `${r.outcome} ${r.id}: ${r.why}`);
    console.log(`TIFF/JPEG cases: ${JSON.stringify(countOutcomes(results))}`);
    expect(bad).toEqual([]);
    expect(results).toHaveLength(ids.length);
  });
});
