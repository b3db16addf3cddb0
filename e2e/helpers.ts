import { expect, type Page } from '@playwright/test';
import { decode } from 'fast-png';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..');
/** Real data lives beside the project, never inside it. */
export const DATASETS = resolve(REPO, '..', 'shared', 'datasets');
export const ARTIFACTS = join(REPO, 'e2e-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export function hasDatasets(): boolean {
  return existsSync(join(DATASETS, 'hippocampus')) && existsSync(join(DATASETS, 'dicom'));
}
export const NO_DATASETS = 'needs ../shared/datasets (hippocampus and dicom); absent on this machine';

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Opens the app as a first-time visitor: every Playwright test has its own context, so storage is empty. */
export async function openFreshApp(page: Page): Promise<void> {
  await page.goto('/');
  await waitForViewer(page);
}

/** The viewer is up and shows the active volume with slices reported. */
export async function waitForViewer(page: Page): Promise<void> {
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await page.waitForFunction(() => {
    const s = window.__pseudolab?.store.getState();
    return !!s && s.activeVolumeId !== null;
  });
  await expect(page.getByTestId('viewport-axial')).toBeVisible();
  // Slices are reported once the volume is on screen.
  await page.waitForFunction(
    () => document.querySelector('[data-testid^="slice-scroller-"][data-current]') !== null || document.querySelector('.view-single:not(.hidden)') !== null,
    null,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(300);
}

/** Pixel statistics of what a viewport shows, from a real screenshot (WebGL canvases read back blank). */
export async function viewportStats(page: Page, testId: string): Promise<{ mean: number; std: number; distinct: number }> {
  const png = decode(await page.getByTestId(testId).screenshot());
  const { data, channels } = png;
  let sum = 0;
  let sum2 = 0;
  const seen = new Set<number>();
  const n = png.width * png.height;
  for (let p = 0; p < n; p++) {
    const v = (data[p * channels]! + data[p * channels + 1]! + data[p * channels + 2]!) / 3;
    sum += v;
    sum2 += v * v;
    seen.add(Math.round(v));
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), distinct: seen.size };
}

/** A brush stroke across the middle of a viewport, as a person drags the mouse. */
export async function paintStroke(page: Page, testId: string, fromFrac = [0.45, 0.5], toFrac = [0.55, 0.52]): Promise<void> {
  const box = (await page.getByTestId(testId).boundingBox())!;
  const x0 = box.x + box.width * fromFrac[0]!;
  const y0 = box.y + box.height * fromFrac[1]!;
  const x1 = box.x + box.width * toFrac[0]!;
  const y1 = box.y + box.height * toFrac[1]!;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  const steps = 12;
  for (let s = 1; s <= steps; s++) await page.mouse.move(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
  await page.mouse.up();
  await page.waitForTimeout(200);
}

export interface ActiveSummary {
  id: string;
  name: string;
  dims: [number, number, number];
  labeledK: number[];
  labeledJ: number[];
  labeledI: number[];
  painted: number;
  version: number;
}

/** Reads the active volume's label state: the oracle for what the UI did. */
export async function activeSummary(page: Page): Promise<ActiveSummary> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const e = s.volumes[s.activeVolumeId!]!;
    const list = (a: Uint8Array) => [...a].flatMap((v, n) => (v ? [n] : []));
    let painted = 0;
    for (const v of e.labels.voxels) if (v) painted++;
    return {
      id: e.volume.id,
      name: e.volume.name,
      dims: e.volume.geometry.dims,
      labeledK: list(e.labels.slices[2]),
      labeledJ: list(e.labels.slices[1]),
      labeledI: list(e.labels.slices[0]),
      painted,
      version: e.labelsVersion,
    };
  });
}

export async function waitForSaved(page: Page): Promise<void> {
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 20_000 });
}

/**
 * Where the training worker's run is (TrainingSession.debugState), asked of the worker itself. A worker blocked in
 * synchronous code cannot answer: that is reported too, after a few seconds, so a failing journey says which.
 */
export async function trainingWorkerDiagnosis(page: Page): Promise<string> {
  const worker = page.workers().find((w) => /trainingWorker/.test(w.url()));
  if (!worker)
    return `no training worker is running (workers: ${
      page
        .workers()
        .map((w) => w.url())
        .join(', ') || 'none'
    })`;
  const answer = worker
    .evaluate(() => (self as unknown as { __pseudolabTraining?: () => unknown }).__pseudolabTraining?.() ?? 'no session')
    .then((s) => `worker answers: ${JSON.stringify(s)}`)
    .catch((e: unknown) => `worker could not be asked: ${(e as Error).message}`);
  const blocked = new Promise<string>((resolve) => setTimeout(() => resolve('worker does not answer within 5 s: it is blocked in synchronous code'), 5_000));
  return Promise.race([answer, blocked]);
}

/**
 * Presses Stop and expects the worker itself to say 'stopped' well before the app's 30 s grace period would end it;
 * a failure names where the worker's run was.
 */
export async function stopTraining(page: Page, withinMs = 25_000): Promise<void> {
  await page.getByTestId('train-stop').click();
  try {
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', { timeout: withinMs });
  } catch (e) {
    throw new Error(`${(e as Error).message}\nTraining worker: ${await trainingWorkerDiagnosis(page)}`);
  }
  await expect(page.getByText(/did not answer Stop/)).toHaveCount(0);
}
