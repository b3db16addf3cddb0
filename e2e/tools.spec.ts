import { expect, test } from '@playwright/test';
import { activeSummary, paintStroke, waitForViewer } from './helpers.ts';

test('crosshairs link the views; window/level, threshold brush, fill and eraser act as named', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  const axial = page.getByTestId('viewport-axial');
  const box = (await axial.boundingBox())!;

  const coronalBefore = await page.getByTestId('slice-index-coronal').textContent();
  const sagittalBefore = await page.getByTestId('slice-index-sagittal').textContent();
  await page.getByTestId('tool-crosshairs').click();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.35);
  await expect(page.getByTestId('slice-index-coronal')).not.toHaveText(coronalBefore!);
  await expect(page.getByTestId('slice-index-sagittal')).not.toHaveText(sagittalBefore!);

  const windowText = async () => (await page.getByTestId('status-bar').textContent())!.match(/W [^·]+/)![0];
  const w0 = await windowText();
  await page.getByTestId('tool-windowLevel').click();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.62, box.y + box.height * 0.58, { steps: 6 });
  await page.mouse.up();
  await expect.poll(windowText).not.toBe(w0);

  // The threshold brush paints only voxels whose intensity lies inside the range.
  await page.getByTestId('tool-threshold').click();
  await page.getByLabel('Threshold minimum').fill('550');
  await page.getByLabel('Threshold maximum').fill('5000');
  await page.getByLabel('Brush size in millimetres').fill('24');
  await page.getByTestId('class-item').nth(1).getByRole('radio').check();
  const before = await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    return Array.from(s.volumes[s.activeVolumeId!]!.labels.voxels);
  });
  await paintStroke(page, 'viewport-axial', [0.32, 0.5], [0.5, 0.5]);
  const check = await page.evaluate((prev) => {
    const s = window.__pseudolab!.store.getState();
    const e = s.volumes[s.activeVolumeId!]!;
    let changed = 0;
    let outside = 0;
    for (let n = 0; n < prev.length; n++) {
      if (e.labels.voxels[n] !== prev[n]) {
        changed++;
        const v = e.volume.voxels[n]!;
        if (v < 550 || v > 5000) outside++;
      }
    }
    return { changed, outside };
  }, before);
  expect(check.changed).toBeGreaterThan(20);
  expect(check.outside).toBe(0);

  // The eraser removes what the brush put down.
  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial', [0.6, 0.3], [0.66, 0.3]);
  const painted = (await activeSummary(page)).painted;
  await page.getByTestId('tool-eraser').click();
  await page.getByLabel('Brush size in millimetres').fill('30');
  await paintStroke(page, 'viewport-axial', [0.6, 0.3], [0.66, 0.3]);
  expect((await activeSummary(page)).painted).toBeLessThan(painted);

  // Fill floods the connected region of one label in this slice.
  const beforeFill = (await activeSummary(page)).painted;
  await page.getByTestId('tool-fill').click();
  // Inside the image (a square in a tall view) but outside the body: the air around it.
  await page.mouse.click(box.x + box.width * 0.95, box.y + box.height * 0.3);
  await expect.poll(async () => (await activeSummary(page)).painted).toBeGreaterThan(beforeFill + 1000);
  await page.getByTestId('undo').click();
  expect((await activeSummary(page)).painted).toBe(beforeFill);

  // Zoom and pan change what the view shows.
  const shotOf = () => axial.screenshot();
  const plain = await shotOf();
  await page.getByTestId('tool-zoom').click();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.3, { steps: 6 });
  await page.mouse.up();
  const zoomed = await shotOf();
  expect(zoomed.equals(plain)).toBe(false);
  await page.getByTestId('tool-pan').click();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 6 });
  await page.mouse.up();
  expect((await shotOf()).equals(zoomed)).toBe(false);

  // Display settings redraw the views: the one last worked in at once, the others a frame later (activeViewFirst).
  const views = ['viewport-axial', 'viewport-coronal'] as const;
  const shots = () => Promise.all(views.map((v) => page.getByTestId(v).screenshot()));
  const allDiffer = async (from: Buffer[]) => (await shots()).every((s, i) => !s.equals(from[i]!));
  const outlined = await shots();
  await page.getByTestId('label-outline').uncheck();
  await expect.poll(() => allDiffer(outlined)).toBe(true);
  await page.getByTestId('label-opacity').fill('0.8');
  const visible = await shots();
  await page.getByTestId('label-visible').uncheck();
  await expect.poll(() => allDiffer(visible)).toBe(true);
  await page.getByTestId('label-visible').check();
  await expect.poll(async () => (await shots()).every((s, i) => s.equals(visible[i]!))).toBe(true);
  await expect(page.getByTestId('app-error')).toHaveCount(0);
});

test('files dropped on the window open like picked files', async ({ page }) => {
  await page.goto('/');
  await waitForViewer(page);
  // A tiny PNG made in the page: a drop carries File objects, which only the page can create.
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#203040';
    ctx.fillRect(0, 0, 64, 48);
    ctx.fillStyle = '#e0c0a0';
    ctx.fillRect(10, 10, 30, 20);
    const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
    const app = document.querySelector('.app')!;
    app.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    app.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId('volume-item').filter({ hasText: 'dropped.png' })).toHaveCount(1);
});

test('work is stored as it happens: a second tab sees it while the first never unloads (as after a crash)', async ({ page, context }) => {
  await page.goto('/');
  await waitForViewer(page);
  await page.getByTestId('tool-brush').click();
  await paintStroke(page, 'viewport-axial');
  const s = await activeSummary(page);
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 10_000 });
  // The first tab stays open: no pagehide, no unload handler ever runs, as when a tab crashes.
  const second = await context.newPage();
  await second.goto('/');
  await waitForViewer(second);
  const restored = await activeSummary(second);
  expect(restored.painted).toBe(s.painted);
  expect(restored.labeledK).toEqual(s.labeledK);
  // Only one tab writes; the second says its changes would not be saved rather than overwrite the first.
  await expect(second.getByTestId('app-message').filter({ hasText: 'another tab' })).toHaveCount(1);
  await expect(second.getByTestId('save-status')).toHaveAttribute('data-state', 'error');
  await second.close();
});
