import { expect, test } from '@playwright/test';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeSummary, DATASETS, hasDatasets, NO_DATASETS, paintStroke, shot, waitForViewer } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pseudolab-bad-'));

test('a corrupt file and an unknown format each get a message naming the file; the workspace keeps working', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  const good = readFileSync(join(DATASETS, 'hippocampus/imagesTr/hippocampus_001.nii.gz'));
  const truncated = join(tmp, 'truncated_case.nii.gz');
  writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
  const text = join(tmp, 'notes.txt');
  writeFileSync(text, 'not an image at all\n');
  await page.goto('/');
  await waitForViewer(page);
  const volumesBefore = await page.getByTestId('volume-item').count();
  await page.getByTestId('open-files').setInputFiles([truncated, text]);
  const errors = page.getByTestId('app-error');
  await expect(errors.filter({ hasText: 'truncated_case.nii.gz' })).toHaveCount(1);
  await expect(errors.filter({ hasText: 'notes.txt' })).toHaveCount(1);
  for (const e of await errors.all()) await expect(e).toHaveAttribute('role', 'alert');
  await shot(page, 'bad-input-errors');
  // Nothing was opened, nothing was lost, and painting still works.
  await expect(page.getByTestId('volume-item')).toHaveCount(volumesBefore);
  const before = await activeSummary(page);
  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial');
  expect((await activeSummary(page)).painted).toBeGreaterThan(before.painted);
});

test('a folder holding two DICOM series opens both and says so', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  const files = ['hippocrop-series', 'mr-brain-t1post'].flatMap((s) => {
    const dir = join(DATASETS, 'dicom', s);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .slice(0, 8)
      .map((f) => join(dir, f));
  });
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles(files);
  await expect(page.getByTestId('volume-item')).toHaveCount(2);
  await expect(page.getByTestId('app-message').filter({ hasText: /2 series/ })).toHaveCount(1);
});

test('importing labels of the wrong size is refused with both sizes named, and the labels stay as they were', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles(join(DATASETS, 'hippocampus/imagesTr/hippocampus_001.nii.gz'));
  await waitForViewer(page);
  await paintStroke(page, 'viewport-axial');
  const before = await activeSummary(page);
  // hippocampus_003 is 34×52×35; hippocampus_001 is 35×51×35.
  await page.getByTestId('import-labels').setInputFiles(join(DATASETS, 'hippocampus/labelsTr/hippocampus_003.nii.gz'));
  const error = page.getByTestId('app-error').filter({ hasText: 'hippocampus_003.nii.gz' });
  await expect(error).toHaveCount(1);
  await expect(error).toContainText('34');
  await expect(error).toContainText('35');
  const after = await activeSummary(page);
  expect(after.painted).toBe(before.painted);
  expect(after.version).toBe(before.version);
  // The matching label file imports, every slice counts as labeled, and it can be undone.
  await page.getByTestId('import-labels').setInputFiles(join(DATASETS, 'hippocampus/labelsTr/hippocampus_001.nii.gz'));
  await expect.poll(async () => (await activeSummary(page)).labeledK.length).toBe(35);
  await page.getByTestId('undo').click();
  expect((await activeSummary(page)).painted).toBe(before.painted);
});
