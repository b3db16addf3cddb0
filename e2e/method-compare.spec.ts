import { expect, test, type Page } from '@playwright/test';
import { shot, stopTraining, waitForViewer } from './helpers.ts';

/*
 * Which method wins on this workspace (issue #18, item 5): two methods trained on the demo, each validated on the
 * same held-out slice, appear side by side with their validation Dice; the winner is marked, and after a reload the
 * method select starts at it. On the CPU backend with the tiny model.
 */

/** Trains the chosen method until its first validation, then stops; the checkpoint carries the validation history. */
async function trainUntilValidated(page: Page, preset: string, keepShown: boolean): Promise<void> {
  await page.getByTestId('method-select').selectOption(preset);
  await page.getByTestId('train-start').click();
  if (keepShown) {
    // Another method starts afresh: the app asks about the shown model, and keeping it keeps its checkpoint.
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('Keep the saved model?');
    await dialog.getByTestId('confirm-ok').click();
  }
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await expect(page.getByTestId('val-dice')).not.toHaveAttribute('data-dice', '', { timeout: 6 * 60_000 });
  await stopTraining(page, 2 * 60_000);
  await expect(page.getByTestId('checkpoint-info')).toContainText('Saved at step', { timeout: 60_000 });
}

const rows = (page: Page) => page.getByTestId('mc-row');

test('two methods side by side on the same validation slice; the winner is marked and preselected after a reload', async ({ page }) => {
  test.setTimeout(14 * 60_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  // Nothing stored yet: one sentence says how to get a comparison.
  await expect(page.getByTestId('mc-empty')).toContainText('Train two methods to compare them here');
  await expect(rows(page)).toHaveCount(0);
  // The demo opens on a labeled slice: hold it out, so both runs are measured on it.
  await page.getByTestId('slice-validation-toggle').check();

  await trainUntilValidated(page, 'supervised', false);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).not.toHaveAttribute('data-latest', '');
  await expect(page.getByTestId('mc-empty')).toBeVisible();
  await expect(page.getByTestId('method-best')).toHaveCount(0);

  await trainUntilValidated(page, 'mean-teacher', true);
  await expect(rows(page)).toHaveCount(2);
  const table = await rows(page).evaluateAll((els) =>
    els.map((e) => ({
      key: e.getAttribute('data-key')!,
      ranked: e.getAttribute('data-ranked'),
      winner: e.getAttribute('data-winner'),
      latest: Number(e.getAttribute('data-latest')),
    })),
  );
  expect(table.map((r) => r.key).sort()).toEqual(['mean-teacher/2d/tiny', 'supervised/2d/tiny']);
  expect(table.every((r) => r.ranked === 'true')).toBe(true);
  // Best first, and marked; the runs' Dice are stored values, not placeholders.
  expect(table[0]!.latest).toBeGreaterThan(table[1]!.latest);
  expect(table.map((r) => r.winner)).toEqual(['true', 'false']);
  const winner = table[0]!.key.split('/')[0]!;
  await expect(page.getByTestId('method-best')).toHaveAttribute('data-preset', winner);
  await expect(page.getByTestId('method-best')).toContainText(`best on your validation slices: `);
  await expect(page.getByTestId('method-best')).toContainText(table[0]!.latest.toFixed(2));
  // One held-out slice is a thin basis for a ranking, and the panel says so.
  await expect(page.getByTestId('mc-caution')).toContainText('Measured on one held-out slice');
  // Each class's Dice is reachable from the keyboard: focusing a row names them.
  const classes = await page.evaluate(() => window.__pseudolab!.store.getState().training.trainedClasses.map((c) => c.name));
  expect(classes.length).toBeGreaterThanOrEqual(2);
  const perClass = classes.map((name) => `${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\d\\.\\d{3}|–)`).join(', ');
  await rows(page).nth(1).focus();
  await expect(page.getByTestId('mc-detail')).toContainText(new RegExp(`at step \\d+: ${perClass}$`));
  await shot(page, 'method-compare-two-runs');

  // After a reload nobody has chosen a method yet: the select starts at the winner, whichever was trained last.
  await page.reload();
  await waitForViewer(page);
  await expect(rows(page)).toHaveCount(2, { timeout: 30_000 });
  await expect(rows(page).first()).toHaveAttribute('data-winner', 'true');
  await expect(rows(page).first()).toHaveAttribute('data-key', table[0]!.key);
  await expect(page.getByTestId('method-select')).toHaveValue(winner);
  await expect(page.getByTestId('train-start')).toContainText('Resume (step');
  await shot(page, 'method-compare-after-reload');
  await page.getByTestId('method-comparison').scrollIntoViewIfNeeded();
  await shot(page, 'method-compare-after-reload-rows');

  // The user's own choice stands: choosing the other method keeps it, and the hint still names the winner.
  const other = winner === 'supervised' ? 'mean-teacher' : 'supervised';
  await page.getByTestId('method-select').selectOption(other);
  await expect(page.getByTestId('method-select')).toHaveValue(other);
  await expect(page.getByTestId('method-best')).toHaveAttribute('data-preset', winner);
});
