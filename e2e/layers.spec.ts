import { expect, test, type Page } from '@playwright/test';
import { decode } from 'fast-png';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, openFreshApp, stopTraining } from './helpers.ts';

/*
 * Overlays that obey (issue 16): a model layer that is off leaves no pixel behind, the pseudo-label is drawn in its
 * class colour, and the confidence threshold hides what the model is unsure of.
 *
 * The pseudo-label is handed to the store as the worker would send it (one 'prediction' event for the slice on
 * screen) instead of training for minutes: what is under test is what the viewer draws from a prediction, and a
 * made-up one lets the journey choose which voxels are confident. The drawing path is the app's own from the
 * store onwards.
 */

interface Shot {
  width: number;
  height: number;
  rgb: Uint8Array;
}

async function grab(page: Page, testId: string): Promise<Shot> {
  const png = decode(await page.getByTestId(testId).screenshot());
  const n = png.width * png.height;
  const rgb = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = png.data[p * png.channels + c]!;
  return { width: png.width, height: png.height, rgb };
}

/** Pixels whose colour differs by more than `tolerance` in some channel. */
function differing(a: Shot, b: Shot, tolerance = 2): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let count = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(a.rgb[p * 3 + c]! - b.rgb[p * 3 + c]!) > tolerance) {
        count++;
        break;
      }
    }
  }
  return count;
}

/** Mean colour change of the pixels that changed from `base` to `shot`. */
function meanChange(shot: Shot, base: Shot): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < shot.width * shot.height; p++) {
    const d = [0, 1, 2].map((c) => shot.rgb[p * 3 + c]! - base.rgb[p * 3 + c]!);
    if (d.every((v) => Math.abs(v) <= 2)) continue;
    n++;
    for (let c = 0; c < 3; c++) sum[c]! += d[c]!;
  }
  return sum.map((v) => v / Math.max(1, n)) as [number, number, number];
}

/** Mean colour change from `base` to `shot` over the pixels where `marker` differs from `base`. */
function meanChangeWhere(shot: Shot, base: Shot, marker: Shot): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < shot.width * shot.height; p++) {
    if ([0, 1, 2].every((c) => Math.abs(marker.rgb[p * 3 + c]! - base.rgb[p * 3 + c]!) <= 2)) continue;
    n++;
    for (let c = 0; c < 3; c++) sum[c]! += shot.rgb[p * 3 + c]! - base.rgb[p * 3 + c]!;
  }
  return sum.map((v) => v / Math.max(1, n)) as [number, number, number];
}

/** A screenshot once drawing has settled: two in a row that agree. */
async function settled(page: Page, testId: string, name?: string): Promise<Shot> {
  let last = await grab(page, testId);
  for (let tries = 0; tries < 20; tries++) {
    await page.waitForTimeout(250);
    const next = await grab(page, testId);
    if (differing(last, next, 0) === 0) {
      if (name) await page.getByTestId(testId).screenshot({ path: join(ARTIFACTS, `${name}.png`) });
      return next;
    }
    last = next;
  }
  throw new Error(`${testId} kept changing`);
}

/**
 * Sends a pseudo-label for slice `k`: a square of class 2 the model is sure of (confidence 0.96) and a square of
 * class 1 it is not (confidence 0.29), both inside the image.
 */
async function sendPrediction(page: Page, k: number, withText = false): Promise<void> {
  await page.evaluate(
    ([slice, text]) => {
      const store = window.__pseudolab!.store;
      const s = store.getState();
      const id = s.activeVolumeId!;
      const [w, h] = s.volumes[id]!.labels.dims;
      const labels = new Uint8Array(w * h);
      const uncertainty = new Uint8Array(w * h);
      for (let j = Math.round(h * 0.3); j < Math.round(h * 0.6); j++) {
        for (let i = Math.round(w * 0.1); i < Math.round(w * 0.4); i++) {
          labels[j * w + i] = 2;
          uncertainty[j * w + i] = 10;
        }
        for (let i = Math.round(w * 0.55); i < Math.round(w * 0.85); i++) {
          labels[j * w + i] = 1;
          uncertainty[j * w + i] = 180;
        }
      }
      // Text presets' layers: a text mask and a merged pseudo-label as blocks below the squares, and the first class's
      // activation as a left-to-right ramp (one plane per foreground class).
      const block = (value: number, from: number, to: number): Uint8Array => {
        const m = new Uint8Array(w * h);
        for (let j = Math.round(h * 0.65); j < Math.round(h * 0.8); j++) m.fill(value, j * w + Math.round(w * from), j * w + Math.round(w * to));
        return m;
      };
      const activation = new Uint8Array(w * h * s.classes.length);
      for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) activation[j * w + i] = Math.round((255 * i) / (w - 1));
      s.setTrainingPatch({ trainedClasses: s.classes.map((c) => ({ value: c.value, name: c.name })) });
      s.applyTrainingEvent({
        type: 'prediction',
        volumeId: id,
        k: slice as number,
        step: text ? 2 : 1,
        labels,
        uncertainty,
        text: text ? { labels: block(3, 0.1, 0.45), merged: block(1, 0.55, 0.9), activation } : null,
      });
    },
    [k, withText] as const,
  );
}

