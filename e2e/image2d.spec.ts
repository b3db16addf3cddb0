import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import sharp from 'sharp';
import { activeSummary, ARTIFACTS, DATASETS, paintStroke, shot, viewportStats, waitForViewer } from './helpers.ts';

const monuseg = join(DATASETS, 'monuseg/Train_Folder/img');

test('an RGB pathology PNG opens as one view, takes labels and exports as a single-slice NIfTI', async ({ page }) => {
  test.skip(!existsSync(monuseg), 'needs ../shared/datasets/monuseg; absent on this machine');
  const file = join(monuseg, readdirSync(monuseg).filter((f) => f.endsWith('.png'))[0]!);
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles(file);
  await waitForViewer(page);
  await expect(page.getByTestId('viewport-coronal')).toBeHidden();
  const stats = await viewportStats(page, 'viewport-axial');
  expect(stats.std).toBeGreaterThan(10);
  await expect(page.getByTestId('volume-item').first()).toContainText('RGB');
  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial');
  const s = await activeSummary(page);
  expect(s.dims).toEqual([1000, 1000, 1]);
  expect(s.labeledK).toEqual([0]);
  await shot(page, 'image2d-painted');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-labels').click();
  await page.getByTestId('export-all').click();
  const zipPath = join(ARTIFACTS, 'image2d-labels.zip');
  await (await download).saveAs(zipPath);
  const { unzipSync } = await import('fflate');
  const { readFileSync } = await import('node:fs');
  const files = unzipSync(readFileSync(zipPath));
  const name = Object.keys(files).find((f) => f.endsWith('.nii.gz'))!;
  let ab = files[name]!.slice().buffer as ArrayBuffer;
  ab = nifti.decompress(ab) as ArrayBuffer;
  const h = nifti.readHeader(ab)!;
  expect(h.dims.slice(1, 4)).toEqual([1000, 1000, 1]);
  expect(Object.keys(files)).toContain('labels/classes.json');
});

test('a TIFF pathology tile opens as one RGB view; a damaged TIFF gets a message naming it', async ({ page }) => {
  // An LZW-compressed RGB TIFF written by libtiff (sharp): a MoNuSeg tile when the dataset is here, else a
  // synthetic stain-coloured gradient, so the journey runs on a fresh clone too.
  const tmp = mkdtempSync(join(tmpdir(), 'pseudolab-tiff-'));
  const tile = join(tmp, 'tile.tif');
  const png = existsSync(monuseg) ? join(monuseg, readdirSync(monuseg).filter((f) => f.endsWith('.png'))[0]!) : null;
  const [w, h] = png ? [1000, 1000] : [640, 480];
  if (png) await sharp(png).tiff({ compression: 'lzw' }).toFile(tile);
  else {
    const rgb = new Uint8Array(w * h * 3).map((_, n) =>
      n % 3 === 1 ? 80 : 120 + ((Math.floor(n / 3) % w) * 100) / w + (Math.floor(n / 3 / w) % 32 < 16 ? 30 : 0),
    );
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .tiff({ compression: 'lzw' })
      .toFile(tile);
  }
  const broken = join(tmp, 'broken_slide.tiff');
  writeFileSync(broken, Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(64)]));
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles([tile, broken]);
  await waitForViewer(page);
  await expect(page.getByTestId('app-error').filter({ hasText: 'broken_slide.tiff' })).toHaveCount(1);
  await expect(page.getByTestId('volume-item').filter({ hasText: 'tile.tif' })).toContainText('RGB');
  await expect(page.getByTestId('viewport-coronal')).toBeHidden();
  const s = await activeSummary(page);
  expect(s.dims).toEqual([w, h, 1]);
  const stats = await viewportStats(page, 'viewport-axial');
  expect(stats.std).toBeGreaterThan(10);
  await shot(page, 'image2d-tiff');
});
