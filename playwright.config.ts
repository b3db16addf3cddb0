import { defineConfig } from '@playwright/test';

/**
 * Journeys run against the production build (vite preview) in Debian's Chromium: a test tool's own browser
 * download does not work on these machines. --enable-unsafe-webgpu gives the SwiftShader WebGPU adapter and
 * --enable-unsafe-swiftshader keeps WebGL2 (cornerstone3D's renderer) working without a GPU.
 */
const CHROMIUM = process.env.PSEUDOLAB_CHROMIUM ?? '/usr/bin/chromium';
const PORT = Number(process.env.PSEUDOLAB_E2E_PORT ?? 4173);
/** The built app to serve (vite's outDir); several checkouts or sessions can each build and serve their own. */
const DIST = process.env.PSEUDOLAB_E2E_DIST ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e-artifacts/results',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'e2e-artifacts/report.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--enable-unsafe-webgpu',
        '--enable-unsafe-swiftshader',
        '--use-angle=swiftshader',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort --outDir ${DIST}`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
