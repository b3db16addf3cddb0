import { expect, test, type Page } from '@playwright/test';
import { shot, stopTraining, waitForViewer } from './helpers.ts';

/** What the model says about the slice on screen: the step of its last prediction and a fingerprint of it. */
async function focusedPrediction(page: Page): Promise<{ k: number; step: number; labels: number[]; uncertaintySum: number } | null> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    if (!f || !layer || layer.sliceStep[f.k]! < 0) return null;
    const per = s.volumes[f.volumeId]!.labels.dims[0] * s.volumes[f.volumeId]!.labels.dims[1];
    const labels = Array.from(layer.labels.subarray(f.k * per, (f.k + 1) * per));
    let u = 0;
    for (const v of layer.uncertainty.subarray(f.k * per, (f.k + 1) * per)) u += v;
    return { k: f.k, step: layer.sliceStep[f.k]!, labels, uncertaintySum: u };
  });
}

/*
 * The demo trains on the WebGPU backend. Here that is SwiftShader, a software GPU: a tiny model takes tens of
 * seconds a step, so this journey waits minutes, not seconds. On a real GPU the same journey takes seconds.
 */
test('the demo trains on WebGPU; the pseudo-label appears and changes, is accepted as labels, and a reload resumes from the checkpoint', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('method-select').selectOption('mean-teacher');
  await page.getByTestId('backend-select').selectOption('webgpu');
  // Our WGSL kernels are on by default (issue #6); the switch sits beside the backend and names what it does.
  await expect(page.getByTestId('custom-kernels')).toBeChecked();
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('kernels-status')).toHaveAttribute('data-on', 'true');
  await expect(page.getByTestId('kernels-status')).toHaveAttribute(
    'title',
    /Conv3D, Conv3DBackpropInputV2, Conv3DBackpropFilterV2, Conv2DBackpropFilter, Sum, Mean/,
  );
  await expect(page.getByTestId('training-panel')).toContainText('tiny model');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 8 * 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(1);
  expect(Number(await status.getAttribute('data-loss'))).toBeGreaterThan(0);

  // The pseudo-label layer shows the model's answer for the slice on screen, then a newer one.
  await expect(page.getByTestId('layer-pseudo')).toBeChecked();
  await expect.poll(() => focusedPrediction(page).then((p) => p?.step ?? -1), { timeout: 5 * 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(1);
  const first = (await focusedPrediction(page))!;
  await shot(page, 'training-first-pseudo-label');
  await expect.poll(() => focusedPrediction(page).then((p) => p?.step ?? -1), { timeout: 6 * 60_000, intervals: [2000] }).toBeGreaterThan(first.step);
  const later = (await focusedPrediction(page))!;
  expect(later.labels.join() !== first.labels.join() || later.uncertaintySum !== first.uncertaintySum).toBe(true);
  await shot(page, 'training-later-pseudo-label');

  // Accepting turns the slice's pseudo-label into labels, marked as such; undo takes it back.
  const labelsOf = () =>
    page.evaluate((k) => {
      const s = window.__pseudolab!.store.getState();
      const e = s.volumes[s.training.focus!.volumeId]!;
      const per = e.labels.dims[0] * e.labels.dims[1];
      return { values: Array.from(e.labels.voxels.subarray(k * per, (k + 1) * per)), provenance: e.labels.slices[2][k] };
    }, later.k);
  const before = await labelsOf();
  await page.getByTestId('accept-slice').click();
  const accepted = await labelsOf();
  const shown = (await focusedPrediction(page))!;
  expect(accepted.values).toEqual(shown.labels);
  expect(accepted.provenance).toBe(2);
  await page.keyboard.press('Control+z');
  expect((await labelsOf()).values).toEqual(before.values);
  await page.keyboard.press('Control+Shift+z');
  expect((await labelsOf()).values).toEqual(shown.labels);

  // Pausing saves a checkpoint; a reload offers to resume from it and continues at the next step.
  await page.getByTestId('train-pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 5 * 60_000 });
  // The checkpoint written on pause is at the paused step; a periodic one from earlier may still be shown first.
  const pausedStep = Number(await status.getAttribute('data-step'));
  const shownStep = async () => Number((await page.getByTestId('checkpoint-info').textContent())?.match(/Saved at step (\d+)/)?.[1] ?? -1);
  await expect.poll(shownStep, { timeout: 60_000, intervals: [500] }).toBeGreaterThanOrEqual(pausedStep);
  const savedStep = await shownStep();
  expect(savedStep).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 20_000 });

  await page.reload();
  await waitForViewer(page);
  await expect(page.getByTestId('train-start')).toContainText(`Resume (step ${savedStep})`);
  await page.getByTestId('backend-select').selectOption('webgpu');
  // Resumed with tfjs's own kernels: the switch reaches the worker, and a model trained with ours carries on.
  await page.getByTestId('custom-kernels').uncheck();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('training-panel')).toContainText(`resumed at step ${savedStep}`, { timeout: 120_000 });
  await expect(page.getByTestId('kernels-status')).toHaveAttribute('data-on', 'false');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 6 * 60_000, intervals: [2000] }).toBeGreaterThan(savedStep);
  // The accepted slice survived the reload as labels.
  expect((await labelsOf()).provenance).toBe(2);
  await stopTraining(page, 5 * 60_000);
  await shot(page, 'training-resumed');
});
