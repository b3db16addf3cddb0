#!/usr/bin/env node
/*
 * What the page loads before anything else: the JavaScript that index.html names (the entry and the chunks it
 * preloads), raw and gzipped, and whether any of it comes from tfjs, model/ or gpu/ (read from the source maps).
 * The training worker and the kernels page load their own chunks and are not counted.
 *
 *   npx vite build --outDir /tmp/dist && node scripts/bundle-size.mjs /tmp/dist
 *
 * Exits 1 when engine code is found, so scripts/test.sh runs it on the production build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist';
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const chunks = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);

const ENGINE = /node_modules\/@tensorflow\/|\/src\/(model|gpu)\//;
let raw = 0;
let gz = 0;
const engine = new Set();
for (const chunk of chunks) {
  const bytes = readFileSync(join(dist, chunk));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
  let sources = [];
  try {
    sources = JSON.parse(readFileSync(join(dist, `${chunk}.map`), 'utf8')).sources;
  } catch {
    console.warn(`${chunk}: no source map, engine code not checked`);
  }
  for (const s of sources) if (ENGINE.test(s)) engine.add(s.replace(/^.*node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, 'npm $1').replace(/^.*\/src\//, 'src/'));
  console.log(`${chunk}\t${bytes.length} B\t${sources.length} sources`);
}
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`main thread, loaded at start: ${chunks.length} chunks, ${raw} B (${mb(raw)}), gzip -9 ${gz} B (${mb(gz)})`);
if (engine.size === 0) console.log('no tfjs, model/ or gpu/ code');
else {
  // The layer rules should have caught this before the build; the built files are the last word.
  console.error(`engine code on the main thread: ${[...engine].sort().join(', ')}`);
  process.exitCode = 1;
}
