// Opens every case of the malformed-input corpus in its own Node process with a time and memory cap, and prints
// the counts: ok / named error / wrong data / hang / crash / raw message, then every case that is not ok or a
// named error. Usage: npx tsx scripts/run-malformed-corpus.mts [corpus-dir] [--sample N] [--timeout-s S] [--mem-mb M]
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { childCommand, countOutcomes, runCorpus, sampleIds } from '../src/io/testing/corpusRunner.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const root = args.find((a, n) => !a.startsWith('--') && !args[n - 1]?.startsWith('--')) ?? join(tmpdir(), 'pseudolab-malformed');
const timeoutS = flag('--timeout-s', 30);
const memMb = flag('--mem-mb', 1024);
const sample = flag('--sample', 0);
const parallel = flag('--parallel', Math.max(1, Math.min(2, cpus().length)));

const ids = sample > 0 ? sampleIds(root, sample) : null;
const t0 = Date.now();
const results = await runCorpus(root, ids, {
  child: await childCommand(process.cwd(), memMb),
  timeoutMs: timeoutS * 1000,
  parallel,
});
const counts = countOutcomes(results);
console.log(`cases: ${results.length} (caps: ${timeoutS} s, ${memMb} MB heap; ${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
for (const [k, v] of Object.entries(counts)) console.log(`  ${k}: ${v}`);
const byGroup = new Map<string, Record<string, number>>();
for (const r of results) {
  const g = byGroup.get(r.group) ?? {};
  g[r.outcome] = (g[r.outcome] ?? 0) + 1;
  byGroup.set(r.group, g);
}
console.log('by group:');
for (const [g, c] of byGroup)
  console.log(
    `  ${g}: ${Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
const bad = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'named-error');
if (bad.length > 0) {
  console.log('not ok:');
  for (const r of bad) console.log(`  ${r.outcome}  ${r.id}  (${r.ms} ms)  ${r.why}`);
}
const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
if (slowest) console.log(`slowest: ${slowest.id} ${slowest.ms} ms`);
if (args.includes('--list')) for (const r of results) console.log(`${r.outcome}\t${r.id}\t${r.why}`);
process.exitCode = bad.length > 0 ? 1 : 0;
