import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, hasDatasets, NO_DATASETS, openFreshApp, shot, stopTraining } from './helpers.ts';

/* A clinician's first hour (issue 16): a guide on the first visit, messages that help and never cover a control,
 * and a sidebar that fits a 1600×1000 screen. */

test.use({ viewport: { width: 1600, height: 1000 } });

const tmp = mkdtempSync(join(tmpdir(), 'pseudolab-guide-'));
const notes = join(tmp, 'notes.txt');
writeFileSync(notes, 'not an image at all\n');

/**
 * Every button on screen whose centre does not hit the button itself (or something inside it): what covers it.
 * Buttons scrolled out of their panel, folded away or outside the window are not "on screen" and are left out.
 */
async function coveredButtons(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const covered: string[] = [];
    for (const b of document.querySelectorAll('button')) {
      if (!b.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const r = b.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
      // Clipped by a scrolling panel: not on screen.
      let clipped = false;
      for (let p = b.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (/(auto|scroll|hidden)/.test(style.overflowY + style.overflowX)) {
          const c = p.getBoundingClientRect();
          if (x < c.left || x > c.right || y < c.top || y > c.bottom) clipped = true;
        }
      }
      if (clipped) continue;
      const hit = document.elementFromPoint(x, y);
      if (!hit || (hit !== b && !b.contains(hit))) {
        const name = b.getAttribute('data-testid') ?? b.getAttribute('aria-label') ?? b.textContent?.trim() ?? '?';
        const by = hit ? `${hit.tagName.toLowerCase()}.${[...hit.classList].join('.')}` : 'nothing';
        covered.push(`${name} covered by ${by}`);
      }
    }
    return covered;
  });
}

test('a first visit shows the guide; it can be dismissed, stays dismissed, and comes back from ? and the top bar', async ({ page }) => {
  await openFreshApp(page);
  const guide = page.getByTestId('guide');
  await expect(guide).toBeVisible();
  await expect(guide.locator('.guide-step')).toHaveCount(5);
  await expect(guide).toContainText('Open your files');
  await expect(guide).toContainText('Paint a few slices');
  // On the demo nothing of the user's own is open yet: the first step is the one to do.
  await expect(guide.locator('.guide-step').first()).toHaveAttribute('data-state', 'current');
  await shot(page, 'guide-first-visit');
  // The guide does not block the app: a tool can be chosen while it shows.
  await page.getByTestId('tool-eraser').click();
  await expect(page.getByTestId('tool-eraser')).toHaveAttribute('aria-pressed', 'true');

  await page.getByTestId('guide-dismiss').click();
  await expect(guide).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('guide')).toHaveCount(0);

  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await expect(page.getByTestId('shortcuts-help')).toBeVisible();
  await page.getByTestId('show-guide').click();
  await expect(page.getByTestId('shortcuts-help')).toHaveCount(0);
  await expect(page.getByTestId('guide')).toBeVisible();

  await page.getByTestId('guide-toggle').click();
  await expect(page.getByTestId('guide')).toHaveCount(0);
  await page.getByTestId('guide-toggle').click();
  await expect(page.getByTestId('guide')).toBeVisible();
});

test('a folded sidebar section stays folded after a reload; rarely-used ones start folded', async ({ page }) => {
  await openFreshApp(page);
  // The image description is read only by text-guided methods: folded on a first visit, its title still shown.
  await expect(page.getByTestId('section-toggle-description')).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('volume-description')).toBeHidden();
  const toggle = page.getByTestId('section-toggle-tools');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('tool-eraser')).toBeHidden();
  await page.reload();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('section-toggle-tools')).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('tool-eraser')).toBeHidden();
  await page.getByTestId('section-toggle-tools').click();
  await expect(page.getByTestId('tool-eraser')).toBeVisible();
});

test('an error stays in the message area without covering any button; repeats merge; the file is named once', async ({ page }) => {
  await openFreshApp(page);
  await page.getByTestId('open-files').setInputFiles(notes);
  const error = page.getByTestId('app-error').filter({ hasText: 'notes.txt' });
  await expect(error).toHaveCount(1);
  await expect(error).not.toContainText('notes.txt: notes.txt');
  // The error sits in the layout's message area, not over the panels.
  await expect(page.getByTestId('message-area').getByTestId('app-error')).toHaveCount(1);
  expect(await coveredButtons(page)).toEqual([]);

  // The same error again is one entry with a count, not a second copy.
  await page.getByTestId('open-files').setInputFiles(notes);
  await expect(error.getByTestId('message-count')).toHaveText('×2');
  await page.getByTestId('open-files').setInputFiles(notes);
  await expect(error.getByTestId('message-count')).toHaveText('×3');
  await expect(page.getByTestId('app-error')).toHaveCount(1);

  // Many different errors at once still leave every button reachable (the area scrolls inside itself).
  await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    for (let n = 0; n < 8; n++) s.pushMessage({ severity: 'error', subject: `scan_${n}.nii`, text: 'cannot be read (test)' });
  });
  await expect(page.getByTestId('app-error')).toHaveCount(9);
  await shot(page, 'guide-errors-in-area');
  expect(await coveredButtons(page)).toEqual([]);

  // Errors stay until dismissed.
  await page.waitForTimeout(9_000);
  await expect(page.getByTestId('app-error')).toHaveCount(9);
  await error.getByRole('button', { name: 'Dismiss message' }).click();
  await expect(page.getByTestId('app-error')).toHaveCount(8);
});

