/**
 * Large volumes in the real app: for 512×512×22 (an MR series), ×300 and ×600 (a clinician's CT) it prints the
 * time to open, JS heap and browser memory, brush latency per mouse move, the time to commit a stroke, the
 * autosave time (the first save writes the voxels in chunks; later saves only changed label chunks), the
 * longest main-thread task during those saves, and the time to restore after a reload.
 *
 *   npx vite build --outDir /tmp/dist-large && node scripts/bench-large-volume.mjs [--dist /tmp/dist-large] [--port 4182] [--sizes 22,300,600]
 *
 * Volumes are generated into /tmp/pseudolab-bench by scripts/make-large-volume.mts (kept between runs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: '/tmp/dist-large' },
    port: { type: 'string', default: '4182' },
    sizes: { type: 'string', default: '22,300,600' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // Prints where the main thread spends the brush moves (CDP Profiler, self time by function); build with
    // `--minify false` for readable names.
    profile: { type: 'boolean', default: false },
    // Skips the autosave and reload figures when only brush and commit are wanted.
    'brush-only': { type: 'boolean', default: false },
  },
});
const PORT = Number(values.port);
const BASE = `http://127.0.0.1:${PORT}`;
const DATA = '/tmp/pseudolab-bench';
mkdirSync(DATA, { recursive: true });

function volumeFile(slices) {
  const file = join(DATA, `ct512x512x${slices}.nii.gz`);
  if (!existsSync(file)) {
    execFileSync('npx', ['tsx', 'scripts/make-large-volume.mts', '--dims', `512x512x${slices}`, '--out', file], { stdio: 'inherit' });
  }
  return file;
}

/**
 * Resident memory of the browser and all its processes (renderer, GPU, utility), from ps: every process under
 * this script except the preview server.
 */
function browserRssMb(rootPid = process.pid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='])
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const children = new Map();
  for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const rss = new Map(rows.map(([pid, , kb]) => [pid, kb]));
  let total = 0;
  const walk = (pid) => {
    if (pid === server.pid) return;
    if (pid !== process.pid) total += rss.get(pid) ?? 0;
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(rootPid);
  return total / 1024;
}

/**
 * CPU seconds used so far by each kind of browser process (browser, renderer, gpu-process, utility), from
 * /proc: a brush move that waits with an idle main thread is waiting for another process.
 */
function cpuByProcessType() {
  const out = {};
  const clock = 100; // USER_HZ on Linux
  // Only this script's browser: other sessions on the machine run Chromium too.
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='])
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const children = new Map();
  for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const ours = [];
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      if (c === server.pid) continue;
      ours.push(c);
      walk(c);
    }
  };
  walk(process.pid);
  for (const pid of ours) {
    let cmd;
    let stat;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmd.split('\0')[0] ?? '')) continue;
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[type] = (out[type] ?? 0) + (Number(fields[11]) + Number(fields[12])) / clock;
  }
  return out;
}

