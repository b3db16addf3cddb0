import { expect, test, type Download, type Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeSummary, ARTIFACTS, DATASETS, paintStroke, shot, waitForSaved, waitForViewer } from './helpers.ts';

const SERIES = join(DATASETS, 'dicom', 'mr-brain-t1post');
const NIFTI = join(DATASETS, 'hippocampus', 'imagesTr', 'hippocampus_001.nii.gz');
test.skip(
  !existsSync(SERIES) || !existsSync(NIFTI),
  'needs ../shared/datasets/dicom/mr-brain-t1post (an oblique MR series) and hippocampus/; absent on this machine',
);

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

test('DICOM SEG: paint an oblique series, export SEG, clear, open the SEG, labels come back', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });

  // A NIfTI volume is not DICOM: the menu item is there, disabled, and says why.
  await page.getByTestId('open-files').setInputFiles(NIFTI);
  await waitForViewer(page);
  await page.getByTestId('export-labels').click();
  const item = page.getByTestId('export-dicom-seg');
  await expect(item).toBeDisabled();
  await expect(item).toHaveAttribute('title', /needs a volume opened from a DICOM series/);
  await shot(page, 'dicom-seg-disabled-for-nifti');
  await page.getByTestId('export-labels').click();

  const files = readdirSync(SERIES)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(SERIES, f));
  await page.getByTestId('open-files').setInputFiles(files);
  await page.waitForFunction(
    () => {
      const st = window.__pseudolab?.store.getState();
      return st?.activeVolumeId ? st.volumes[st.activeVolumeId]!.volume.geometry.dims[2] === 22 : false;
    },
    null,
    { timeout: 60_000 },
  );
  await waitForViewer(page);
  await page.getByTestId('add-class').click();

  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  await goToAxialSlice(page, 13);
  await paintStroke(page, 'viewport-axial', [0.3, 0.45], [0.7, 0.6]);
  const painted = await activeSummary(page);
  expect(painted.painted).toBeGreaterThan(0);
  expect(painted.labeledK).toEqual([12]);

  // Export: the item is enabled now, and the download is a DICOM file.
  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByTestId('export-labels').click();
  await expect(page.getByTestId('export-dicom-seg')).toBeEnabled();
  await page.getByTestId('export-dicom-seg').click();
  await expect.poll(() => downloads.some((d) => d.suggestedFilename().endsWith('_seg.dcm'))).toBe(true);
  const out = join(ARTIFACTS, 'dicom-seg-export.dcm');
  await downloads.find((d) => d.suggestedFilename().endsWith('_seg.dcm'))!.saveAs(out);
  const bytes = readFileSync(out);
  expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
  expect(bytes.includes(Buffer.from('1.2.840.10008.5.1.4.1.1.66.4'))).toBe(true);

  // Clear the labels (undo the stroke), then open the SEG like any file.
  await page.getByTestId('undo').click();
  await expect.poll(async () => (await activeSummary(page)).painted).toBe(0);
  await shot(page, 'dicom-seg-cleared');
  await page.getByTestId('open-files').setInputFiles(out);
  await expect.poll(async () => (await activeSummary(page)).painted, { timeout: 30_000 }).toBe(painted.painted);
  const back = await activeSummary(page);
  expect(back.id).toBe(painted.id);
  expect(back.labeledK).toEqual([12]);
  await expect(page.getByTestId('app-message').filter({ hasText: /DICOM SEG placed on/ })).toBeVisible();
  // The SEG opened onto the series: no new volume beside the NIfTI and the series.
  const volumes = await page.evaluate(() => window.__pseudolab!.store.getState().volumeOrder.length);
  expect(volumes).toBe(2);
  await shot(page, 'dicom-seg-imported');

  // The series' DICOM references are saved with the workspace: after a reload the SEG export is still there.
  await waitForSaved(page);
  await page.reload();
  await waitForViewer(page);
  await page.waitForFunction((id) => window.__pseudolab?.store.getState().volumes[id] !== undefined, painted.id, { timeout: 60_000 });
  await page.evaluate((id) => window.__pseudolab!.store.getState().setActiveVolume(id), painted.id);
  await expect.poll(async () => (await activeSummary(page)).painted).toBe(painted.painted);
  await page.getByTestId('export-labels').click();
  await expect(page.getByTestId('export-dicom-seg')).toBeEnabled();
  await shot(page, 'dicom-seg-after-reload');
});