test('raw engine text in an error reads in plain words, the raw text behind Details', async ({ page }) => {
  await openFreshApp(page);
  await page.evaluate(() => {
    window
      .__pseudolab!.store.getState()
      .pushMessage({ severity: 'error', subject: 'Training', text: 'training worker error: Aborted(). Build with -sASSERTIONS for more info.' });
  });
  const error = page.getByTestId('app-error');
  await expect(error).toContainText('ran out of memory');
  await expect(error.getByTestId('message-details')).toHaveJSProperty('open', false);
  // What shows before Details is opened: the plain words only.
  const shown = await error.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    copy.querySelector('details')?.remove();
    return copy.textContent ?? '';
  });
  expect(shown).not.toMatch(/ASSERTIONS|Aborted/);
  expect(shown).toMatch(/Start/);
  await error.getByText('Details').click();
  await expect(error.getByTestId('message-details')).toContainText('-sASSERTIONS');
  await shot(page, 'guide-engine-error-details');
});

test("starting a run clears the last run's training errors, and only those", async ({ page }) => {
  await openFreshApp(page);
  await page.evaluate(() => {
    const s = window.__pseudolab!.store.getState();
    s.pushMessage({ severity: 'error', subject: 'Training', text: 'Training stopped on the last run (test).' });
    s.pushMessage({ severity: 'error', subject: 'scan.nii', text: 'cannot be read (test)' });
  });
  await expect(page.getByTestId('app-error')).toHaveCount(2);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('app-error').filter({ hasText: 'last run' })).toHaveCount(0);
  await expect(page.getByTestId('app-error').filter({ hasText: 'scan.nii' })).toHaveCount(1);
  await stopTraining(page, 120_000);
});

test('information fades on its own, but not while the pointer is over it', async ({ page }) => {
  await openFreshApp(page);
  await page.evaluate(() => {
    window.__pseudolab!.store.getState().pushMessage({ severity: 'info', subject: null, text: 'Held while read' });
  });
  const info = page.getByTestId('app-message').filter({ hasText: 'Held while read' });
  await expect(info).toBeVisible();
  await info.hover();
  await page.waitForTimeout(9_000);
  await expect(info).toBeVisible();
  await page.mouse.move(800, 20);
  await expect(info).toHaveCount(0, { timeout: 12_000 });
});

test('opening a first file closes the demo with a message that fades', async ({ page }) => {
  test.skip(!hasDatasets(), NO_DATASETS);
  await openFreshApp(page);
  await page.getByTestId('open-files').setInputFiles(join(DATASETS, 'hippocampus/imagesTr/hippocampus_001.nii.gz'));
  const closed = page.getByTestId('app-message').filter({ hasText: 'demo closed' });
  await expect(closed).toHaveCount(1);
  await page.mouse.move(800, 20);
  await expect(closed).toHaveCount(0, { timeout: 12_000 });
  // With the user's own file open, the guide moves on to choosing a class.
  await expect(page.getByTestId('guide').locator('.guide-step').nth(0)).toHaveAttribute('data-state', 'done');
  await shot(page, 'guide-own-file');
});

test('at 1600×1000 the Review and Predict controls are on screen without scrolling the page', async ({ page }) => {
  await openFreshApp(page);
  await page.getByTestId('guide-dismiss').click();
  await shot(page, 'guide-layout-1600x1000');
  for (const id of ['next-uncertain', 'predict-all', 'train-start']) {
    const b = page.getByTestId(id);
    // Folded sections open on demand: open the one holding the control if it is folded.
    if (!(await b.isVisible())) {
      const section = page.locator('[data-section]', { has: b });
      await section.locator('.section-toggle').first().click();
    }
    await expect(b).toBeVisible();
    const box = (await b.boundingBox())!;
    expect(box.y + box.height, `${id} fits in the window`).toBeLessThanOrEqual(1000);
    // On screen, not scrolled out of the sidebar: the point at its centre is the control.
    const hit = await page.evaluate(
      ([x, y, testId]) => {
        const el = document.elementFromPoint(x!, y!);
        return !!el && !!el.closest(`[data-testid="${testId}"]`);
      },
      [box.x + box.width / 2, box.y + box.height / 2, id] as const,
    );
    expect(hit, `${id} is visible without scrolling`).toBe(true);
  }
});

test('at 1600×1000 both sidebars fit with their default folds: nothing to scroll, Predict all and the last layer control on screen', async ({ page }) => {
  await openFreshApp(page);
  await page.getByTestId('guide-dismiss').click();
  await shot(page, 'guide-layout-1600x1000-defaults');
  for (const side of ['left', 'right']) {
    const overflow = await page.locator(`aside.sidebar.${side}`).evaluate((el) => el.scrollHeight - el.clientHeight);
    expect(overflow, `the ${side} sidebar needs no scrolling`).toBeLessThanOrEqual(0);
  }
  // The last control of the left sidebar (the layers list ends it) and Predict all, without opening anything.
  const lastLeft = page.locator('aside.sidebar.left').locator('input:visible, button:visible, select:visible').last();
  for (const [name, control] of [
    ["the left sidebar's last control", lastLeft],
    ['Predict all', page.getByTestId('predict-all')],
  ] as const) {
    await expect(control, `${name} shows with the default folds`).toBeVisible();
    const box = (await control.boundingBox())!;
    expect(box.y + box.height, `${name} fits in the window`).toBeLessThanOrEqual(1000);
    const hit = await control.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return !!at && (at === el || el.contains(at) || at.contains(el));
    });
    expect(hit, `${name} is not covered or scrolled away`).toBe(true);
  }
});