test('a layer that is off draws nothing; the threshold hides unsure pixels; pseudo-labels in class colours', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await openFreshApp(page);
  await page.mouse.move(0, 0);
  const k = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  const list = page.getByTestId('layers-panel');
  await expect(list).toBeVisible();
  for (const id of ['layer-pseudo', 'layer-uncertainty', 'layer-predictions', 'layer-text-mask', 'layer-merged', 'layer-activation']) {
    await expect(list.getByTestId(id)).toBeVisible();
    // Each switch names its shortcut.
    await expect(list.getByTestId(id).locator('xpath=..')).toHaveAttribute('title', /Shift\+[A-Z]/);
  }

  const base = await settled(page, 'viewport-axial', 'layers-0-no-prediction');
  const baseCoronal = await settled(page, 'viewport-coronal');
  const baseSagittal = await settled(page, 'viewport-sagittal');

  // Threshold 0: both squares drawn.
  await page.getByTestId('confidence-threshold').fill('0');
  await expect(page.getByTestId('confidence-threshold-value')).toHaveText('0 %');
  await sendPrediction(page, k);
  const all = await settled(page, 'viewport-axial', 'layers-1-pseudo-threshold-0');
  const drawnAll = differing(all, base);
  expect(drawnAll).toBeGreaterThan(200);

  // Threshold 0.9: only the confident square stays.
  await page.getByTestId('confidence-threshold').fill('0.9');
  const sure = await settled(page, 'viewport-axial', 'layers-2-pseudo-threshold-0.9');
  const drawnSure = differing(sure, base);
  expect(drawnSure).toBeGreaterThan(100);
  expect(differing(all, sure)).toBeGreaterThan(100);
  expect(drawnSure).toBeLessThan(drawnAll * 0.75);
  // What is left is class 2 in its own colour (green in the demo's legend), not a yellow/orange heat map.
  const [dr, dg, db] = meanChange(sure, base);
  expect(dg).toBeGreaterThan(dr);
  expect(dg).toBeGreaterThan(db);

  // A new colour for the class in the legend recolours its pseudo-label (blue for the same pixels), and back.
  const colour = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const before = s.classes.find((c) => c.value === 2)!.color;
    s.updateClass(2, { color: [0, 90, 255] });
    return before;
  });
  const blue = await settled(page, 'viewport-axial', 'layers-2b-class-recoloured');
  const [br, bg, bb] = meanChangeWhere(blue, base, sure);
  expect(bb).toBeGreaterThan(bg);
  expect(bb).toBeGreaterThan(br);
  await page.evaluate((c) => window.__pseudolab!.store.getState().updateClass(2, { color: c }), colour);
  expect(differing(await settled(page, 'viewport-axial'), sure)).toBe(0);

  // Off: not a pixel of it, in any view.
  await page.getByTestId('layer-pseudo').uncheck();
  const off = await settled(page, 'viewport-axial', 'layers-3-pseudo-off');
  expect(differing(off, base, 0)).toBe(0);
  expect(differing(await settled(page, 'viewport-coronal'), baseCoronal, 0)).toBe(0);

  // The uncertainty heat map answers its shortcut, on and off again.
  await page.keyboard.press('Shift+U');
  await expect(page.getByTestId('layer-uncertainty')).toBeChecked();
  const heat = await settled(page, 'viewport-axial', 'layers-4-uncertainty-on');
  expect(differing(heat, base)).toBeGreaterThan(100);
  await page.keyboard.press('Shift+U');
  await expect(page.getByTestId('layer-uncertainty')).not.toBeChecked();
  expect(differing(await settled(page, 'viewport-axial'), base, 0)).toBe(0);

  // "Predict all"'s result is a layer of its own (Shift+R): drawn when on, gone when off.
  await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const id = s.activeVolumeId!;
    const [w, h, d] = s.volumes[id]!.labels.dims;
    const labels = new Uint8Array(w * h * d);
    for (let k = 0; k < d; k++)
      for (let j = Math.round(h * 0.65); j < Math.round(h * 0.8); j++)
        labels.fill(3, k * w * h + j * w + Math.round(w * 0.3), k * w * h + j * w + Math.round(w * 0.7));
    s.applyTrainingEvent({ type: 'predictAllVolume', volumeId: id, labels });
  });
  await expect(page.getByTestId('layer-row-predictions')).not.toHaveClass(/empty/);
  await page.keyboard.press('Shift+R');
  await expect(page.getByTestId('layer-predictions')).toBeChecked();
  expect(differing(await settled(page, 'viewport-axial', 'layers-4b-predictions-on'), base)).toBeGreaterThan(100);
  // A whole-volume layer shows in the other views too (the sagittal plane crosses the block).
  expect(differing(await settled(page, 'viewport-sagittal'), baseSagittal)).toBeGreaterThan(100);
  await page.keyboard.press('Shift+R');
  expect(differing(await settled(page, 'viewport-axial'), base, 0)).toBe(0);
  expect(differing(await settled(page, 'viewport-sagittal'), baseSagittal, 0)).toBe(0);

  // The text presets' layers, each on and off: the text mask (Shift+T), the merged pseudo-label (Shift+M), and one
  // class's activation (chosen by name, then Shift+H hides it).
  await sendPrediction(page, k, true);
  await expect(page.getByTestId('layer-row-textMask')).not.toHaveClass(/empty/);
  for (const [key, id] of [
    ['Shift+T', 'layer-text-mask'],
    ['Shift+M', 'layer-merged'],
  ] as const) {
    await page.keyboard.press(key);
    await expect(page.getByTestId(id)).toBeChecked();
    expect(differing(await settled(page, 'viewport-axial', `layers-4c-${id}-on`), base)).toBeGreaterThan(100);
    await page.keyboard.press(key);
    await expect(page.getByTestId(id)).not.toBeChecked();
    expect(differing(await settled(page, 'viewport-axial'), base, 0)).toBe(0);
  }
  await page.getByTestId('activation-class').selectOption({ index: 1 });
  await expect(page.getByTestId('layer-activation')).toBeChecked();
  expect(differing(await settled(page, 'viewport-axial', 'layers-4d-activation-on'), base)).toBeGreaterThan(100);
  await page.keyboard.press('Shift+H');
  await expect(page.getByTestId('layer-activation')).not.toBeChecked();
  expect(differing(await settled(page, 'viewport-axial'), base, 0)).toBe(0);

  // Back on with Shift+P, at a lower opacity: drawn again, fainter.
  await page.keyboard.press('Shift+P');
  await expect(page.getByTestId('layer-pseudo')).toBeChecked();
  const again = await settled(page, 'viewport-axial');
  expect(differing(again, sure)).toBe(0);
  await page.getByTestId('layer-pseudo-opacity').fill('0.3');
  const faint = await settled(page, 'viewport-axial');
  expect(differing(faint, base)).toBeGreaterThan(0);
  expect(differing(faint, again)).toBeGreaterThan(0);

  // The shortcut help lists every layer's key and the threshold keys.
  await page.keyboard.press('?');
  const help = page.getByTestId('shortcuts-help');
  for (const k of ['Shift+P / Shift+U', 'Shift+R', 'Shift+T / Shift+M / Shift+H', '{ and }']) await expect(help).toContainText(k);
  await page.screenshot({ path: join(ARTIFACTS, 'layers-help.png') });
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  // The settings survive a reload.
  await page.reload();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('confidence-threshold-value')).toHaveText('90 %');
  await expect(page.getByTestId('layer-pseudo-opacity')).toHaveValue('0.3');
  await page.screenshot({ path: join(ARTIFACTS, 'layers-5-page.png') });
  writeFileSync(join(ARTIFACTS, 'layers-counts.json'), JSON.stringify({ drawnAll, drawnSure }));
});

