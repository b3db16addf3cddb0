import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { DATASETS, hasDatasets, NO_DATASETS, shot, waitForViewer } from './helpers.ts';

/**
 * Every console error, uncaught page error and reported exception from now on, as text. cornerstone's synchronizers
 * catch what their handlers throw and log it as a warning ("Synchronizer, for: … TypeError: …"), so warnings that
 * carry an error count too.
 */
function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || (m.type() === 'warning' && /\b\w*Error\b/.test(m.text()))) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return errors;
}

test('no console errors on opening the demo and then a NIfTI', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  const errors = collectConsoleErrors(page);
  await page.goto('/');
  await waitForViewer(page);
  await page.waitForTimeout(1000);
  expect(errors, 'console errors on opening the demo').toEqual([]);
  await page.getByTestId('open-files').setInputFiles(join(DATASETS, 'hippocampus/imagesTr/hippocampus_003.nii.gz'));
  await expect(page.getByTestId('volume-item').first()).toContainText('hippocampus_003');
  await waitForViewer(page);
  await page.waitForTimeout(1000);
  await shot(page, 'plain-nifti-open');
  expect(errors, 'console errors on opening a NIfTI').toEqual([]);
});
