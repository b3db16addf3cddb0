// Writes the malformed-input corpus (hundreds of damaged NIfTI, DICOM, PNG, JPEG, TIFF, gzip and label files made from
// ../shared/datasets) into a temp folder; never into the repository.
// Usage: npx tsx scripts/make-malformed-corpus.mts [out-dir]   (default: $TMPDIR/pseudolab-malformed)
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInputs } from '../src/io/openInputs.ts';
import { summarize } from '../src/io/testing/corpusVerdict.ts';
import { defaultSources, makeMalformedCorpus, sourcesPresent } from '../src/io/testing/malformedCorpus.ts';
import { configureNodeCodecs } from '../src/io/testing/nodeCodecs.ts';
import { memoryFile } from '../src/io/testing/nodeFiles.ts';

const out = process.argv[2] ?? join(tmpdir(), 'pseudolab-malformed');
const datasets = join(process.cwd(), '..', 'shared', 'datasets');
const sources = defaultSources(datasets);
if (!existsSync(datasets) || !sourcesPresent(sources)) {
  console.log(`skipped: the corpus is made from ../shared/datasets (hippocampus, dicom, monuseg), which is not here`);
  process.exit(0);
}
configureNodeCodecs();
const cases = await makeMalformedCorpus(out, sources, async (files) => {
  const inputs = Object.entries(files).map(([name, bytes]) => memoryFile(name, bytes));
  return summarize(
    await openInputs(inputs),
    inputs.map((f) => f.name),
  );
});
const groups = new Map<string, number>();
for (const c of cases) groups.set(c.group, (groups.get(c.group) ?? 0) + 1);
console.log(`${cases.length} cases in ${out}`);
for (const [g, n] of groups) console.log(`  ${g}: ${n}`);