async function waitForServer() {
  for (let n = 0; n < 120; n++) {
    try {
      if ((await fetch(BASE)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`vite preview did not answer on ${BASE}`);
}

async function viewerReady(page, name) {
  await page.waitForFunction(
    (name) => {
      const s = window.__pseudolab?.store.getState();
      const ready = document.querySelector('[data-testid="viewer"]')?.getAttribute('data-ready') === 'true';
      const scroller = document.querySelector('[data-testid="slice-scroller-axial"][data-current]');
      return ready && !!scroller && !!s && s.activeVolumeId !== null && (name === null || s.volumes[s.activeVolumeId]?.volume.name === name);
    },
    name,
    { timeout: 300_000, polling: 50 },
  );
}

async function waitSaved(page, since) {
  // Wait for a save to begin (the status leaves 'saved'), then for it to say 'saved' again.
  await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') === 'saved', null, {
    timeout: 600_000,
    polling: 20,
  });
  return (Date.now() - since) / 1000;
}

async function heapMb(page) {
  return page.evaluate(() => {
    const m = performance.memory;
    return m ? m.usedJSHeapSize / 2 ** 20 : NaN;
  });
}

async function longestTaskSince(page, t) {
  return page.evaluate((t) => Math.max(0, ...(window.__longTasks ?? []).filter((e) => e.start >= t).map((e) => e.duration)), t);
}

/** The functions with most self time in a CPU profile, with their share of the sampled time. */
function printProfile(profile, slices) {
  const self = new Map();
  const dt = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let total = 0;
  (profile.samples ?? []).forEach((id, n) => {
    const node = byId.get(id);
    const d = (dt[n + 1] ?? 0) / 1000;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
    total += d;
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.log(`\nbrush moves on 512×512×${slices}: ${total.toFixed(0)} ms sampled, top self time:`);
  for (const [k, ms] of top) console.log(`  ${ms.toFixed(0).padStart(6)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
}

async function benchOne(browser, slices) {
  const file = volumeFile(slices);
  const name = file.split('/').pop();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(BASE);
  await viewerReady(page, null);
  await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') === 'saved', null, { timeout: 60_000 });

  const t0 = Date.now();
  await page.getByTestId('open-files').setInputFiles(file);
  await viewerReady(page, name);
  const openS = (Date.now() - t0) / 1000;
  const pageT0 = await page.evaluate(() => performance.now());
  // First save: the voxels in chunks, in the background.
  await page
    .waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') !== 'saved', null, { timeout: 10_000 })
    .catch(() => undefined);
  const firstSaveS = (await waitSaved(page, t0)) - openS;
  const firstSaveLongest = await longestTaskSince(page, pageT0);
  const heapAfterOpen = await heapMb(page);
  const rssAfterOpen = browserRssMb();

  // Brush: one stroke of 30 mouse moves, each timed until the next frame is drawn.
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  const box = await page.getByTestId('viewport-axial').boundingBox();
  const x0 = box.x + box.width * 0.4;
  const y = box.y + box.height * 0.5;
  await page.mouse.move(x0, y);
  await page.mouse.down();
  const cdp = values.profile ? await context.newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const moves = [];
  const cpuBefore = cpuByProcessType();
  const brushT0 = performance.now();
  for (let n = 1; n <= 30; n++) {
    const t = performance.now();
    await page.mouse.move(x0 + n * 4, y + (n % 5));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    moves.push(performance.now() - t);
  }
  const brushWallS = (performance.now() - brushT0) / 1000;
  const cpuAfter = cpuByProcessType();
  const brushCpu = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, +(v - (cpuBefore[k] ?? 0)).toFixed(2)]));
  console.log(`brush moves on 512×512×${slices}: ${brushWallS.toFixed(2)} s wall; CPU s by process type: ${JSON.stringify(brushCpu)}`);
  if (cdp) printProfile((await cdp.send('Profiler.stop')).profile, slices);
  const version = await page.evaluate(() => {
    const s = window.__pseudolab.store.getState();
    return s.volumes[s.activeVolumeId].labelsVersion;
  });
  const tUp = Date.now();
  const pageUp = await page.evaluate(() => performance.now());
  await page.mouse.up();
  await page.waitForFunction(
    (v) => {
      const s = window.__pseudolab.store.getState();
      return s.volumes[s.activeVolumeId].labelsVersion > v;
    },
    version,
    { polling: 10 },
  );
  const commitS = (Date.now() - tUp) / 1000;
  await page
    .waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') !== 'saved', null, { timeout: 5_000 })
    .catch(() => undefined);
  const commitMs = await page.evaluate(
    () =>
      performance
        .getEntriesByName('pseudolab:commit-stroke')
        .map((e) => e.duration)
        .pop() ?? NaN,
  );
  if (values['brush-only']) {
    await context.close();
    moves.sort((a, b) => a - b);
    return { slices, openS, heapAfterOpen, rssAfterOpen, brushMedianMs: moves[15], brushMaxMs: moves[moves.length - 1], commitS, commitMs };
  }
  const strokeSaveS = await waitSaved(page, tUp);
  const strokeSaveLongest = await longestTaskSince(page, pageUp);

  const tReload = Date.now();
  await page.reload();
  await viewerReady(page, name);
  const restoreS = (Date.now() - tReload) / 1000;
  const heapAfterRestore = await heapMb(page);
  const rssAfterRestore = browserRssMb();
  await context.close();
  moves.sort((a, b) => a - b);
  return {
    slices,
    fileMb: statSync(file).size / 1e6,
    openS,
    heapAfterOpen,
    rssAfterOpen,
    brushMedianMs: moves[15],
    brushMaxMs: moves[moves.length - 1],
    commitS,
    commitMs,
    firstSaveS,
    firstSaveLongest,
    strokeSaveS,
    strokeSaveLongest,
    restoreS,
    heapAfterRestore,
    rssAfterRestore,
  };
}

const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', values.dist], {
  stdio: 'ignore',
  detached: true,
});
try {
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: ['--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--no-sandbox', '--enable-precise-memory-info', '--disable-background-networking'],
  });
  const rows = [];
  for (const slices of values.sizes.split(',').map(Number)) {
    const r = await benchOne(browser, slices);
    rows.push(r);
    console.log(JSON.stringify(r));
  }
  await browser.close();
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log(
    '\n| volume | file MB | open s | JS heap MB | browser RSS MB | brush move ms (median / max) | stroke commit s | first autosave s (longest task ms) | stroke autosave s (longest task ms) | restore s | heap / RSS after reload MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| 512×512×${r.slices} | ${f(r.fileMb)} | ${f(r.openS)} | ${f(r.heapAfterOpen, 0)} | ${f(r.rssAfterOpen, 0)} | ${f(r.brushMedianMs, 0)} / ${f(r.brushMaxMs, 0)} | ${f(r.commitS, 2)} | ${f(r.firstSaveS)} (${f(r.firstSaveLongest, 0)}) | ${f(r.strokeSaveS, 2)} (${f(r.strokeSaveLongest, 0)}) | ${f(r.restoreS)} | ${f(r.heapAfterRestore, 0)} / ${f(r.rssAfterRestore, 0)} |`,
    );
  }
} finally {
  try {
    process.kill(-server.pid);
  } catch {
    // already gone
  }
}
