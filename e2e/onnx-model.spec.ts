import { expect, test, type Page } from '@playwright/test';
import { decode } from 'fast-png';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, shot, waitForViewer } from './helpers.ts';

/*
 * A model trained elsewhere (issue 19 item 4): an ONNX file and its sidecar are imported in the Training panel, the
 * model's pseudo-label appears on the slice on screen (drawn, and gone with its layer switched off), and Predict all
 * labels the volume through it. The model is the test suite's own tiny one (src/train/onnx/testing/tiny_onnx.py,
 * written by python3-onnx): a 1×1 convolution whose classes follow intensity.
 */

function hasOnnxPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The axial view's pixels. A message arriving between two screenshots (on a slow machine the model's "is ready"
 * message can come after its first pseudo-label) takes height from the view and shifts every row, so each screenshot first clears the message area and logs
 * what it held: the comparisons below are about the pseudo-label layer, not the messages.
 */
async function pixels(page: Page): Promise<Uint8Array> {
  const cleared = await page.evaluate(() => {
    const store = window.__pseudolab!.store;
    const texts = store.getState().messages.map((m) => m.text);
    if (texts.length > 0) store.setState({ messages: [] });
    return texts;
  });
  if (cleared.length > 0) console.log(`cleared before a screenshot: ${cleared.join(' | ')}`);
  return decode(await page.getByTestId('viewport-axial').screenshot()).data as Uint8Array;
}

/** The axial view once two screenshots in a row agree. */
async function settled(page: Page): Promise<Uint8Array> {
  let last = await pixels(page);
  for (let n = 0; n < 20; n++) {
    await page.waitForTimeout(300);
    const next = await pixels(page);
    if (next.length === last.length && next.every((v, i) => v === last[i])) return next;
    last = next;
  }
  throw new Error('the axial view kept changing');
}

const changed = (a: Uint8Array, b: Uint8Array): number => {
  expect(a.length, 'both screenshots have the same size').toBe(b.length);
  return a.reduce((n, v, i) => n + (Math.abs(v - b[i]!) > 2 ? 1 : 0), 0);
};

test.skip(!hasOnnxPython(), 'needs /usr/bin/python3 with python3-onnx (Debian) to write the test model');

test('an ONNX model with its sidecar: pseudo-labels on screen, layer switch, predict all', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'pseudolab-onnx-e2e-'));
  execFileSync('/usr/bin/python3', [join(REPO, 'src/train/onnx/testing/tiny_onnx.py'), dir]);
  writeFileSync(
    join(dir, 'tiny2d.json'),
    JSON.stringify({ dimensions: 2, patch: [32, 32], classes: [{ value: 1 }, { value: 2 }], normalisation: { kind: 'zscore-per-image' } }),
  );

  await page.goto('/');
  await waitForViewer(page);
  await expect(page.getByTestId('import-onnx')).toHaveAttribute('title', /MODEL\.onnx and its sidecar MODEL\.json/);
  await page.getByTestId('import-onnx-files').setInputFiles([join(dir, 'tiny2d.onnx'), join(dir, 'tiny2d.json')]);
  await expect(page.getByTestId('onnx-model-info')).toContainText('tiny2d.onnx (in use): 2D model, windows 32×32, 2 classes', { timeout: 60_000 });

  // The slice on screen gets the model's answer (step 0: an imported model does not train), and it is drawn.
  const k = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  await expect
    .poll(
      () =>
        page.evaluate((k) => {
          const s = window.__pseudolab!.store.getState();
          return s.training.predictions[s.activeVolumeId!]?.sliceStep[k] ?? -1;
        }, k),
      { timeout: 60_000 },
    )
    .toBe(0);
  const drawn = await settled(page);
  await shot(page, 'onnx-1-pseudo-label');
  await expect(page.getByTestId('training-panel')).toContainText('Pseudo-label from tiny2d.onnx.');
  await page.keyboard.press('Shift+P');
  await expect(page.getByTestId('layer-pseudo')).not.toBeChecked();
  const off = await settled(page);
  expect(changed(drawn, off)).toBeGreaterThan(500);
  await page.keyboard.press('Shift+P');
  expect(changed(await settled(page), drawn)).toBe(0);

  // Predict all runs the imported model over every slice of every volume; Export then has something to write.
  await page.getByTestId('predict-all').click();
  await expect(page.getByTestId('predict-progress')).toContainText(/Predicted (\d+)\/\1 slices/, { timeout: 3 * 60_000 });
  await expect(page.getByTestId('export-predictions')).toBeEnabled();
  const classes = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    return [...new Set(s.training.fullPredictions[s.activeVolumeId!] ?? [])].sort();
  });
  expect(classes).toEqual([0, 1, 2]);
  await shot(page, 'onnx-2-predict-all');

  // Stop using it: the panel says so, and Start is free again.
  await page.getByTestId('close-onnx').click();
  await expect(page.getByTestId('onnx-model-info')).toHaveCount(0);
});
