#!/usr/bin/env node
// Foundation figures, measured in Debian's Chromium against the production build:
//   1. time to open the largest DICOM series in ../shared/datasets/dicom (file input → volume on screen),
//   2. brush latency while painting on it (mouse move → frame rendered with the new paint),
//   3. the size of the saved workspace in browser storage.
// Usage: npm run bench:foundation   (builds first if dist/ is missing). Prints a table; --json for JSON.
import { spawn, execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dicomRoot = resolve(repo, '..', 'shared', 'datasets', 'dicom');
const asJson = process.argv.includes('--json');
const PORT = 4199;

if (!existsSync(dicomRoot)) {
  console.log(`skipped: ${dicomRoot} is absent (the shared datasets are needed for this benchmark)`);
  process.exit(0);
}
if (!existsSync(join(repo, 'dist', 'index.html'))) execSync('npx vite build --logLevel error', { cwd: repo, stdio: 'inherit' });

const series = readdirSync(dicomRoot)
  .map((name) => {
    const dir = join(dicomRoot, name);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => join(dir, f));
    return { name, files, bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
  })
  .sort((a, b) => b.bytes - a.bytes);
const largest = series[0];

const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: repo, stdio: 'ignore' });
const stop = () => server.kill();
process.on('exit', stop);
for (let i = 0; i < 100; i++) {
  try {
    const r = await fetch(`http://127.0.0.1:${PORT}/`);
    if (r.ok) break;
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
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(`http://127.0.0.1:${PORT}/`);
await page.waitForSelector('[data-testid="viewer"][data-ready="true"]', { timeout: 60000 });

// 1. Open the largest series three times; each run: mark at open start → mark when the volume is on screen.
const openMs = [];
for (let run = 0; run < 3; run++) {
  await page.evaluate(() => performance.clearMarks());
  const before = await page.evaluate(() => window.__pseudolab.store.getState().volumeOrder);
  await page.getByTestId('open-files').setInputFiles(largest.files);
  // Done when a volume that was not there before is active and the viewer has shown it.
  await page.waitForFunction(
    (old) => {
      const id = window.__pseudolab.store.getState().activeVolumeId;
      return id && !old.includes(id) && performance.getEntriesByName('pseudolab:shown').some((m) => m.detail === id);
    },
    before,
    { timeout: 120000 },
  );
  openMs.push(
    await page.evaluate(() => {
      const start = performance.getEntriesByName('pseudolab:open:start')[0].startTime;
      const shown = performance.getEntriesByName('pseudolab:shown').at(-1).startTime;
      return shown - start;
    }),
  );
}

// 2. Brush latency on that volume: synthetic mouse moves (as the browser delivers them) → the next rendered frame.
await page.getByTestId('tool-brush').click();
const latency = await page.evaluate(async () => {
  const el = document.querySelector('[data-testid="viewport-axial"]');
  const r = el.getBoundingClientRect();
  const at = (fx, fy) => ({ clientX: r.left + r.width * fx, clientY: r.top + r.height * fy, bubbles: true, cancelable: true, view: window, button: 0 });
  const rendered = () => new Promise((resolve) => el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => resolve(performance.now()), { once: true }));
  // A real mouse sends pointer events before mouse events; the viewer keys stroke boundaries on them.
  el.dispatchEvent(new PointerEvent('pointerdown', { ...at(0.3, 0.5), buttons: 1, pointerType: 'mouse' }));
  el.dispatchEvent(new MouseEvent('mousedown', { ...at(0.3, 0.5), buttons: 1 }));
  await new Promise((r) => setTimeout(r, 50));
  const samples = [];
  for (let i = 0; i < 40; i++) {
    const done = rendered();
    const t0 = performance.now();
    document.dispatchEvent(new MouseEvent('mousemove', { ...at(0.3 + i * 0.008, 0.5 + (i % 5) * 0.004), buttons: 1 }));
    el.dispatchEvent(new MouseEvent('mousemove', { ...at(0.3 + i * 0.008, 0.5 + (i % 5) * 0.004), buttons: 1 }));
    const t1 = await Promise.race([done, new Promise((r) => setTimeout(() => r(null), 2000))]);
    if (t1 !== null) samples.push(t1 - t0);
  }
  const up = performance.now();
  const version = () => {
    const s = window.__pseudolab.store.getState();
    return s.volumes[s.activeVolumeId].labelsVersion;
  };
  const v0 = version();
  document.dispatchEvent(new MouseEvent('mouseup', { ...at(0.62, 0.5), buttons: 0 }));
  el.dispatchEvent(new MouseEvent('mouseup', { ...at(0.62, 0.5), buttons: 0 }));
  document.dispatchEvent(new PointerEvent('pointerup', { ...at(0.62, 0.5), buttons: 0, pointerType: 'mouse' }));
  while (version() === v0 && performance.now() - up < 5000) await new Promise((r) => setTimeout(r, 5));
  return { samples, commitMs: performance.now() - up, committed: version() !== v0 };
});

// 3. Saved workspace size once everything is stored.
await page.waitForSelector('[data-testid="save-status"][data-state="saved"]', { timeout: 30000 });
const storage = await page.evaluate(async () => {
  const estimate = await navigator.storage.estimate();
  const db = await new Promise((res, rej) => {
    const q = indexedDB.open('pseudolab');
    q.onsuccess = () => res(q.result);
    q.onerror = () => rej(q.error);
  });
  const sizeOf = (v) => {
    if (v == null) return 0;
    if (ArrayBuffer.isView(v)) return v.byteLength;
    if (typeof v === 'string') return v.length;
    if (typeof v !== 'object') return 8;
    return Object.values(v).reduce((n, x) => n + sizeOf(x), 0);
  };
  const out = {};
  for (const store of ['workspace', 'volumes', 'labels']) {
    out[store] = await new Promise((res) => {
      const all = db.transaction(store).objectStore(store).getAll();
      all.onsuccess = () => res(all.result.reduce((n, r) => n + sizeOf(r), 0));
    });
  }
  const st = window.__pseudolab.store.getState();
  return { usage: estimate.usage, records: out, volumes: st.volumeOrder.length };
});
await browser.close();
stop();

const sorted = [...latency.samples].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {
  chromium: '/usr/bin/chromium (SwiftShader: software rendering, no GPU)',
  series: `${largest.name}: ${largest.files.length} files, ${(largest.bytes / 1e6).toFixed(1)} MB`,
  openMs: { runs: openMs.map((x) => Math.round(x)), median: Math.round(median(openMs)) },
  brushLatencyMs: { samples: sorted.length, median: +pct(0.5).toFixed(1), p95: +pct(0.95).toFixed(1) },
  strokeCommitMs: +latency.commitMs.toFixed(1),
  savedWorkspace: {
    volumes: storage.volumes,
    browserUsageBytes: storage.usage,
    voxelsBytes: storage.records.volumes,
    labelsBytes: storage.records.labels,
    workspaceRecordBytes: storage.records.workspace,
  },
};
if (asJson) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`Foundation benchmark — ${result.chromium}`);
  console.log(`  open ${result.series}: median ${result.openMs.median} ms (runs ${result.openMs.runs.join(', ')} ms)`);
  console.log(
    `  brush latency on it: median ${result.brushLatencyMs.median} ms, p95 ${result.brushLatencyMs.p95} ms over ${result.brushLatencyMs.samples} moves; stroke commit ${result.strokeCommitMs} ms`,
  );
  const w = result.savedWorkspace;
  console.log(
    `  saved workspace (${w.volumes} volumes): ${(w.browserUsageBytes / 1e6).toFixed(2)} MB browser usage; voxels ${(w.voxelsBytes / 1e6).toFixed(2)} MB, labels ${(w.labelsBytes / 1e3).toFixed(1)} kB, workspace record ${(w.workspaceRecordBytes / 1e3).toFixed(1)} kB`,
  );
}
