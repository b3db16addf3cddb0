import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { ARTIFACTS, openFreshApp, stopTraining } from './helpers.ts';

/*
 * BCP reaches the app through the method registry alone: the picker lists it with its one-sentence summary, and the
 * demo trains with it in the worker (its labeled-only warm-up first, then the pasted batches with the teacher).
 */
test('the method picker offers BCP with its summary, and the demo trains with it', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await openFreshApp(page);
  const select = page.getByTestId('method-select');
  const option = select.locator('option[value="bcp"]');
  await expect(option).toHaveText('BCP (bidirectional copy-paste)');
  await expect(option).toHaveAttribute('title', /pastes boxes of labeled and unlabeled slices into each other/);
  await select.selectOption('bcp');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 6 * 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(3);
  expect(Number(await status.getAttribute('data-loss'))).toBeGreaterThan(0);
  await page.getByTestId('training-panel').screenshot({ path: join(ARTIFACTS, 'bcp-training.png') });
  await stopTraining(page, 120_000);
});
