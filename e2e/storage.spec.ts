import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import { activeSummary, ARTIFACTS, paintStroke, shot, waitForViewer } from './helpers.ts';

/*
 * Chromium's own quota override (DevTools protocol) makes IndexedDB fail with QuotaExceededError, as on a full
 * disk. It only takes effect if set before the origin first touches storage, so this journey starts full;
 * recovery once space returns is covered in src/persist (a save after a failure stores everything).
 */
test('when browser storage is full the user is told, keeps working, and can export everything from memory', async ({ page, baseURL }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 1024 });
  await page.goto('/');
  await waitForViewer(page);
  const alert = page.getByTestId('app-error').filter({ hasText: /storage is full/i });
  await expect(alert).toHaveCount(1);
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('save-status')).toContainText('Not saved');

  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial');
  const s = await activeSummary(page);
  expect(s.painted).toBeGreaterThan(0);
  // Retries do not pile up messages: still one alert for the one problem.
  await expect(alert).toHaveCount(1);
  await shot(page, 'storage-full');

  const download = page.waitForEvent('download');
  await page.getByTestId('export-labels').click();
  await page.getByTestId('export-all').click();
  const zipPath = join(ARTIFACTS, 'storage-full-labels.zip');
  await (await download).saveAs(zipPath);
  const files = unzipSync(readFileSync(zipPath));
  const first = files['labels/Demo_phantom_1_labels.nii.gz'];
  expect(first).toBeDefined();
  const raw = nifti.decompress(first!.slice().buffer as ArrayBuffer) as ArrayBuffer;
  const image = new Uint8Array(nifti.readImage(nifti.readHeader(raw), raw));
  let painted = 0;
  for (const v of image) if (v) painted++;
  expect(painted).toBe(s.painted);
});
