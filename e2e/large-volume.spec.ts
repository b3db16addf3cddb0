import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paintStroke, REPO, shot, stopTraining, trainingWorkerDiagnosis, waitForViewer } from './helpers.ts';

/*
 * A clinician's CT is 512×512 and hundreds of slices. The volume is generated here (never committed) by the
 * same script the benchmark uses; 300 slices keep the journey near a minute and a half on a 2-core machine,
 * and every path it exercises (chunked autosave, restore) is the one a 600-slice CT takes.
 */
const DIMS = '512x512x300';
let dir = '';
let file = '';

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pseudolab-large-'));
  file = join(dir, 'ct300.nii.gz');
  execFileSync('npx', ['tsx', 'scripts/make-large-volume.mts', '--dims', DIMS, '--out', file], { cwd: REPO, stdio: 'inherit' });
});

test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The active volume's name, its current axial slice and the painted voxels in that slice. */
async function activeSlice(page: Page): Promise<{ name: string; dims: number[]; k: number; painted: number[] }> {
  const k = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  return page.evaluate((k) => {
    const s = window.__pseudolab!.store.getState();
    const e = s.volumes[s.activeVolumeId!]!;
    const [ni, nj] = e.volume.geometry.dims;
    const per = ni * nj;
    const painted: number[] = [];
    // Only this slice: walking 78 M label voxels from a test would take seconds.
    for (let n = k * per; n < (k + 1) * per; n++) if (e.labels.voxels[n]) painted.push(n);
    return { name: e.volume.name, dims: [...e.volume.geometry.dims], k, painted };
  }, k);
}

/** Resident memory of this test's browser: Chromium's processes are children of the Playwright worker running it. */
function browserRssMiB(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      rss.set(Number(name), (Number(fields[21]) * 4096) / 2 ** 20);
    } catch {
      // The process ended while we read.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, mib] of rss) if (ours(pid)) total += mib;
  return total;
}

/** The pseudo-label of the slice on screen: its step, and how many of its pixels are a class (−1 = none yet). */
function focusedPrediction(page: Page): Promise<{ k: number; step: number; foreground: number }> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    if (!f || !layer || layer.sliceStep[f.k]! < 0) return { k: f?.k ?? -1, step: -1, foreground: 0 };
    const per = s.volumes[f.volumeId]!.labels.dims[0] * s.volumes[f.volumeId]!.labels.dims[1];
    let foreground = 0;
    for (const v of layer.labels.subarray(f.k * per, (f.k + 1) * per)) if (v) foreground++;
    return { k: f.k, step: layer.sliceStep[f.k]!, foreground };
  });
}

test('a 512×512×300 CT opens, scrolls, takes a stroke, autosaves in chunks, comes back after a reload and trains', async ({ page }) => {
  test.setTimeout(300_000);
  expect(statSync(file).size).toBeGreaterThan(10_000_000);
  await page.goto('/');
  await waitForViewer(page);

  const t0 = Date.now();
  await page.getByTestId('open-files').setInputFiles(file);
  await page.waitForFunction(
    () => {
      const s = window.__pseudolab?.store.getState();
      return !!s && s.activeVolumeId !== null && s.volumes[s.activeVolumeId]?.volume.name === 'ct300.nii.gz';
    },
    null,
    { timeout: 90_000 },
  );
  await waitForViewer(page);
  console.log(`opened ${DIMS} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let s = await activeSlice(page);
  expect(s.dims).toEqual([512, 512, 300]);

  // Scroll: the axial view moves through the stack.
  await page.getByTestId('viewport-axial').hover();
  for (let n = 0; n < 5; n++) await page.keyboard.press('ArrowUp');
  await expect.poll(async () => (await activeSlice(page)).k).not.toBe(s.k);

  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  await paintStroke(page, 'viewport-axial');
  await expect.poll(async () => (await activeSlice(page)).painted.length, { timeout: 20_000 }).toBeGreaterThan(0);
  s = await activeSlice(page);
  await shot(page, 'large-volume-painted');

  // "Saved" only once the voxels (150 MB in chunks) and the labels have committed.
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 120_000 });

  await page.reload();
  await waitForViewer(page);
  await page.waitForFunction(
    (name) => {
      const st = window.__pseudolab?.store.getState();
      return !!st && st.activeVolumeId !== null && st.volumes[st.activeVolumeId]?.volume.name === name;
    },
    s.name,
    { timeout: 60_000 },
  );
  const back = await page.evaluate((indices) => {
    const st = window.__pseudolab!.store.getState();
    const e = st.volumes[st.activeVolumeId!]!;
    return { dims: [...e.volume.geometry.dims], values: indices.map((n) => e.labels.voxels[n]!), hu: e.volume.voxels[indices[0]!] };
  }, s.painted);
  expect(back.dims).toEqual([512, 512, 300]);
  expect(back.values.every((v) => v > 0)).toBe(true);
  expect(back.values).toHaveLength(s.painted.length);
  await shot(page, 'large-volume-restored');

  // Training with every setting on Auto (WebAssembly without a GPU): a few steps, no error, a pseudo-label on screen.
  await expect(page.getByTestId('backend-select')).toHaveValue('auto');
  const rssBefore = browserRssMiB();
  const t1 = Date.now();
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(page.getByTestId('memory-line')).toContainText(/trains at batch \d \+ \d, \d+² patch/, { timeout: 60_000 });
  const stepAt = async (n: number, timeout: number): Promise<number> => {
    try {
      await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout, intervals: [500] }).toBeGreaterThanOrEqual(n);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await page.getByTestId('training-panel').innerText()}\n${await trainingWorkerDiagnosis(page)}`);
    }
    return Date.now();
  };
  const firstStep = await stepAt(1, 120_000);
  const thirdStep = await stepAt(3, 120_000);
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('app-error')).toHaveCount(0);
  await expect(page.getByTestId('layer-pseudo')).toBeChecked();
  await expect.poll(async () => (await focusedPrediction(page)).step, { timeout: 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  const firstLabel = Date.now();
  const pageHeap = await page.evaluate(() => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
  const figures = {
    secondsToFirstStep: (firstStep - t1) / 1000,
    secondsPerStep: (thirdStep - firstStep) / 2000,
    secondsToPseudoLabel: (firstLabel - t1) / 1000,
    memoryLine: await page.getByTestId('memory-line').innerText(),
    browserRssMiB: { beforeStart: Math.round(rssBefore), training: Math.round(browserRssMiB()) },
    pageJsHeapMiB: Math.round(pageHeap / 2 ** 20),
  };
  console.log(`large-volume training: ${JSON.stringify(figures)}`);
  await shot(page, 'large-volume-training');
  await stopTraining(page, 120_000);
});
