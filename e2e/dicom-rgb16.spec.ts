import { expect, test } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDicom } from '../src/io/testing/dicomFixture.ts';
import { shot, viewportStats, waitForViewer } from './helpers.ts';

/**
 * A 16-bit RGB DICOM keeps its 16-bit values in the volume; it must still look like the same picture stored in
 * 8 bits. Both files hold one colour gradient (the 16-bit one at 257× each 8-bit value), so their views should
 * match in brightness and contrast.
 */
test('a 16-bit RGB DICOM shows the same picture as its 8-bit twin', async ({ page }) => {
  const [w, h] = [96, 96];
  const eight = new Uint8Array(w * h * 3).map((_, n) => {
    const [p, c] = [Math.floor(n / 3), n % 3];
    const [x, y] = [p % w, Math.floor(p / w)];
    return c === 0 ? Math.round((255 * x) / (w - 1)) : c === 1 ? Math.round((255 * y) / (h - 1)) : (x >> 4) % 2 === (y >> 4) % 2 ? 220 : 30;
  });
  const sixteen = Uint16Array.from(eight, (v) => v * 257);
  const dir = mkdtempSync(join(tmpdir(), 'pseudolab-rgb16-'));
  const common = { rows: h, columns: w, samplesPerPixel: 3 as const, pixelSpacing: [1, 1] as [number, number] };
  writeFileSync(join(dir, 'rgb8.dcm'), makeDicom({ ...common, seriesUID: '1.2.3.1608', seriesDescription: 'Colour 8', pixels: eight }));
  writeFileSync(join(dir, 'rgb16.dcm'), makeDicom({ ...common, seriesUID: '1.2.3.1616', seriesDescription: 'Colour 16', pixels: sixteen }));

  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('open-files').setInputFiles([join(dir, 'rgb8.dcm'), join(dir, 'rgb16.dcm')]);
  await expect(page.getByTestId('volume-item').filter({ hasText: 'Colour 16' })).toContainText('RGB');
  const stats: Record<string, { mean: number; std: number }> = {};
  for (const name of ['Colour 8', 'Colour 16']) {
    await page.getByTestId('volume-item').filter({ hasText: name }).click();
    await waitForViewer(page);
    const depth = await page.evaluate(() => {
      const s = window.__pseudolab!.store.getState();
      const v = s.volumes[s.activeVolumeId!]!.volume;
      return { type: v.voxels.constructor.name, max: Math.max(...Array.from(v.voxels as ArrayLike<number>)) };
    });
    expect(depth).toEqual(name === 'Colour 16' ? { type: 'Uint16Array', max: 65535 } : { type: 'Uint8Array', max: 255 });
    stats[name] = await viewportStats(page, 'viewport-axial');
    await shot(page, `dicom-rgb16-${name === 'Colour 16' ? '16' : '8'}`);
  }
  expect(stats['Colour 8']!.std).toBeGreaterThan(20);
  expect(Math.abs(stats['Colour 16']!.mean - stats['Colour 8']!.mean)).toBeLessThan(3);
  expect(Math.abs(stats['Colour 16']!.std - stats['Colour 8']!.std)).toBeLessThan(3);
});
