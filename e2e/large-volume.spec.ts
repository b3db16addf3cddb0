import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paintStroke, REPO, shot, waitForViewer } from './helpers.ts';

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

test('a 512×512×300 CT opens, scrolls, takes a stroke, autosaves in chunks and comes back after a reload', async ({ page }) => {
  test.setTimeout(170_000);
  expect(statSync(file).size).toBeGreaterThan(10_000_000);
  await page.goto('/');
  await waitForViewer(page);

  const t0 = Date.now();
  await page.getByTestId('open-files').setInputFiles(file);
  await page.waitForFunction(() => {
    const s = window.__pseudolab?.store.getState();
    return !!s && s.activeVolumeId !== null && s.volumes[s.activeVolumeId]?.volume.name === 'ct300.nii.gz';
  }, null, { timeout: 90_000 });
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
  await page.waitForFunction((name) => {
    const st = window.__pseudolab?.store.getState();
    return !!st && st.activeVolumeId !== null && st.volumes[st.activeVolumeId]?.volume.name === name;
  }, s.name, { timeout: 60_000 });
  const back = await page.evaluate((indices) => {
    const st = window.__pseudolab!.store.getState();
    const e = st.volumes[st.activeVolumeId!]!;
    return { dims: [...e.volume.geometry.dims], values: indices.map((n) => e.labels.voxels[n]!), hu: e.volume.voxels[indices[0]!] };
  }, s.painted);
  expect(back.dims).toEqual([512, 512, 300]);
  expect(back.values.every((v) => v > 0)).toBe(true);
  expect(back.values).toHaveLength(s.painted.length);
  await shot(page, 'large-volume-restored');
});
