import { expect, test } from '@playwright/test';
import { openFreshApp, shot, viewportStats } from './helpers.ts';

test('a first visit opens the demo: volumes, classes with descriptions, labeled slices, three views', async ({ page }) => {
  await openFreshApp(page);
  const items = page.getByTestId('volume-item');
  await expect(items).toHaveCount(3);
  // The first demo volume comes with two labeled slices, so the workflow is visible at once.
  await expect(items.first()).toHaveAttribute('data-labeled', '2');
  await expect(page.getByTestId('class-item')).toHaveCount(3);
  const first = page.getByTestId('class-item').first();
  await first.getByRole('button', { name: 'Edit description' }).click();
  await expect(first.getByTestId('class-position')).not.toHaveValue('');
  await expect(first.getByTestId('class-shape')).not.toHaveValue('');
  for (const v of ['viewport-axial', 'viewport-coronal', 'viewport-sagittal']) {
    const s = await viewportStats(page, v);
    expect(s.std, `${v} shows an image`).toBeGreaterThan(8);
    expect(s.distinct, `${v} has structure`).toBeGreaterThan(20);
  }
  await expect(page.getByTestId('slice-scroller-axial')).toHaveAttribute('data-labeled-slices', /\d+,\d+/);
  // It opens on a labeled slice, so the labels are in plain sight.
  await expect(page.getByTestId('slice-labeled-toggle')).toBeChecked();
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 20_000 });
  await shot(page, 'demo-first-start');
});

test('switching volumes keeps each one its slice and labels', async ({ page }) => {
  await openFreshApp(page);
  const items = page.getByTestId('volume-item');
  await page.getByTestId('viewport-axial').hover();
  for (let n = 0; n < 4; n++) await page.keyboard.press('ArrowUp');
  const before = await page.getByTestId('slice-index-axial').textContent();
  await items.nth(1).getByRole('button').first().click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-volume-id', (await items.nth(1).getAttribute('data-volume-id'))!);
  await items.nth(0).getByRole('button').first().click();
  await expect(page.getByTestId('slice-index-axial')).toHaveText(before!);
  await expect(items.first()).toHaveAttribute('data-labeled', '2');
});
