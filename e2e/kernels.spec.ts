import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { ARTIFACTS } from './helpers.ts';

interface Report {
  done: boolean;
  adapter: string;
  fatal: string | null;
  checks: {
    kernel: string;
    name: string;
    ok: boolean;
    error: string | null;
    validationError: string | null;
    results: { name: string; ok: boolean; oursErr: number; bound: number }[];
  }[];
}

/*
 * Every one of our WGSL kernels against its CPU reference and tfjs's own kernel, in Chromium's WebGPU (SwiftShader
 * here), each check under a validation error scope: the same checks the Node tests run on Dawn, so a kernel is
 * proven in the browser the app runs in, not only in Node.
 */
test('every custom GPU kernel matches its CPU reference and tfjs in Chromium, with no validation error', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/kernels.html');
  await page.waitForFunction(() => window.__kernelReport?.done === true, undefined, { timeout: 9 * 60_000, polling: 1000 });
  const report = (await page.evaluate(() => window.__kernelReport)) as unknown as Report;
  await page.screenshot({ path: join(ARTIFACTS, 'kernel-checks.png'), fullPage: true });
  expect(report.fatal).toBeNull();
  const groups = new Set(report.checks.map((c) => c.kernel));
  for (const kernel of ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2', 'Conv2DBackpropFilter', 'Sum', 'Mean'])
    expect(groups, `checks for ${kernel}`).toContain(kernel);
  const failed = report.checks
    .filter((c) => !c.ok)
    .map(
      (c) =>
        `${c.kernel} ${c.name}: ${
          c.error ??
          c.validationError ??
          c.results
            .filter((r) => !r.ok)
            .map((r) => `${r.name} err ${r.oursErr} > ${r.bound}`)
            .join('; ')
        }`,
    );
  expect(failed, failed.join('\n')).toEqual([]);
  await expect(page.locator('#summary')).toContainText('0 failed');
});
