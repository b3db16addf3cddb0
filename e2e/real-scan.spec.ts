import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DATASETS, paintStroke, shot, stopTraining, trainingWorkerDiagnosis, waitForViewer } from './helpers.ts';

/*
 * A real scan with every training setting on Auto: the 512² MR series from TCIA, two painted strokes, Start. Unfitted,
 * the defaults would ask for ~9 GiB of WebAssembly heap and the engine would abort in the first step, so the run must
 * be fitted to the backend before it starts (train/memoryEstimate2D.ts), and the panel must say at what size it trains.
 */
const SERIES = join(DATASETS, 'dicom', 'mr-brain-t1post');
const ABSENT = `needs ${SERIES} (the shared datasets); absent on this machine`;

async function openSeriesAndPaintTwoSlices(page: Page): Promise<void> {
  await page.goto('/');
  await waitForViewer(page);
  const files = readdirSync(SERIES)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(SERIES, f));
  await page.getByTestId('open-files').setInputFiles(files);
  await waitForViewer(page);
  await expect
    .poll(() =>
      page.evaluate(() => window.__pseudolab!.store.getState().volumes[window.__pseudolab!.store.getState().activeVolumeId!]!.volume.geometry.dims.join('×')),
    )
    .toBe('512×512×22');
  await paintStroke(page, 'viewport-axial');
  for (let n = 0; n < 3; n++) await page.keyboard.press('ArrowUp');
  await page.waitForTimeout(300);
  await paintStroke(page, 'viewport-axial', [0.4, 0.45], [0.5, 0.5]);
  const labeled = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    return [...s.volumes[s.activeVolumeId!]!.labels.slices[2]].filter((p) => p !== 0).length;
  });
  expect(labeled).toBe(2);
}

/** The step of the newest pseudo-label on the real scan (any slice), -1 when none yet. */
function newestPrediction(page: Page): Promise<number> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const layer = s.training.predictions[s.activeVolumeId!];
    return layer ? Math.max(...Array.from(layer.sliceStep)) : -1;
  });
}

test.describe('a real 512² scan trains with the defaults', () => {
  test.skip(!existsSync(SERIES), ABSENT);

  test('WebAssembly: at least 20 steps, no error, a pseudo-label on screen, and the fitted size in the panel', async ({ page }) => {
    test.setTimeout(12 * 60_000);
    await openSeriesAndPaintTwoSlices(page);
    await page.getByTestId('backend-select').selectOption('wasm');
    await page.getByTestId('train-start').click();
    const status = page.getByTestId('train-status');
    await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
    await expect(page.getByTestId('memory-line')).toContainText(/trains at batch \d \+ \d, \d+² patch/, { timeout: 60_000 });
    await expect(page.getByTestId('memory-line')).toContainText('WebAssembly heap');
    try {
      await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 8 * 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(20);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await page.getByTestId('training-panel').innerText()}\n${await trainingWorkerDiagnosis(page)}`);
    }
    await expect(page.getByTestId('train-error')).toHaveCount(0);
    await expect(page.getByTestId('app-error')).toHaveCount(0);
    await expect(status).toHaveAttribute('data-status', 'running');
    await expect.poll(() => newestPrediction(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    await shot(page, 'real-scan-wasm');
    await stopTraining(page, 120_000);
  });

  test('WebGPU (SwiftShader here): a few steps with no error', async ({ page }) => {
    // On SwiftShader a 256² step of even the tiny model takes minutes on a shared 2-core machine: far past CI's budget.
    test.skip(!process.env.PSEUDOLAB_E2E_SLOW, 'slow on a software GPU (SwiftShader: minutes per 256² step); runs only with PSEUDOLAB_E2E_SLOW=1');
    test.setTimeout(30 * 60_000);
    await openSeriesAndPaintTwoSlices(page);
    await page.getByTestId('backend-select').selectOption('webgpu');
    const t0 = Date.now();
    await page.getByTestId('train-start').click();
    const status = page.getByTestId('train-status');
    await expect(status).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
    await expect(page.getByTestId('memory-line')).toContainText(/trains at batch/, { timeout: 60_000 });
    const stepAt = async (n: number): Promise<number> => {
      try {
        await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 20 * 60_000, intervals: [3000] }).toBeGreaterThanOrEqual(n);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${await page.getByTestId('training-panel').innerText()}\n${await trainingWorkerDiagnosis(page)}`);
      }
      return Date.now();
    };
    const first = await stepAt(1);
    const third = await stepAt(3);
    console.log(
      `real scan on WebGPU: first step after ${((first - t0) / 1000).toFixed(0)} s, then ${((third - first) / 2000).toFixed(0)} s/step; ${await trainingWorkerDiagnosis(page)}`,
    );
    await expect(page.getByTestId('train-error')).toHaveCount(0);
    await expect(page.getByTestId('app-error')).toHaveCount(0);
    await shot(page, 'real-scan-webgpu');
    await stopTraining(page, 600_000);
  });
});
