import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, hasDatasets, NO_DATASETS, shot, waitForViewer } from './helpers.ts';

test('a Decathlon dataset folder opens with its labels and class names', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  // A three-case copy of the hippocampus dataset in a temporary folder (never inside the repository).
  const src = join(DATASETS, 'hippocampus');
  const root = join(mkdtempSync(join(tmpdir(), 'pseudolab-msd-')), 'Task04_Hippocampus');
  mkdirSync(join(root, 'imagesTr'), { recursive: true });
  mkdirSync(join(root, 'labelsTr'), { recursive: true });
  const meta = JSON.parse(readFileSync(join(src, 'dataset.json'), 'utf8'));
  meta.training = meta.training.slice(0, 3);
  meta.numTraining = 3;
  writeFileSync(join(root, 'dataset.json'), JSON.stringify(meta, null, 1));
  for (const { image, label } of meta.training as { image: string; label: string }[]) {
    copyFileSync(join(src, image), join(root, image));
    copyFileSync(join(src, label), join(root, label));
  }
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-folder').setInputFiles(root);
  await expect(page.getByTestId('volume-item')).toHaveCount(3);
  await waitForViewer(page);
  const names = await page.getByTestId('class-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  expect(names).toEqual(['Anterior', 'Posterior']);
  for (const item of await page.getByTestId('volume-item').all()) {
    const total = await item.getAttribute('data-total');
    await expect(item).toHaveAttribute('data-labeled', total!);
  }
  await expect(page.getByTestId('slice-scroller-axial')).toHaveAttribute('data-labeled-slices', /^0,1,2/);
  await shot(page, 'msd-opened');
});
