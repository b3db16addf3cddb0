#!/usr/bin/env node
/**
 * Interaction latency in the real app, idle and while training: how long a person waits for what they did to be
 * on screen.
 *   - slice: ArrowUp/ArrowDown over the axial view, until that view has drawn the new slice and the slice bar says so;
 *   - click: a click on a panel control (the "Outline" label switch), until the views have redrawn with it;
 *   - brush: one mouse move of a held brush stroke, until the axial view has drawn the paint.
 * Each is timed inside the page from the input event's own timestamp (so the wait for a busy main thread to pick the
 * input up counts) to the next animation frame after the effect, and reported as p50 / p95 / max. While training,
 * the main thread's long animation frames (PerformanceObserver 'long-animation-frame', with script attribution)
 * are summed by what ran in them: that is what blocks input.
 *
 *   npx vite build --outDir /tmp/dist-h5
 *   node scripts/bench-latency.mjs [--dist /tmp/dist-h5] [--port 4205] [--data 512|demo] [--slices 22]
 *        [--samples 30] [--backend wasm] [--train-wait 600] [--no-training]
 *
 * --data 512 opens a synthetic 512×512×N CT (scripts/make-large-volume.mts, kept in /tmp/pseudolab-bench), paints
 * one stroke on it (the brush samples) and trains on it; --data demo stays on the built-in demo (96² slices, whose
 * steps are short, so the worker sends results several times a second).
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { cpuByThread, matchPriority, printCpu, printProfile, summary } from './latencyReport.mjs';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: '/tmp/dist-h5' },
    port: { type: 'string', default: '4205' },
    data: { type: 'string', default: '512' },
    slices: { type: 'string', default: '22' },
    samples: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'wasm' },
    // Seconds to wait for the first training step (a 512² step on WebAssembly takes tens of seconds on 2 cores).
    'train-wait': { type: 'string', default: '600' },
    'no-training': { type: 'boolean', default: false },
    // Samples the main thread (CDP Profiler) during each round and prints the functions with most self and total
    // time; build with `--minify false` for readable names.
    profile: { type: 'boolean', default: false },
    // With --profile: also writes each round's raw profile to PREFIX-<state>.cpuprofile (DevTools opens it).
    'profile-out': { type: 'string' },
    // Seconds to watch each state with no input first: what the page costs when nobody touches it.
    observe: { type: 'string', default: '0' },
    // The page's device pixel ratio (a laptop's HiDPI screen is 2): canvases, and so software drawing, scale with its square.
    dpr: { type: 'string', default: '1' },
    // The views' pixel density as the app stores it (src/viewer/renderScale.ts); left out, the app's own choice.
    'render-scale': { type: 'string' },
    // KEY=VALUE put in the page's localStorage before it loads (repeatable), e.g. the layer list's switches to measure
    // what drawing one layer costs: --storage 'pseudolab.layers.v1={"styles":{"pseudo":{"visible":false,"opacity":0.8}}}'
    storage: { type: 'string', multiple: true, default: [] },
    // Saves a screenshot of the page after each round here (look at what the views draw).
    screenshots: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // The panel switch the click samples toggle (a data-testid): label-outline changes how every view draws the
    // labels; label-visible shows or hides them.
    'click-target': { type: 'string', default: 'label-outline' },
    // Appends each round's samples to this file as JSON lines, tagged with --tag (e.g. the build): a p95 of one run's
    // 30 samples is about its second-largest sample, so comparisons pool several runs (scripts/latency-pool.mjs).
    raw: { type: 'string' },
    tag: { type: 'string', default: '' },
  },
});
const PORT = Number(values.port);
const BASE = `http://127.0.0.1:${PORT}`;
const SAMPLES = Number(values.samples);
const DATA = '/tmp/pseudolab-bench';

function volumeFile(slices) {
  mkdirSync(DATA, { recursive: true });
  const file = join(DATA, `ct512x512x${slices}.nii.gz`);
  if (!existsSync(file)) execFileSync('npx', ['tsx', 'scripts/make-large-volume.mts', '--dims', `512x512x${slices}`, '--out', file], { stdio: 'inherit' });
  return file;
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

/**
 * Installed before the app loads: a probe that waits for one input of a kind and then for its effect, and the
 * long-animation-frame log. The probe is armed by one evaluate and read by another, so the input itself comes from
 * Playwright (a real input event, queued behind whatever the main thread is doing).
 */
