import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, shot, stopTraining, waitForViewer } from './helpers.ts';

/*
 * Text-guided training as a person runs it on the demo: describe a class in words, pick PromptSSL, watch the
 * vision–language model align (loss and retrieval figure), move on to segmentation, see the text mask and the
 * merged pseudo-label beside the teacher's, and edit a description while it trains. CPU backend, tiny model.
 */
test('edit a class description, pre-train, see the text-mask layers, train with promptssl, re-encode a new description', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('method-select').selectOption('promptssl');
  await expect(page.getByTestId('text-guidance')).toContainText('PromptSSL');

  // Describe the lesion in the user's own words before training.
  const lesion = page.getByTestId('class-item').nth(1);
  await lesion.getByRole('button', { name: 'Edit description' }).click();
  const position = lesion.getByTestId('class-position');
  await position.fill('inside the liver, near its lower edge');

  await page.getByTestId('train-start').click();
  const panel = page.getByTestId('text-guidance');
  await expect(panel).toHaveAttribute('data-phase', 'pretraining', { timeout: 60_000 });
  await expect.poll(async () => Number(await panel.getAttribute('data-vlm-step')), { timeout: 120_000 }).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('vlm-loss-chart').locator('polyline').first()).toBeVisible();
  await expect(page.getByTestId('vlm-progress')).toContainText('Pre-training');
  // The alignment figure: measured at step 0 and every 25 steps.
  await expect.poll(async () => (await panel.getAttribute('data-retrieval')) ?? '', { timeout: 120_000 }).not.toBe('');
  await shot(page, 'text-pretraining');

  await page.getByTestId('skip-pretraining').click();
  await expect(panel).toHaveAttribute('data-phase', 'training', { timeout: 60_000 });
  await expect(page.getByTestId('text-encoder')).toContainText('learned text encoder', { timeout: 60_000 });
  const encodedAt = await page.getByTestId('text-encoder').textContent();

  // Segmentation steps run with the text mask; the slice on screen gets its text layers.
  await expect.poll(async () => Number(await page.getByTestId('train-status').getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThanOrEqual(2);
  await expect
    .poll(
      async () =>
        page.evaluate(() => {
          const s = window.__pseudolab!.store.getState();
          const layer = s.training.predictions[s.activeVolumeId!];
          return layer?.text ? Array.from(layer.text.merged).some((v) => v !== 0) || Array.from(layer.text.labels).some((v) => v !== 0) : false;
        }),
      { timeout: 180_000 },
    )
    .toBe(true);
  // Look at an unlabeled slice, where the model's layers are all there is to see.
  await page.getByTestId('viewport-axial').hover();
  for (let n = 0; n < 4; n++) await page.keyboard.press('ArrowUp');
  await expect.poll(async () => Number(await page.getByTestId('train-status').getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThanOrEqual(15);
  await page.getByTestId('layer-pseudo').uncheck();
  await page.getByTestId('layer-text-mask').check();
  await page.getByTestId('layer-merged').check();
  await page.getByTestId('activation-class').selectOption({ label: 'Liver' });
  await expect(page.getByTestId('layer-activation')).toBeChecked();
  // The text layers hold values on the slice on screen: the merged pseudo-label and the liver text's activation.
  const onScreen = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    const layer = s.training.predictions[s.activeVolumeId!]!;
    const k = s.training.focus!.k;
    const per = 96 * 96;
    const slice = (a: Uint8Array) => a.subarray(k * per, (k + 1) * per);
    return {
      merged: Array.from(slice(layer.text!.merged)).some((v) => v !== 0),
      activation: Math.max(...slice(layer.text!.activation)),
    };
  });
  expect(onScreen.merged).toBe(true);
  expect(onScreen.activation).toBeGreaterThan(0);
  await shot(page, 'text-layers');

  // A new description while training: the prompts are re-encoded, training goes on.
  await position.fill('a small dark round spot inside the liver');
  await expect.poll(async () => page.getByTestId('text-encoder').textContent(), { timeout: 120_000 }).not.toBe(encodedAt);
  const step = Number(await page.getByTestId('train-status').getAttribute('data-step'));
  await expect.poll(async () => Number(await page.getByTestId('train-status').getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThan(step);
  // The learned encoder's vectors go out as a prompt bank…
  const download = page.waitForEvent('download');
  await page.getByTestId('export-prompt-bank').click();
  const bankPath = join(ARTIFACTS, 'prompt-bank.json');
  await (await download).saveAs(bankPath);
  const bank = JSON.parse(readFileSync(bankPath, 'utf8'));
  expect(bank.format).toBe('pseudolab-prompt-bank');
  // The lesion's edited description is among the prompts.
  expect(bank.entries.some((e: { text: string }) => e.text.includes('small dark round spot inside the liver'))).toBe(true);
  expect(bank.entries[0].vector).toHaveLength(bank.dim);
  await stopTraining(page, 60_000);

  // …and come back in as the import provider: the next run's text side is that bank, frozen.
  await page
    .getByTestId('prompt-bank-file')
    .setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something else"}') });
  await expect(page.getByTestId('app-error').filter({ hasText: 'notes.json' })).toHaveCount(1);
  await page.getByTestId('prompt-bank-file').setInputFiles(bankPath);
  await expect(page.getByTestId('app-message').filter({ hasText: 'Prompt bank loaded' })).toHaveCount(1);
  await expect(page.getByTestId('text-provider')).toHaveValue('import');
  await page.getByTestId('train-start').click();
  await expect(panel).toHaveAttribute('data-phase', 'pretraining', { timeout: 60_000 });
  await expect.poll(async () => Number(await panel.getAttribute('data-vlm-step')), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('skip-pretraining').click();
  await expect(page.getByTestId('text-encoder')).toContainText('import text encoder — prompt-bank.json', { timeout: 60_000 });
  await stopTraining(page, 60_000);
});

/*
 * The pretrained provider in a real page: a CLIP-family text model folder (here a tiny one the test writes, since no
 * pretrained weights can be installed on these machines) is picked, transformers.js runs it with the ONNX Runtime
 * the app serves itself — a request to any other host fails the test — and a PromptSSL run uses its vectors.
 */
test('a pretrained text model folder loads without leaving the machine and drives a promptssl run', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const { makeTinyClipTextModel } = await import('../src/text/encoders/testing/makeTinyClipTextModel.ts');
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { dirname: dirOf } = await import('node:path');
  const root = join(mkdtempSync(join(tmpdir(), 'pseudolab-clip-')), 'tiny-clip');
  const model = makeTinyClipTextModel({
    seed: 7,
    words: ['an', 'mr', 'scan', 'of', 'the', 'liver', 'lesion', 'vena', 'cava', 'background', 'which', 'lies', 'is', 'in', 'and', 'small', 'round', 'dark'],
  });
  for (const [path, bytes] of model.files) {
    mkdirSync(dirOf(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
  const offMachine: string[] = [];
  page.on('request', (r) => {
    const host = new URL(r.url()).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) offMachine.push(r.url());
  });
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('model-size-select').selectOption('tiny');
  await page.getByTestId('method-select').selectOption('promptssl');
  await page.getByTestId('pretrained-folder').setInputFiles(root);
  await expect(page.getByTestId('app-message').filter({ hasText: `Pretrained text encoder loaded (${model.projectionDim}-d)` })).toHaveCount(1, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('text-provider')).toHaveValue('pretrained');
  await page.getByTestId('train-start').click();
  const panel = page.getByTestId('text-guidance');
  await expect.poll(async () => Number(await panel.getAttribute('data-vlm-step')), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('skip-pretraining').click();
  await expect(page.getByTestId('text-encoder')).toContainText('pretrained text encoder — tiny-clip', { timeout: 60_000 });
  await stopTraining(page, 60_000);
  expect(offMachine).toEqual([]);
});
