import { expect, test, type Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import { activeSummary, ARTIFACTS, DATASETS, paintStroke, shot, waitForViewer } from './helpers.ts';

const SERIES = join(DATASETS, 'dicom', 'mr-brain-t1post');
test.skip(!existsSync(SERIES), 'needs ../shared/datasets/dicom/mr-brain-t1post (an oblique MR series); absent on this machine');

/** Steps the axial view with the arrow keys until it reports `target` (1-based), as a user scrolls. */
async function goToAxialSlice(page: Page, target: number): Promise<void> {
  const label = page.getByTestId('slice-index-axial');
  await page.getByTestId('viewport-axial').hover();
  for (let n = 0; n < 40; n++) {
    const now = Number(/^\D*(\d+)/.exec((await label.textContent()) ?? '')?.[1]);
    if (now === target) return;
    await page.keyboard.press(now < target ? 'ArrowUp' : 'ArrowDown');
    await page.waitForTimeout(50);
  }
  throw new Error(`the axial view did not reach slice ${target}: it shows ${await label.textContent()}`);
}

test('oblique MR: a stroke lands in the slice on screen; patient-axis views refuse to paint', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  const files = readdirSync(SERIES)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(SERIES, f));
  await page.getByTestId('open-files').setInputFiles(files);
  // The demo is on screen until the series has been read.
  await page.waitForFunction(
    () => {
      const st = window.__pseudolab?.store.getState();
      return st?.activeVolumeId ? st.volumes[st.activeVolumeId]!.volume.geometry.dims[2] === 22 : false;
    },
    null,
    { timeout: 60_000 },
  );
  await waitForViewer(page);
  await expect(page.getByTestId('slice-index-axial')).toHaveText(/\/ 22$/);
  const start = await activeSummary(page);
  expect(start.dims).toEqual([512, 512, 22]);

  // The default views follow the acquisition grid: every view sits exactly on a slice.
  await expect(page.getByTestId('view-frame-toggle')).toHaveAttribute('data-frame', 'grid');
  for (const v of ['axial', 'coronal', 'sagittal']) await expect(page.getByTestId(`slice-index-${v}`)).toHaveAttribute('data-aligned', 'true');

  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  await goToAxialSlice(page, 13);
  await expect(page.getByTestId('slice-index-axial')).toHaveText('13 / 22');
  await paintStroke(page, 'viewport-axial', [0.3, 0.45], [0.7, 0.6]);
  await shot(page, 'oblique-grid-painted');

  let s = await activeSummary(page);
  expect(s.painted).toBeGreaterThan(0);
  expect(s.labeledK).toEqual([12]);
  expect(s.labeledI).toEqual([]);
  expect(s.labeledJ).toEqual([]);
  const toggle = page.getByTestId('slice-labeled-toggle');
  await expect(toggle).toBeChecked();
  await expect(page.getByText('Axial slice 13/22 labeled')).toBeVisible();
  await expect(page.getByTestId('slice-scroller-axial')).toHaveAttribute('data-labeled-slices', '12');

  // Export the labels as NIfTI and look at the voxels themselves: all painted ones are in k = 12.
  const downloads: import('@playwright/test').Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByTestId('export-labels').click();
  await page.getByTestId('export-active').click();
  await expect.poll(() => downloads.some((d) => d.suggestedFilename().endsWith('.nii.gz'))).toBe(true);
  const out = join(ARTIFACTS, 'oblique_labels.nii.gz');
  await downloads.find((d) => d.suggestedFilename().endsWith('.nii.gz'))!.saveAs(out);
  const buf = readFileSync(out);
  let ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(ab)) ab = nifti.decompress(ab) as ArrayBuffer;
  const header = nifti.readHeader(ab)!;
  const image = new Uint8Array(nifti.readImage(header, ab));
  const [ni, nj, nk] = [header.dims[1]!, header.dims[2]!, header.dims[3]!];
  expect([ni, nj, nk]).toEqual([512, 512, 22]);
  const perK = new Array<number>(nk).fill(0);
  for (let n = 0; n < image.length; n++) if (image[n]) perK[Math.floor(n / (ni * nj))]!++;
  expect(perK[12]).toBe(s.painted);
  expect(perK.filter((c) => c > 0)).toHaveLength(1);

  // A stroke in another grid view marks exactly the slice that view shows.
  const coronalIndex = Number(/(\d+) \//.exec((await page.getByTestId('slice-index-coronal').textContent()) ?? '')?.[1]) - 1;
  await paintStroke(page, 'viewport-coronal', [0.45, 0.5], [0.55, 0.5]);
  s = await activeSummary(page);
  expect(s.labeledK).toEqual([12]);
  expect(s.labeledJ).toEqual([coronalIndex]);
  expect(s.labeledI).toEqual([]);
  await expect(page.getByText(/That stroke also changed/)).toHaveCount(0);

  // Patient axes (key G): the axial view now cuts across the slices; a stroke there is refused with a message.
  await page.getByTestId('viewport-axial').hover();
  await page.keyboard.press('g');
  await expect(page.getByTestId('view-frame-toggle')).toHaveAttribute('data-frame', 'patient');
  await expect(page.getByTestId('view-frame-toggle')).toHaveAttribute('title', /\(G\)/);
  await expect(page.getByTestId('slice-index-axial')).toHaveAttribute('data-aligned', 'false');
  await expect(page.getByTestId('oblique-axial')).toBeVisible();
  const before = await activeSummary(page);
  await paintStroke(page, 'viewport-axial', [0.3, 0.5], [0.7, 0.55]);
  await shot(page, 'oblique-patient-refused');
  const after = await activeSummary(page);
  expect(after.painted).toBe(before.painted);
  expect(after.version).toBe(before.version);
  expect(after.labeledK).toEqual(before.labeledK);
  await expect(page.getByTestId('app-message').filter({ hasText: /acquisition grid/ })).toBeVisible();

  // Back to the grid with the button: painting works again.
  await page.getByTestId('view-frame-toggle').click();
  await expect(page.getByTestId('view-frame-toggle')).toHaveAttribute('data-frame', 'grid');
  await expect(page.getByTestId('slice-index-axial')).toHaveAttribute('data-aligned', 'true');
});
