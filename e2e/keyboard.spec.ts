import { expect, test } from '@playwright/test';
import { activeSummary, paintStroke, waitForViewer } from './helpers.ts';

test('every labeling action has a key, and tooltips name it', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  await expect(page.getByTestId('tool-brush')).toHaveAttribute('title', /\(B\)/);
  await expect(page.getByTestId('tool-eraser')).toHaveAttribute('title', /\(E\)/);
  await expect(page.getByTestId('undo')).toHaveAttribute('title', /Ctrl\+Z/);
  await page.getByTestId('viewport-axial').hover();
  await page.keyboard.press('e');
  await expect(page.getByTestId('tool-eraser')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('b');
  await expect(page.getByTestId('tool-brush')).toHaveAttribute('aria-pressed', 'true');
  const size = Number(await page.getByTestId('brush-size').inputValue());
  await page.keyboard.press(']');
  expect(Number(await page.getByTestId('brush-size').inputValue())).toBeGreaterThan(size);

  await page.keyboard.press('2');
  await expect(page.getByTestId('class-item').nth(1)).toHaveAttribute('aria-current', 'true');
  await paintStroke(page, 'viewport-axial');
  const painted = (await activeSummary(page)).painted;
  await page.keyboard.press('Control+z');
  expect((await activeSummary(page)).painted).toBeLessThan(painted);
  await page.keyboard.press('Control+Shift+z');
  expect((await activeSummary(page)).painted).toBe(painted);

  // L toggles the labeled state of the slice under the cursor, and the toggle shows it.
  const slice = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  const toggle = page.getByTestId('slice-labeled-toggle');
  await expect(toggle).toBeChecked();
  await page.getByTestId('viewport-axial').hover();
  await page.keyboard.press('l');
  await expect(toggle).not.toBeChecked();
  expect((await activeSummary(page)).labeledK).not.toContain(slice);
  await toggle.check();
  expect((await activeSummary(page)).labeledK).toContain(slice);

  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('slice-scroller-axial')).toHaveAttribute('data-current', String(slice + 1));
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-help')).toBeVisible();
});
