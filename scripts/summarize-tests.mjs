// Adds up the unit (vitest JSON) and browser (Playwright JSON) reports into one closing line.
import { existsSync, readFileSync } from 'node:fs';

const [unitPath, e2ePath] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (unitPath && existsSync(unitPath)) {
  const r = JSON.parse(readFileSync(unitPath, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} else {
  failed += 1;
  console.log('unit report missing');
}

if (e2ePath && existsSync(e2ePath)) {
  const report = JSON.parse(readFileSync(e2ePath, 'utf8'));
  const s = report.stats ?? {};
  // A run that could not start (its web server's port taken, a config error) reports no tests, only errors.
  for (const e of report.errors ?? []) {
    failed += 1;
    console.log(`browser journeys did not run: ${String(e.message ?? e).split('\n')[0]}`);
  }
  passed += s.expected ?? 0;
  failed += (s.unexpected ?? 0) + (s.flaky ?? 0);
  skipped += s.skipped ?? 0;
} else {
  failed += 1;
  console.log('browser report missing');
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
