#!/usr/bin/env node
// Our WGSL kernels against tfjs's in Chromium's WebGPU (issue #6): opens kernels.html?bench on the production
// build and prints the page's table — time per call of ours and tfjs's at the default configurations' shapes, the
// ratio and GFLOP/s. On a machine with a GPU this is the absolute figure; on SwiftShader read only the ratios.
// Usage: npm run bench:kernels:browser [-- --reps 3 --only Conv3D --out bench/results/kernels-browser-YYYY-MM-DD.md]
import { execSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const reps = arg('reps', '3');
const only = arg('only', '');
const out = arg('out', '');
const PORT = 4199;

if (!existsSync(join(repo, 'dist', 'kernels.html'))) execSync('npx vite build --logLevel error', { cwd: repo, stdio: 'inherit' });
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: repo, stdio: 'ignore' });
process.on('exit', () => server.kill());
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${PORT}/kernels.html`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({
  executablePath: process.env.PSEUDOLAB_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu-watchdog',
  ],
});
const page = await browser.newPage();
page.on('console', (m) => {
  if (m.type() === 'error') console.error(`[page] ${m.text()}`);
});
await page.goto(`http://127.0.0.1:${PORT}/kernels.html?bench&reps=${reps}${only ? `&only=${only}` : ''}`);
let last = 0;
for (;;) {
  const r = await page.evaluate(() => window.__kernelReport);
  if (r && r.bench.length > last) {
    for (const b of r.bench.slice(last)) console.error(`  ${b.kernel} ${b.name}: ours ${b.oursMs.toFixed(2)} ms, tfjs ${b.tfjsMs.toFixed(2)} ms`);
    last = r.bench.length;
  }
  if (r?.done) break;
  await new Promise((res) => setTimeout(res, 2000));
}
const report = await page.evaluate(() => window.__kernelReport);
await browser.close();
if (report.fatal) {
  console.error(`kernels.html could not run: ${report.fatal}`);
  process.exit(1);
}
const g = (v) => (v === null ? '—' : v.toFixed(2));
const lines = [
  `# Custom WGSL kernels vs tfjs's in Chromium (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Adapter: ${report.adapter}. Medians of ${reps} alternating calls after a warm-up, waited for with queue.onSubmittedWorkDone.`,
  '',
  '| kernel | shape | ours ms | tfjs ms | tfjs ÷ ours | ours GFLOP/s | tfjs GFLOP/s |',
  '|---|---|---|---|---|---|---|',
  ...report.bench.map(
    (b) => `| ${b.kernel} | ${b.name} | ${b.oursMs.toFixed(2)} | ${b.tfjsMs.toFixed(2)} | ${b.ratio.toFixed(2)}× | ${g(b.oursGflops)} | ${g(b.tfjsGflops)} |`,
  ),
];
console.log(lines.join('\n'));
if (out) writeFileSync(out, lines.join('\n') + '\n');
process.exit(0);
