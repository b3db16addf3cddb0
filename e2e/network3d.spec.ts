import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { ARTIFACTS, shot, stopTraining, waitForViewer } from './helpers.ts';

/** The step of the model's latest prediction for the slice on screen, and how many of its pixels are labeled. */
async function focusedPrediction(page: Page): Promise<{ k: number; step: number; labeled: number } | null> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    if (!f || !layer || layer.sliceStep[f.k]! < 0) return null;
    const per = s.volumes[f.volumeId]!.labels.dims[0] * s.volumes[f.volumeId]!.labels.dims[1];
    let labeled = 0;
    for (const v of layer.labels.subarray(f.k * per, (f.k + 1) * per)) if (v) labeled++;
    return { k: f.k, step: layer.sliceStep[f.k]!, labeled };
  });
}

/*
 * A person picks the 3D network for the demo: the V-Net learns from volume patches with the mean teacher, the
 * pseudo-label layer appears on the slice on screen, and "Predict all" labels every volume. Presets that exist for
 * one network only hold the choice, and say why. WebAssembly backend, tiny model (16×28×28 patches): a step takes
 * seconds on two shared CPU cores; previews slide windows without overlap there, predict-all with a quarter, and
 * one demo volume takes most of a minute, so the journey cancels predict-all after the first.
 */
test('pick the 3D network, train with mean teacher, see the pseudo-label on the slice on screen, predict all (then cancel); TAK holds the network at 3D', async ({
  page,
}) => {
  test.setTimeout(6 * 60_000);
  await page.goto('/');
  await waitForViewer(page);
  const network = page.getByTestId('network-select');
  await expect(network).toHaveValue('2d');
  await expect(network).toHaveAttribute('title', /V-Net learns from blocks of the volume/);

  // Presets for one kind of network set it and lock it, with the reason beside it.
  await page.getByTestId('method-select').selectOption('tak');
  await expect(network).toHaveValue('3d');
  await expect(network).toBeDisabled();
  await expect(page.getByTestId('network-lock')).toContainText('TAK trains the 3D network');
  await expect(page.getByTestId('text-guidance')).toContainText('Text prompts · TAK');
  await page.getByTestId('training-panel').screenshot({ path: join(ARTIFACTS, 'network3d-tak-locked.png') });
  await page.getByTestId('method-select').selectOption('promptssl');
  await expect(network).toHaveValue('2d');
  await expect(network).toBeDisabled();
  await expect(page.getByTestId('network-lock')).toContainText('PromptSSL trains the 2D network');

  // Mean teacher leaves the choice free; pick 3D from the keyboard.
  await page.getByTestId('method-select').selectOption('mean-teacher');
  await expect(network).toBeEnabled();
  await expect(page.getByTestId('network-lock')).toHaveCount(0);
  await network.focus();
  await page.keyboard.press('ArrowDown');
  await expect(network).toHaveValue('3d');
  expect(await page.evaluate(() => window.__pseudolab!.store.getState().training.network)).toBe('3d');

  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  const info = page.getByTestId('run-info');
  await expect(info).toHaveAttribute('data-network', '3d');
  await expect(info).toContainText('3D V-Net · volume patches, tiny model');
  await expect(info).toContainText(/patch \d+×\d+×\d+/);
  // The memory estimate against the WebAssembly heap's budget stays on screen while the run is active.
  const memory = page.getByTestId('memory-estimate');
  await expect(memory).toContainText(/Memory: trains at batch \d+ \+ \d+, \d+×\d+×\d+ patch, width \d+: ≈ \d+ MiB of the 2\.0 GiB WebAssembly heap/);
  await expect(memory).toHaveAttribute('data-fits', 'true');
  await expect(page.getByTestId('network-select')).toBeDisabled();

  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  expect(Number(await status.getAttribute('data-loss'))).toBeGreaterThan(0);

  // The slice on screen gets its pseudo-label from the 3D model (a slab of windows around it).
  await expect(page.getByTestId('layer-pseudo')).toBeChecked();
  await expect.poll(() => focusedPrediction(page).then((p) => p?.step ?? -1), { timeout: 120_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('accept-slice')).toBeEnabled();
  await expect(page.getByTestId('training-panel')).toContainText(/Pseudo-label from step \d+/);
  await shot(page, 'network3d-pseudo-label');

  // Predict all: whole volumes by sliding windows, with progress; the first volume's labels arrive, then the person
  // cancels the rest (three 96×96×48 volumes take minutes on a CPU) and training goes on.
  await page.getByTestId('predict-all').click();
  const progress = page.getByTestId('predict-progress');
  await expect(progress).toContainText(/Predicting \d+\/144 slices/);
  await expect(page.getByTestId('export-predictions')).toHaveText('Export (1)', { timeout: 150_000 });
  const predicted = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const [id, labels] = Object.entries(s.training.fullPredictions)[0]!;
    return { first: id === s.volumeOrder[0], voxels: labels.length, classes: [...new Set(labels)].every((v) => [0, 1, 2, 3].includes(v)) };
  });
  expect(predicted).toEqual({ first: true, voxels: 96 * 96 * 48, classes: true });
  await page.getByTestId('predict-cancel').click();
  await expect(progress).toContainText(/^Predicted \d+\/144 slices$/, { timeout: 60_000 });
  expect(Number((await progress.textContent())!.match(/(\d+)\//)![1])).toBeGreaterThanOrEqual(48);
  const stepAtCancel = Number(await status.getAttribute('data-step'));
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 60_000, intervals: [1000] }).toBeGreaterThan(stepAtCancel);

  await stopTraining(page);
  // The saved model remembers its network: Start offers to resume it with the 3D choice.
  await expect(page.getByTestId('checkpoint-info')).toContainText('Saved at step', { timeout: 60_000 });
  await expect(page.getByTestId('train-start')).toContainText('Resume');
});
