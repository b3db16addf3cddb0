import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInputs } from './openInputs.ts';
import { childCommand, countOutcomes, runCorpus, sampleIds } from './testing/corpusRunner.ts';
import { classify, summarize } from './testing/corpusVerdict.ts';
import { defaultSources, makeMalformedCorpus, sourcesPresent } from './testing/malformedCorpus.ts';
import { configureNodeCodecs } from './testing/nodeCodecs.ts';
import { memoryFile } from './testing/nodeFiles.ts';

const DATASETS = join(process.cwd(), '..', 'shared', 'datasets');
const sources = defaultSources(existsSync(DATASETS) ? DATASETS : '/nonexistent');
const present = existsSync(DATASETS) && sourcesPresent(sources);

describe('the corpus verdicts', () => {
  const report = (messages: string[], volumes = 0) => ({
    volumes: Array.from({ length: volumes }, () => ({
      name: 'a.nii',
      dims: [2, 2, 1],
      channels: 1,
      voxelCount: 4,
      finiteGeometry: true,
      finiteVoxels: true,
      crc: 1,
    })),
    problems: messages.map((message) => ({ message, severity: 'error' })),
    names: ['a.nii'],
  });
  it('tells a named error from raw library text, wrong data, a hang and a crash', () => {
    const meta = { id: 'x', group: 'g', expect: 'same' as const, reference: { dims: [2, 2, 1], crc: 2 } };
    expect(classify(meta, report(['a.nii: its vox_offset is NaN']), false).outcome).toBe('named-error');
    expect(classify(meta, report(['a.nii: Offset is outside the bounds of the DataView']), false).outcome).toBe('raw-message');
    expect(classify(meta, report(['something failed']), false).outcome).toBe('raw-message');
    expect(classify(meta, report([], 1), false).outcome).toBe('wrong');
    expect(classify({ ...meta, reference: { dims: [2, 2, 1], crc: 1 } }, report([], 1), false).outcome).toBe('ok');
    expect(classify(meta, null, true).outcome).toBe('hang');
    expect(classify(meta, null, false).outcome).toBe('crash');
  });
});

describe.skipIf(!present)('malformed-input corpus, a sample of 40 cases (skipped: needs ../shared/datasets hippocampus, dicom, monuseg)', () => {
  it('every sampled case ends in a correct volume or a named error, within 60 s and 1 GB each', { timeout: 600_000 }, async () => {
    configureNodeCodecs();
    const root = join(tmpdir(), `pseudolab-malformed-sample-${process.pid}`);
    const cases = await makeMalformedCorpus(root, sources, async (files) => {
      const inputs = Object.entries(files).map(([name, bytes]) => memoryFile(name, bytes));
      return summarize(
        await openInputs(inputs),
        inputs.map((f) => f.name),
      );
    });
    expect(cases.length).toBeGreaterThan(300);
    const results = await runCorpus(root, sampleIds(root, 40), { child: await childCommand(process.cwd(), 1024), timeoutMs: 60_000, parallel: 2 });
    const counts = countOutcomes(results);
    const bad = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'named-error').map((r) => `${r.outcome} ${r.id}: ${r.why}`);
    expect(bad).toEqual([]);
    expect(counts.ok + counts['named-error']).toBe(40);
  });
});
