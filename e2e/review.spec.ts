import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import { activeSummary, ARTIFACTS, shot, stopTraining, waitForViewer } from './helpers.ts';

/*
 * Reviewing a running model: a slice held out for validation gives a Dice curve, "next most uncertain" leads to an
 * unlabeled slice, a rejected pseudo-label disappears, every volume is predicted and exported, and the model goes
 * out as a file and comes back in. On the CPU backend with the tiny model, so it runs in seconds a step.
 */
test('validation Dice, next uncertain slice, reject, predict all and export, model export and import', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');

  // The demo opens on a labeled slice: hold it out for validation.
  const validation = page.getByTestId('slice-validation-toggle');
  await expect(page.getByTestId('slice-labeled-toggle')).toBeChecked();
  await validation.check();
  const heldOut = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));

  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('training-panel')).toContainText('1 validate');
  // Validation runs every 20 steps; its mean Dice is charted and exposed.
  await expect(page.getByTestId('val-dice')).not.toHaveAttribute('data-dice', '', { timeout: 4 * 60_000 });
  const dice = Number(await page.getByTestId('val-dice').getAttribute('data-dice'));
  expect(dice).toBeGreaterThanOrEqual(0);
  expect(dice).toBeLessThanOrEqual(1);
  await expect(page.getByTestId('loss-chart').locator('polyline').first()).toBeVisible();

  // Slice uncertainty is measured every 50 steps; then "next most uncertain" jumps to an unlabeled slice.
  await expect(page.getByTestId('uncertainty-strip')).toBeVisible({ timeout: 4 * 60_000 });
  await page.getByTestId('next-uncertain').click();
  await expect.poll(async () => Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'))).not.toBe(heldOut);
  const k = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  expect((await activeSummary(page)).labeledK).not.toContain(k);
  await shot(page, 'review-next-uncertain');

  // Its pseudo-label arrives; rejecting hides it for that slice.
  await expect(page.getByTestId('accept-slice')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('reject-slice').click();
  const rejected = await page.evaluate((slice) => {
    const s = window.__pseudolab!.store.getState();
    const layer = s.training.predictions[s.activeVolumeId!]!;
    const per = 96 * 96;
    return { listed: layer.rejected.includes(slice), shown: Array.from(layer.labels.subarray(slice * per, (slice + 1) * per)).some((v) => v !== 0) };
  }, k);
  expect(rejected).toEqual({ listed: true, shown: false });
  await expect(page.getByTestId('accept-slice')).toBeDisabled();

  // Predict every volume, then export the predictions as NIfTI with each volume's geometry.
  await page.getByTestId('predict-all').click();
  await expect(page.getByTestId('predict-progress')).toContainText('Predicted 144/144 slices', { timeout: 4 * 60_000 });
  const download = page.waitForEvent('download');
  await page.getByTestId('export-predictions').click();
  const zipPath = join(ARTIFACTS, 'predictions.zip');
  await (await download).saveAs(zipPath);
  const files = unzipSync(readFileSync(zipPath));
  const names = Object.keys(files).sort();
  expect(names).toHaveLength(3);
  for (const name of names) {
    const raw = nifti.decompress(files[name]!.slice().buffer as ArrayBuffer) as ArrayBuffer;
    const h = nifti.readHeader(raw);
    expect(h.dims.slice(1, 4)).toEqual([96, 96, 48]);
    const values = new Set(new Uint8Array(nifti.readImage(h, raw)));
    for (const v of values) expect([0, 1, 2, 3]).toContain(v);
  }

  // The model goes out as a file (after a pause saves it) and comes back in.
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('checkpoint-info')).toContainText('Saved at step', { timeout: 60_000 });
  const modelDownload = page.waitForEvent('download');
  await page.getByTestId('export-model').click();
  const modelPath = join(ARTIFACTS, 'model.pslb');
  await (await modelDownload).saveAs(modelPath);
  expect(readFileSync(modelPath).subarray(0, 4).toString()).toBe('PSLB');
  await stopTraining(page, 60_000);
  await page.getByTestId('import-model-file').setInputFiles(modelPath);
  await expect(page.getByTestId('app-message').filter({ hasText: 'Model imported' })).toHaveCount(1);
  // A file that is not a model is refused with words.
  await page.getByTestId('import-model-file').setInputFiles({ name: 'notes.pslb', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model') });
  await expect(page.getByTestId('app-error').filter({ hasText: 'notes.pslb' })).toContainText('not a Pseudolab model file');
});