/** The step of the model's latest prediction for the slice on screen, −1 before the first. */
async function focusedStep(page: Page): Promise<number> {
  return page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    return f && layer ? layer.sliceStep[f.k]! : -1;
  });
}

/*
 * The same with a real model: while it trains, a switched-off pseudo-label leaves the view exactly as it was
 * before training, and once stopped the threshold decides what is drawn. WebAssembly and the tiny model, so a
 * step takes seconds.
 */
test('with a real model training, a switched-off pseudo-label leaves the view untouched', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await openFreshApp(page);
  await page.mouse.move(0, 0);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('layer-pseudo').uncheck();
  const base = await settled(page, 'viewport-axial');

  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect.poll(() => focusedStep(page), { timeout: 6 * 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(1);
  await page.mouse.move(0, 0);
  expect(differing(await settled(page, 'viewport-axial', 'layers-6-training-pseudo-off'), base, 0)).toBe(0);

  await stopTraining(page, 60_000);
  await page.getByTestId('layer-pseudo').check();
  await page.getByTestId('confidence-threshold').fill('0');
  const all = await settled(page, 'viewport-axial', 'layers-7-trained-threshold-0');
  expect(differing(all, base)).toBeGreaterThan(0);
  await page.getByTestId('confidence-threshold').fill('0.5');
  const usual = await settled(page, 'viewport-axial', 'layers-7b-trained-threshold-0.5');
  expect(differing(usual, base)).toBeLessThanOrEqual(differing(all, base));
  await page.getByTestId('confidence-threshold').fill('0.9');
  const sure = await settled(page, 'viewport-axial', 'layers-8-trained-threshold-0.9');
  // An early model is unsure of much of what it labels: a strict threshold draws less of it.
  expect(differing(all, sure)).toBeGreaterThan(0);
  await page.getByTestId('layer-pseudo').uncheck();
  expect(differing(await settled(page, 'viewport-axial'), base, 0)).toBe(0);
});
