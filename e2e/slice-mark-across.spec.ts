import { expect, test } from '@playwright/test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { activeSummary, DATASETS, waitForViewer } from './helpers.ts';

const SERIES = join(DATASETS, 'dicom', 'mr-brain-t1post');
test.skip(!existsSync(SERIES), 'needs ../shared/datasets/dicom/mr-brain-t1post (an oblique MR series); absent on this machine');

test('a view across the slices cannot mark a slice labeled, by checkbox or L key, and says why', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
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
  const toggle = page.getByTestId('slice-labeled-toggle');
  await page.getByTestId('viewport-axial').hover();
  // On the acquisition grid the mark works.
  await expect(toggle).toBeEnabled();

  await page.keyboard.press('g');
  await expect(page.getByTestId('slice-index-axial')).toHaveAttribute('data-aligned', 'false');
  await expect(toggle).toBeDisabled();
  await expect(page.locator('label', { has: toggle })).toHaveAttribute('title', /cuts across the volume's slices/);
  const before = await activeSummary(page);
  await page.keyboard.press('l');
  await expect(page.getByText(/no one slice can be marked labeled here/).first()).toBeVisible();
  const after = await activeSummary(page);
  expect(after.version).toBe(before.version);
  expect(after.labeledK).toEqual(before.labeledK);

  // Back on the grid, L marks the slice on screen again.
  await page.keyboard.press('g');
  await expect(page.getByTestId('slice-index-axial')).toHaveAttribute('data-aligned', 'true');
  await expect(toggle).toBeEnabled();
  await page.keyboard.press('l');
  await expect.poll(async () => (await activeSummary(page)).version).toBe(before.version + 1);
});
