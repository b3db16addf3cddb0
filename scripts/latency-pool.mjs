/**
 * Pools the samples that `bench-latency.mjs --raw FILE --tag T` appended over several runs and prints p50 / p95
 * per tag, data, state and interaction. One run's p95 over 30 samples is about its second-largest sample, so two
 * builds whose runs overlap are compared on the pooled samples instead.
 * Usage: node scripts/latency-pool.mjs FILE [FILE …]
 */
import { readFileSync } from 'node:fs';
import { summary } from './latencyReport.mjs';

const groups = new Map();
for (const file of process.argv.slice(2)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const key = [r.tag, r.data, r.state, r.kind].join(' | ');
    const g = groups.get(key) ?? { ms: [], runs: 0 };
    g.ms.push(...r.ms);
    g.runs++;
    groups.set(key, g);
  }
}
console.log('| tag | data | state | interaction | runs | samples | p50 ms | p95 ms | over 100 ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
  const s = summary(g.ms);
  const over = g.ms.filter((x) => x > 100).length;
  console.log(`| ${key} | ${g.runs} | ${s.n} | ${Math.round(s.p50)} | ${Math.round(s.p95)} | ${((100 * over) / s.n).toFixed(1)} % |`);
}
