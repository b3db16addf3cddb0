import { expect, test } from '@playwright/test';
import { paintStroke, waitForSaved, waitForViewer } from './helpers.ts';

test('classes: add, rename, recolour, describe, reorder, delete with confirmation; all survive a reload', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  const items = page.getByTestId('class-item');
  await expect(items).toHaveCount(3);
  await page.getByTestId('add-class').click();
  await expect(items).toHaveCount(4);
  const added = items.nth(3);
  await added.getByTestId('class-name').fill('Spleen');
  await added.locator('input[type="color"]').fill('#123456');
  await added.getByRole('button', { name: 'Edit description' }).click();
  await added.getByTestId('class-position').fill('left upper quadrant, behind the stomach');
  await added.getByTestId('class-shape').fill('crescent-shaped, smooth');
  await added.getByRole('button', { name: 'Move up' }).click();
  await expect(items.nth(2).getByTestId('class-name')).toHaveValue('Spleen');

  // Paint with class 1, then delete it: cancel first, then confirm; its voxels become background.
  await items.first().getByRole('radio').check();
  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial');
  const deletedValue = Number(await items.first().getAttribute('data-value'));
  const countValue = () =>
    page.evaluate((v) => {
      const s = window.__pseudolab!.store.getState();
      let n = 0;
      for (const id of s.volumeOrder) for (const x of s.volumes[id]!.labels.voxels) if (x === v) n++;
      return n;
    }, deletedValue);
  expect(await countValue()).toBeGreaterThan(0);
  await items.first().getByTestId('class-delete').click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(items).toHaveCount(4);
  await items.first().getByTestId('class-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(items).toHaveCount(3);
  expect(await countValue()).toBe(0);

  await waitForSaved(page);
  await page.reload();
  await waitForViewer(page);
  await expect(items).toHaveCount(3);
  // Class names are textareas (long names wrap), which carry their text as a value, not an attribute.
  const names = await page.getByTestId('class-name').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
  expect(names.filter((n) => n === 'Spleen')).toHaveLength(1);
  const spleen = items.nth(names.indexOf('Spleen'));
  await expect(spleen.locator('input[type="color"]')).toHaveValue('#123456');
  await spleen.getByRole('button', { name: 'Edit description' }).click();
  await expect(spleen.getByTestId('class-position')).toHaveValue('left upper quadrant, behind the stomach');
  await expect(spleen.getByTestId('class-shape')).toHaveValue('crescent-shaped, smooth');
});