function installProbe() {
  const RENDERED = 'CORNERSTONE_IMAGE_RENDERED';
  const rendered = [];
  // cornerstone raises IMAGE_RENDERED on each viewport's element without bubbling: a capture listener still sees it.
  document.addEventListener(
    RENDERED,
    (e) => rendered.push({ t: performance.now(), view: e.target?.closest?.('[data-testid^="viewport-"]')?.getAttribute('data-testid') ?? '' }),
    true,
  );
  // Every view draw, for the per-round counts: draws nobody asked for (model layers, timers) are what input waits behind.
  window.__rendered = rendered;
  window.__loaf = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__loaf.push({
          start: e.startTime,
          duration: e.duration,
          blocking: e.blockingDuration ?? 0,
          // From the start of the frame's rendering update (rAF callbacks, style, layout, paint) to its end.
          render: e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0,
          layout: e.styleAndLayoutStart > 0 ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: (e.scripts ?? []).map((s) => ({
            duration: s.duration,
            invoker: s.invoker,
            fn: s.sourceFunctionName,
            url: (s.sourceURL ?? '').split('/').pop(),
            char: s.sourceCharPosition,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // No LoAF in this browser: the figures still come, without attribution.
  }
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  /**
   * kind 'slice' | 'click' | 'brush'. Resolves with { ms } from the input's timestamp to the frame after its
   * effect, or { timeout: true }.
   */
  window.__arm = (kind, view) => {
    const inputType = kind === 'slice' ? 'keydown' : kind === 'click' ? 'click' : 'pointermove';
    const scroller = () =>
      document
        .querySelector(`[data-testid="slice-scroller-${view === 'viewport-axial' ? 'axial' : view.replace('viewport-', '')}"]`)
        ?.getAttribute('data-current');
    const before = scroller();
    window.__pending = new Promise((resolve) => {
      let t0 = null;
      const deadline = setTimeout(() => resolve({ timeout: true }), 20_000);
      const onInput = (e) => {
        if (t0 !== null) return;
        t0 = e.timeStamp;
        window.removeEventListener(inputType, onInput, true);
        const done = () => {
          const drawn = rendered.some((r) => r.t >= t0 && r.view === view);
          const moved = kind !== 'slice' || scroller() !== before;
          return drawn && moved;
        };
        const poll = async () => {
          // Checked once per frame: the effect is on screen in the frame after the one where it is first seen.
          while (!done()) await frame();
          const end = await frame();
          clearTimeout(deadline);
          // How many view draws the wait held (the measured view's own and any other view's): each costs CPU.
          const draws = rendered.filter((r) => r.t >= t0 && r.t <= end).length;
          // A click changes every view: also when the last of them has drawn it (the app may draw the active view first).
          let allMs;
          if (kind === 'click') {
            const views = [...document.querySelectorAll('[data-testid^="viewport-"]')]
              .map((e) => e.getAttribute('data-testid'))
              .filter((v) => !v.endsWith('-inactive'));
            const allDrawn = () => views.every((v) => rendered.some((r) => r.t >= t0 && r.view === v));
            while (!allDrawn() && performance.now() - t0 < 5000) await frame();
            allMs = (await frame()) - t0;
          }
          resolve({ ms: end - t0, draws, allMs });
        };
        void poll();
      };
      window.addEventListener(inputType, onInput, true);
    });
  };
}

async function measure(page, kind, view, act) {
  await page.evaluate(({ kind, view }) => window.__arm(kind, view), { kind, view });
  await act();
  return page.evaluate(() => window.__pending);
}

/** `n` slice changes on the axial view, alternating runs of up and down so it stays inside the stack. */
async function sliceChanges(page, n) {
  const box = await page.getByTestId('viewport-axial').boundingBox();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.1);
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  const out = [];
  let timeouts = 0;
  let draws = 0;
  for (let i = 0; i < n; i++) {
    const key = Math.floor(i / 4) % 2 === 0 ? 'ArrowUp' : 'ArrowDown';
    const r = await measure(page, 'slice', 'viewport-axial', () => page.keyboard.press(key));
    if (r.timeout) timeouts++;
    else {
      out.push(r.ms);
      draws += r.draws;
    }
    await page.waitForTimeout(150 + Math.random() * 150);
  }
  return { ms: out, timeouts, draws: draws / Math.max(1, out.length) };
}

/** `n` clicks on a label switch (--click-target, the outline by default): each changes how every view draws the labels. */
async function clicks(page, n) {
  const target = page.getByTestId(values['click-target']);
  const out = [];
  const all = [];
  let timeouts = 0;
  let draws = 0;
  for (let i = 0; i < n; i++) {
    const r = await measure(page, 'click', 'viewport-axial', () => target.click());
    if (r.timeout) timeouts++;
    else {
      out.push(r.ms);
      all.push(r.allMs);
      draws += r.draws;
    }
    await page.waitForTimeout(150 + Math.random() * 150);
  }
  if (n % 2 === 1) await target.click();
  return { ms: out, timeouts, draws: draws / Math.max(1, out.length), all };
}

/** One brush stroke of `n` moves across the axial view, each timed until the view has drawn it. */
async function brushMoves(page, n, row) {
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  const box = await page.getByTestId('viewport-axial').boundingBox();
  const x0 = box.x + box.width * 0.35;
  const y = box.y + box.height * (0.45 + 0.03 * row);
  await page.mouse.move(x0, y);
  await page.mouse.down();
  const out = [];
  let timeouts = 0;
  let draws = 0;
  for (let i = 1; i <= n; i++) {
    const r = await measure(page, 'brush', 'viewport-axial', () => page.mouse.move(x0 + i * 4, y + (i % 5)));
    if (r.timeout) timeouts++;
    else {
      out.push(r.ms);
      draws += r.draws;
    }
  }
  await page.mouse.up();
  // Leave the brush: the next slice and click samples must not paint.
  await page
    .getByTestId('tool-pan')
    .click()
    .catch(() => undefined);
  return { ms: out, timeouts, draws: draws / Math.max(1, out.length) };
}

/** Long animation frames since `t`, summed by the script that ran longest in each (its function and file). */
async function blockers(page, since) {
  return page.evaluate((since) => {
    const frames = window.__loaf.filter((f) => f.start >= since);
    const by = new Map();
    for (const f of frames) {
      for (const s of f.scripts) {
        const key = `${s.invoker} → ${s.fn || '(anonymous)'} ${s.url}:${s.char}`;
        const e = by.get(key) ?? { ms: 0, n: 0, max: 0 };
        e.ms += s.duration;
        e.n += 1;
        e.max = Math.max(e.max, s.duration);
        by.set(key, e);
      }
    }
    const total = frames.reduce((a, f) => a + f.duration, 0);
    const blocking = frames.reduce((a, f) => a + f.blocking, 0);
    const scripts = frames.reduce((a, f) => a + f.scripts.reduce((b, s) => b + s.duration, 0), 0);
    const layout = frames.reduce((a, f) => a + f.layout, 0);
    return {
      frames: frames.length,
      total,
      blocking,
      scripts,
      layout,
      longest: Math.max(0, ...frames.map((f) => f.duration)),
      top: [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12),
    };
  }, since);
}

function printBlockers(title, b) {
  console.log(
    `\n${title}: ${b.frames} long animation frames, ${b.total.toFixed(0)} ms in all (${b.blocking.toFixed(0)} ms blocking; ${b.scripts.toFixed(0)} ms in scripts, ${b.layout.toFixed(0)} ms from style and layout to the frame's end), longest ${b.longest.toFixed(0)} ms; scripts by time:`,
  );
  for (const [k, e] of b.top) console.log(`  ${e.ms.toFixed(0).padStart(7)} ms  ×${String(e.n).padStart(4)}  max ${e.max.toFixed(0).padStart(5)}  ${k}`);
}

async function waitViewer(page, name) {
  await page.waitForFunction(
    (name) => {
      const s = window.__pseudolab?.store.getState();
      const ready = document.querySelector('[data-testid="viewer"]')?.getAttribute('data-ready') === 'true';
      const scroller = document.querySelector('[data-testid="slice-scroller-axial"][data-current]');
      return ready && !!scroller && !!s && s.activeVolumeId !== null && (name === null || s.volumes[s.activeVolumeId]?.volume.name === name);
    },
    name,
    { timeout: 300_000, polling: 100 },
  );
  // Let the first draws and the first autosave settle.
  await page.waitForTimeout(3000);
}

async function observe(label) {
  const s = Number(values.observe);
  if (!(s > 0)) return;
  const cpu0 = cpuByThread(server.pid);
  const wall0 = Date.now();
  await new Promise((r) => setTimeout(r, s * 1000));
  printCpu(`${label}, no input`, cpu0, cpuByThread(server.pid), (Date.now() - wall0) / 1000);
}

async function round(page, label, rows, row) {
  await observe(label);
  const t = await page.evaluate(() => performance.now());
  const cpu0 = cpuByThread(server.pid);
  const wall0 = Date.now();
  const cdp = values.profile ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  const brush = await brushMoves(page, SAMPLES, row);
  if (values.screenshots) {
    // Right after the stroke, on its slice: the paint must sit where the pointer went.
    mkdirSync(values.screenshots, { recursive: true });
    await page.screenshot({ path: join(values.screenshots, `latency-${label.split(' ')[0]}-scale-${values['render-scale'] ?? 'auto'}.png`) });
  }
  const slice = await sliceChanges(page, SAMPLES);
  const click = await clicks(page, SAMPLES);
  rows.push({ label, kind: 'slice change', ...summary(slice.ms), timeouts: slice.timeouts, draws: slice.draws });
  rows.push({ label, kind: 'click', ...summary(click.ms), timeouts: click.timeouts, draws: click.draws });
  rows.push({ label, kind: 'click, all views drawn', ...summary(click.all), timeouts: click.timeouts, draws: click.draws });
  rows.push({ label, kind: 'brush move', ...summary(brush.ms), timeouts: brush.timeouts, draws: brush.draws });
  if (values.raw) {
    const state = label.split(' ')[0];
    const samples = { 'slice change': slice.ms, click: click.ms, 'click, all views drawn': click.all, 'brush move': brush.ms };
    for (const [kind, ms] of Object.entries(samples)) {
      appendFileSync(values.raw, `${JSON.stringify({ tag: values.tag, data: values.data, state, kind, ms })}\n`);
    }
  }
  const views = await page.evaluate((t) => {
    const by = {};
    for (const r of window.__rendered) if (r.t >= t) by[r.view] = (by[r.view] ?? 0) + 1;
    return by;
  }, t);
  console.log(
    `\n${label}: view draws over the round: ${Object.entries(views)
      .map(([v, n]) => `${v.replace('viewport-', '')} ${n}`)
      .join(', ')}`,
  );
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    printProfile(label, profile);
    if (values['profile-out']) writeFileSync(`${values['profile-out']}-${label.split(' ')[0]}.cpuprofile`, JSON.stringify(profile));
  }
  printCpu(label, cpu0, cpuByThread(server.pid), (Date.now() - wall0) / 1000);
  return blockers(page, t);
}

let priority = null;
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', values.dist], {
  stdio: 'ignore',
  detached: true,
});
try {
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: values.chromium,
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
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: Number(values.dpr) });
  await context.addInitScript(installProbe);
  for (const kv of values.storage) {
    const at = kv.indexOf('=');
    await context.addInitScript(([k, v]) => localStorage.setItem(k, v), [kv.slice(0, at), kv.slice(at + 1)]);
  }
  if (values['render-scale']) await context.addInitScript((v) => localStorage.setItem('pseudolab.renderScale', v), values['render-scale']);
  const page = await context.newPage();
  await page.goto(BASE);
  await waitViewer(page, null);
  // Renderers start at nice 0 (see matchPriority); threads come and go (the training worker), so this repeats.
  console.log(`threads raised to this script's priority: ${matchPriority(server.pid)}`);
  priority = setInterval(() => matchPriority(server.pid), 1000);
  let what = 'the demo (96×96 slices)';
  if (values.data !== 'demo') {
    const file = volumeFile(Number(values.slices));
    const name = file.split('/').pop();
    await page.getByTestId('open-files').setInputFiles(file);
    await waitViewer(page, name);
    what = `512×512×${values.slices} synthetic CT`;
  }
  const canvases = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid^="viewport-"] canvas')].map((c) => `${c.width}×${c.height}`).join(', '),
  );
  console.log(`view canvases: ${canvases}`);
  const rows = [];
  const idle = await round(page, 'idle', rows, 0);
  printBlockers('idle', idle);
  let training = null;
  if (!values['no-training']) {
    await page.getByTestId('backend-select').selectOption(values.backend);
    await page.getByTestId('train-start').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >= 1, null, {
      timeout: Number(values['train-wait']) * 1000,
      polling: 500,
    });
    const step0 = await page.evaluate(() => window.__pseudolab.store.getState().training.step);
    const t0 = Date.now();
    training = await round(page, `training (${values.backend})`, rows, 1);
    const step1 = await page.evaluate(() => window.__pseudolab.store.getState().training.step);
    const used = await page.getByTestId('train-status').getAttribute('data-backend');
    console.log(`\ntraining on ${used}: ${step1 - step0} steps in the ${((Date.now() - t0) / 1000).toFixed(0)} s measured`);
    printBlockers('while training', training);
    await page
      .getByTestId('train-stop')
      .click()
      .catch(() => undefined);
  }
  await browser.close();
  const f = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  console.log(`\nInteraction latency on ${what}, ${SAMPLES} samples each (ms from the input event to the frame after its effect):`);
  console.log('| state | interaction | p50 ms | p95 ms | max ms | timeouts (20 s) | view draws per sample |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.kind} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.max)} | ${r.timeouts} | ${r.draws.toFixed(1)} |`);
} finally {
  clearInterval(priority);
  try {
    process.kill(-server.pid);
  } catch {
    // already gone
  }
}
