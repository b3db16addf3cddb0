import { expect, test, type Page } from '@playwright/test';
import { shot, stopTraining, waitForSaved, waitForViewer } from './helpers.ts';

/*
 * Nothing discarded without asking (issue #16): a reload shows the training panel as the run left it (loss chart,
 * pseudo-labels, step), and choosing another method asks before leaving the saved model behind, which stays
 * retrievable. On the CPU backend with the tiny model, so a step takes about a second.
 */

/** The model's answer for the slice on screen: its step and labels (a fingerprint), how many pixels are not background, and their uncertainty. */
async function focusedPseudoLabel(page: Page): Promise<{ k: number; step: number; labels: string; foreground: number; uncertainty: number } | null> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    if (!f || !layer || layer.sliceStep[f.k]! < 0) return null;
    const per = s.volumes[f.volumeId]!.labels.dims[0] * s.volumes[f.volumeId]!.labels.dims[1];
    const labels = layer.labels.subarray(f.k * per, (f.k + 1) * per);
    // The uncertainty where the slice names a class: what the confidence threshold reads.
    const u = layer.uncertainty.subarray(f.k * per, (f.k + 1) * per);
    const uncertainty = labels.reduce((sum, v, i) => sum + (v !== 0 ? u[i]! : 0), 0);
    return { k: f.k, step: layer.sliceStep[f.k]!, labels: Array.from(labels).join(''), foreground: labels.filter((v) => v !== 0).length, uncertainty };
  });
}

const lossPoints = (page: Page): Promise<number> => page.evaluate(() => window.__pseudolab!.store.getState().training.losses.length);

test('a reload shows the run as it stood; another method asks and keeps the saved model', async ({ page }) => {
  test.setTimeout(12 * 60_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('method-select').selectOption('mean-teacher');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  // While it runs, Start says what is happening, and Model the size that runs.
  await expect(page.getByTestId('train-start')).toContainText(/Training… step \d+|Starting…/);
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await expect(page.getByTestId('model-size-select')).toHaveValue('tiny');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 4 * 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(8);
  await expect.poll(() => focusedPseudoLabel(page).then((p) => p?.step ?? -1), { timeout: 3 * 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  await shot(page, 'runs-training');

  // Pause saves the model; the panel's history and the pseudo-labels are stored with it.
  await page.getByTestId('train-pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 2 * 60_000 });
  await expect(page.getByTestId('checkpoint-info')).toContainText('Saved at step', { timeout: 60_000 });
  const savedStep = Number((await page.getByTestId('checkpoint-info').textContent())!.match(/step (\d+)/)![1]);
  const before = (await focusedPseudoLabel(page))!;
  const pointsBefore = await lossPoints(page);
  expect(pointsBefore).toBeGreaterThanOrEqual(1);
  // The layers are stored after the checkpoint, between frames; stop the run so nothing newer replaces them.
  await stopTraining(page, 2 * 60_000);
  await waitForSaved(page);
  await page.waitForTimeout(1500);
  await shot(page, 'runs-before-reload');

  await page.reload();
  await waitForViewer(page);
  // Not "not started": paused at the saved step, with the loss chart and the last pseudo-label of the slice.
  await expect(page.getByTestId('status-pill')).toContainText(`paused at step ${savedStep}`, { timeout: 30_000 });
  await expect(page.getByTestId('restored-hint')).toContainText('Resume to continue');
  await expect(page.getByTestId('train-start')).toContainText(`Resume (step ${savedStep})`);
  await expect(page.getByTestId('model-size-select')).toHaveValue('tiny');
  expect(await lossPoints(page)).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('loss-chart').locator('polyline').first()).toBeVisible();
  await expect.poll(() => focusedPseudoLabel(page).then((p) => p?.k ?? -1)).toBe(before.k);
  const after = (await focusedPseudoLabel(page))!;
  expect(after.labels).toBe(before.labels);
  expect(after.step).toBe(before.step);
  expect(after.foreground).toBe(before.foreground);
  expect(after.uncertainty).toBe(before.uncertainty);
  await expect(page.getByTestId('accept-slice')).toBeEnabled();
  await shot(page, 'runs-after-reload');

  // Another method: Start asks before leaving the saved mean-teacher model behind; "keep" starts afresh beside it.
  await page.getByTestId('method-select').selectOption('supervised');
  // Backend left on Auto (it passes over software GPUs, so the CPU here): while it runs, Auto names that backend.
  await expect(page.getByTestId('backend-select')).toHaveValue('auto');
  await expect(page.getByTestId('train-start')).toHaveText('▶ Start');
  await expect(page.getByTestId('restored-hint')).toContainText('choose its method, network and size again to resume it');
  await page.getByTestId('train-start').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`Mean teacher model (2D, tiny, step ${savedStep})`);
  await shot(page, 'runs-method-change-asks');
  await dialog.getByTestId('confirm-ok').click();
  await expect(dialog).toHaveCount(0);
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  const chosen = await status.getAttribute('data-backend');
  await expect(page.getByTestId('backend-select').locator('option[value="auto"]')).toHaveText(chosen === 'wasm' ? 'Auto: CPU (WebAssembly)' : /^Auto: \S/);
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 3 * 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(2);
  await stopTraining(page, 2 * 60_000);
  await expect(page.getByTestId('checkpoint-info')).toContainText('(supervised)', { timeout: 60_000 });
  const runs = await page.evaluate(() =>
    window
      .__pseudolab!.store.getState()
      .training.savedRuns.map((r) => `${r.key}@${r.step}`)
      .sort(),
  );
  expect(runs).toEqual([`mean-teacher/2d/tiny@${savedStep}`, expect.stringMatching(/^supervised\/2d\/tiny@\d+$/)]);

  // Back to mean teacher: its model is found again, and Start resumes it without asking.
  await page.getByTestId('method-select').selectOption('mean-teacher');
  await expect(page.getByTestId('train-start')).toContainText(`Resume (step ${savedStep})`);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(page.getByTestId('training-panel')).toContainText(`resumed at step ${savedStep}`, { timeout: 90_000 });
  await stopTraining(page, 2 * 60_000);
  await shot(page, 'runs-back-to-mean-teacher');
});

test('a model this tab could not store is not dropped by a new run without asking', async ({ page, context }) => {
  test.setTimeout(6 * 60_000);
  // The first tab writes the workspace; this second one cannot store, so its model lives in the tab only.
  const writer = await context.newPage();
  await writer.goto('/');
  await waitForViewer(writer);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 3 * 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(2);
  await stopTraining(page, 2 * 60_000);
  await expect(page.getByTestId('checkpoint-info')).toContainText('in this tab only', { timeout: 60_000 });
  await page.getByTestId('train-start').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Start afresh without the model in this tab?');
  await expect(dialog.getByTestId('confirm-secondary')).toHaveText('Export it, then start');
  await shot(page, 'runs-unsaved-asks');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(status).toHaveAttribute('data-status', 'stopped');
});
