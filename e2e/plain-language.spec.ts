import { expect, test, type Page } from '@playwright/test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, DATASETS, hasDatasets, NO_DATASETS, openFreshApp, shot, stopTraining, waitForViewer } from './helpers.ts';

/**
 * Every console error, uncaught page error and reported exception from now on, as text. cornerstone's synchronizers
 * catch what their handlers throw and log it as a warning ("Synchronizer, for: … TypeError: …"), so warnings that
 * carry an error count too.
 */
function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || (m.type() === 'warning' && /\b\w*Error\b/.test(m.text()))) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return errors;
}

test('no console errors on opening the demo and then a NIfTI', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  const errors = collectConsoleErrors(page);
  await page.goto('/');
  await waitForViewer(page);
  await page.waitForTimeout(1000);
  expect(errors, 'console errors on opening the demo').toEqual([]);
  await page.getByTestId('open-files').setInputFiles(join(DATASETS, 'hippocampus/imagesTr/hippocampus_003.nii.gz'));
  await expect(page.getByTestId('volume-item').first()).toContainText('hippocampus_003');
  await waitForViewer(page);
  await page.waitForTimeout(1000);
  await shot(page, 'plain-nifti-open');
  expect(errors, 'console errors on opening a NIfTI').toEqual([]);
});

test('the status bar shows the window as width and level, and Shift+drag changes them', async ({ page }) => {
  await openFreshApp(page);
  const wl = page.getByTestId('window-level');
  await expect(wl).toHaveText(/^W \d+ L -?\d+$/);
  const read = async () => {
    const [, w, l] = (await wl.textContent())!.match(/^W (\d+) L (-?\d+)$/)!;
    const [, lower, upper] = (await wl.getAttribute('title'))!.match(/intensities (-?[\d.]+) to (-?[\d.]+)/)!;
    return { w: Number(w), l: Number(l), lower: Number(lower), upper: Number(upper) };
  };
  const before = await read();
  // Width and level agree with the range the tooltip names: W = upper − lower, L = their middle.
  expect(before.w).toBeGreaterThan(0);
  expect(Math.abs(before.w - (before.upper - before.lower))).toBeLessThanOrEqual(1);
  expect(Math.abs(before.l - (before.upper + before.lower) / 2)).toBeLessThanOrEqual(1);
  const box = (await page.getByTestId('viewport-axial').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect.poll(async () => (await read()).w).not.toBe(before.w);
  await page.getByTestId('status-bar').screenshot({ path: join(ARTIFACTS, 'plain-status-bar.png') });
});

test('dragging up with the zoom tool zooms in, as in OHIF', async ({ page }) => {
  await openFreshApp(page);
  const zoomOf = () =>
    page.evaluate(() => {
      const s = window.__pseudolab!.store.getState();
      return s.volumes[s.activeVolumeId!]!.view?.zoom.axial ?? null;
    });
  const box = (await page.getByTestId('viewport-axial').boundingBox())!;
  // The view state (parallel scale per view) is saved 1.5 s after the camera settles.
  await page.keyboard.press('ArrowUp');
  await expect.poll(zoomOf, { timeout: 10_000 }).not.toBeNull();
  const before = (await zoomOf())!;
  await page.getByTestId('tool-zoom').click();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 8 });
  await page.mouse.up();
  // A smaller parallel scale shows less of the world in the same view: zoomed in.
  await expect.poll(async () => (await zoomOf())!, { timeout: 10_000 }).toBeLessThan(before * 0.9);
  await shot(page, 'plain-zoomed-in');
});

test('the brush size is in pixels on an image without physical spacing, in mm on a scan', async ({ page }) => {
  const monuseg = join(DATASETS, 'monuseg/Train_Folder/img');
  test.skip(!existsSync(monuseg), 'needs ../shared/datasets/monuseg; absent on this machine');
  await openFreshApp(page);
  await expect(page.getByTestId('brush-size-unit')).toHaveText('mm');
  await expect(page.getByLabel('Brush size in millimetres')).toBeVisible();
  const png = join(monuseg, readdirSync(monuseg).filter((f) => f.endsWith('.png'))[0]!);
  await page.getByTestId('open-files').setInputFiles(png);
  await expect(page.getByTestId('viewport-coronal')).toBeHidden();
  await waitForViewer(page);
  await expect(page.getByTestId('brush-size-unit')).toHaveText('px');
  await expect(page.getByTestId('image-size')).toHaveText('1000×1000 px');
  await page.getByLabel('Brush size in pixels').fill('24');
  expect(await page.evaluate(() => window.__pseudolab!.store.getState().tools.brushSizeMm)).toBe(24);
  await expect(page.getByTestId('brush-size')).toHaveValue('24');
  await shot(page, 'plain-brush-px');
});

test('training on WebAssembly shows its memory as the WebAssembly heap, not GPU memory', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await openFreshApp(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('train-start').click();
  const line = page.getByTestId('memory-line');
  await expect(line).toContainText(/^Memory: trains at batch [\d +]+, \d+² patch, width \d+: ≈ [\d.]+ [MG]iB of the [\d.]+ GiB WebAssembly heap$/, {
    timeout: 120_000,
  });
  await expect(line).not.toContainText('GPU');
  await expect(page.getByTestId('memory-estimate')).toHaveAttribute('data-pool', 'wasm-heap');
  await page.getByTestId('memory-estimate').screenshot({ path: join(ARTIFACTS, 'plain-memory-wasm.png') });
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await stopTraining(page, 120_000);
});

test('the text-guided panels speak plainly and say when the descriptions cannot help yet', async ({ page }) => {
  await openFreshApp(page);
  const panel = page.getByTestId('text-guidance');
  const readiness = page.getByTestId('text-readiness');
  await page.getByTestId('method-select').selectOption('tak');
  await expect(readiness).toHaveAttribute('data-level', 'none');
  await expect(readiness).toContainText('Your class descriptions are not used meaningfully yet: the text encoder made here is untrained');
  await expect(readiness).toContainText('pretrained text model folder');
  // Paper symbols live in tooltips, not in the sentences.
  await expect(panel.locator('.hint').first()).not.toContainText('L_con');
  await expect(panel.locator('.hint').first()).not.toContainText('controller');
  await expect(panel.locator('abbr[title*="L_con"]')).toHaveCount(1);
  await panel.screenshot({ path: join(ARTIFACTS, 'plain-tak-text.png') });

  await page.getByTestId('method-select').selectOption('promptssl');
  await expect(readiness).toHaveAttribute('data-level', 'none');
  await expect(readiness).toContainText('not used meaningfully yet: the text encoder is untrained');
  await expect(panel.locator('.hint').first()).not.toContainText('GLsc');
  await expect(panel.locator('abbr[title*="GLsc"]')).toHaveCount(1);
  await panel.screenshot({ path: join(ARTIFACTS, 'plain-promptssl-text.png') });
});
