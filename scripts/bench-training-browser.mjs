#!/usr/bin/env node
// Training in the browser, per backend, on the demo with the standard 2D model (ResUNet width 16, depth 3,
// mean teacher, 4 labeled + 4 unlabeled slices a step):
//   - throughput: slices per second the worker trains on;
//   - main-thread responsiveness while training: frame-time percentiles from requestAnimationFrame while a
//     person scrolls through slices;
//   - pseudo-label latency: from scrolling to a new slice until the model's prediction for it is on screen.
// Usage: npm run bench:training [-- --seconds 60 --backends wasm,webgl,webgpu]
import { spawn, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('seconds', '60'));
const backends = arg('backends', 'wasm,webgl,webgpu').split(',');
const size = arg('model', 'standard');
const PORT = 4198;

if (!existsSync(join(repo, 'dist', 'index.html'))) execSync('npx vite build --logLevel error', { cwd: repo, stdio: 'inherit' });
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: repo, stdio: 'ignore' });
process.on('exit', () => server.kill());
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({
  executablePath: process.env.PSEUDOLAB_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

const rows = [];
for (const backend of backends) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('[data-testid="viewer"][data-ready="true"]', { timeout: 60000 });
  await page.getByTestId('backend-select').selectOption(backend);
  await page.getByTestId('model-size-select').selectOption(size);
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >= 1, null, { timeout: 600000 });
  } catch {
    rows.push({ backend, note: 'no training step within 10 minutes' });
    await context.close();
    continue;
  }
  const used = await status.getAttribute('data-backend');
  const adapter = await page.evaluate(() => window.__pseudolab.store.getState().training.backend?.adapter ?? '');
  await page.getByTestId('viewport-axial').hover();
  // Measure: frame deltas on the main thread, steps done, and prediction latency after each scroll.
  const m = await page.evaluate(async (ms) => {
    const store = window.__pseudolab.store;
    const frames = [];
    let last = performance.now();
    let running = true;
    const tick = (t) => {
      frames.push(t - last);
      last = t;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const step0 = store.getState().training.step;
    const slices0 = store.getState().training.slicesPerSecond;
    const latencies = [];
    const started = performance.now();
    let direction = 1;
    while (performance.now() - started < ms) {
      // Scroll one slice, as the arrow key does, and wait for the model's answer for the new slice.
      const before = store.getState().training.focus;
      window.dispatchEvent(new KeyboardEvent('keydown', { key: direction > 0 ? 'ArrowUp' : 'ArrowDown', bubbles: true }));
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      const f = store.getState().training.focus;
      if (f && (!before || f.k !== before.k)) {
        const seenStep = store.getState().training.predictions[f.volumeId]?.sliceStep[f.k] ?? -1;
        const stepAtScroll = store.getState().training.step;
        while (performance.now() - t0 < 20000) {
          const layer = store.getState().training.predictions[f.volumeId];
          const s = layer?.sliceStep[f.k] ?? -1;
          if (s > seenStep || (s >= stepAtScroll && s >= 0)) break;
          await new Promise((r) => requestAnimationFrame(r));
        }
        latencies.push(performance.now() - t0);
      }
      direction = Math.random() < 0.8 ? direction : -direction;
      await new Promise((r) => setTimeout(r, 400));
    }
    running = false;
    const st = store.getState().training;
    return { frames, latencies, steps: st.step - step0, slicesPerSecond: st.slicesPerSecond, slices0, seconds: (performance.now() - started) / 1000 };
  }, seconds * 1000);
  await page.getByTestId('train-stop').click();
  rows.push({
    backend: used,
    adapter,
    slicesPerSecond: m.slicesPerSecond,
    stepsInWindow: m.steps,
    frameP50: pct(m.frames, 0.5),
    frameP95: pct(m.frames, 0.95),
    frameP99: pct(m.frames, 0.99),
    latencyMedian: pct(m.latencies, 0.5),
    latencyP95: pct(m.latencies, 0.95),
    scrolls: m.latencies.length,
  });
  await context.close();
}
await browser.close();
server.kill();

console.log(`Training in Chromium (${size} model, mean teacher, demo 96×96 slices), ${seconds} s per backend, while scrolling one slice every ~0.45 s:`);
console.log('| backend | adapter | slices/s | frame p50 / p95 / p99 (ms) | pseudo-label after scroll, median / p95 (ms) |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  if (r.note) {
    console.log(`| ${r.backend} | | ${r.note} | | |`);
    continue;
  }
  const f = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  console.log(
    `| ${r.backend} | ${r.adapter || '—'} | ${r.slicesPerSecond.toFixed(2)} | ${f(r.frameP50)} / ${f(r.frameP95)} / ${f(r.frameP99)} | ${f(r.latencyMedian)} / ${f(r.latencyP95)} (${r.scrolls} scrolls) |`,
  );
}
