import { expect, test } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, shot, waitForSaved, waitForViewer } from './helpers.ts';

const TRAIN = join(DATASETS, 'monuseg/Train_Folder');

test("the demo shows each volume's description; an edit by keyboard survives a reload", async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  const box = page.getByLabel('Image description');
  await expect(box).toHaveAttribute('data-testid', 'volume-description');
  await expect(box).toHaveAttribute('title', /guides text-based pseudo-labels/i);
  const demoText = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    return s.volumes[s.activeVolumeId!]!.volume.description ?? '';
  });
  expect(demoText.length).toBeGreaterThan(10);
  await expect(box).toHaveValue(demoText);
  // Switching volumes shows the other volume's sentence.
  await page.getByTestId('volume-item').nth(1).locator('.volume-select').click();
  await expect(box).not.toHaveValue(demoText);
  await page.getByTestId('volume-item').nth(0).locator('.volume-select').click();
  await expect(box).toHaveValue(demoText);

  // Typing in the box is text, not shortcuts (E would pick the eraser); Escape hands the keyboard back.
  const toolBefore = await page.evaluate(() => window.__pseudolab!.store.getState().tools.tool);
  // The description's section starts folded (it gives its height to Review and Predict); open it to type.
  await page.getByTestId('section-toggle-description').click();
  await expect(box).toBeVisible();
  await box.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Edited: the lesion lies in the right lobe.');
  await expect(box).toHaveValue('Edited: the lesion lies in the right lobe.');
  expect(await page.evaluate(() => window.__pseudolab!.store.getState().tools.tool)).toBe(toolBefore);
  await page.keyboard.press('Escape');
  await expect(box).not.toBeFocused();
  await page.keyboard.press('e');
  expect(await page.evaluate(() => window.__pseudolab!.store.getState().tools.tool)).toBe('eraser');
  await shot(page, 'descriptions-demo-edited');

  await waitForSaved(page);
  await page.reload();
  await waitForViewer(page);
  await expect(page.getByLabel('Image description')).toHaveValue('Edited: the lesion lies in the right lobe.');
});

test("a MoNuSeg folder opens with its masks as Nucleus and each image's sentence from the CSV", async ({ page }) => {
  test.skip(!existsSync(join(TRAIN, 'Train_text.csv')), 'needs ../shared/datasets/monuseg; absent on this machine');
  // Two images of Train_Folder with their masks and the whole CSV and spreadsheet, in a temporary folder.
  const root = join(mkdtempSync(join(tmpdir(), 'pseudolab-monuseg-')), 'Train_Folder');
  mkdirSync(join(root, 'img'), { recursive: true });
  mkdirSync(join(root, 'labelcol'), { recursive: true });
  const names = readdirSync(join(TRAIN, 'img'))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(0, 2);
  for (const n of names) for (const sub of ['img', 'labelcol']) copyFileSync(join(TRAIN, sub, n), join(root, sub, n));
  for (const f of ['Train_text.csv', 'Train_text.xlsx']) copyFileSync(join(TRAIN, f), join(root, f));
  const sentence = new Map(
    readFileSync(join(TRAIN, 'Train_text.csv'), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((r) => [r.slice(0, r.indexOf(',')), r.slice(r.indexOf(',') + 1).trim()]),
  );

  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-folder').setInputFiles(root);
  await expect(page.getByTestId('volume-item')).toHaveCount(2);
  await waitForViewer(page);
  const box = page.getByTestId('volume-description');
  await expect(box).toHaveValue(sentence.get(names[0]!)!);
  await page.getByTestId('volume-item').nth(1).locator('.volume-select').click();
  await expect(box).toHaveValue(sentence.get(names[1]!)!);
  const classes = await page.getByTestId('class-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  expect(classes).toEqual(['Nucleus']);
  for (const item of await page.getByTestId('volume-item').all()) {
    const total = await item.getAttribute('data-total');
    await expect(item).toHaveAttribute('data-labeled', total!);
  }
  // The CSV lists all 24 images; the 22 that were not opened are named in one warning.
  await expect(page.getByTestId('app-message').filter({ hasText: 'Train_text.csv: describes 22 images that were not opened' })).toHaveCount(1);
  await shot(page, 'descriptions-monuseg');
});
