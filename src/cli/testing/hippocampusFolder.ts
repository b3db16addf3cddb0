import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The shared hippocampus data, beside the repository; tests skip when it is absent. */
export const HIPPOCAMPUS = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

/**
 * A Decathlon folder (Task04/) in a fresh temporary directory holding the first `cases` hippocampus cases: small
 * enough for a CLI test to train on in seconds, with labeled and held-out cases once split.
 */
export function smallHippocampusFolder(cases: number, prefix = 'pseudolab-cli-'): string {
  const data = join(mkdtempSync(join(tmpdir(), prefix)), 'Task04');
  mkdirSync(join(data, 'imagesTr'), { recursive: true });
  mkdirSync(join(data, 'labelsTr'), { recursive: true });
  const meta = JSON.parse(readFileSync(join(HIPPOCAMPUS, 'dataset.json'), 'utf8'));
  meta.training = meta.training.slice(0, cases);
  writeFileSync(join(data, 'dataset.json'), JSON.stringify(meta));
  for (const c of meta.training as { image: string; label: string }[]) {
    copyFileSync(join(HIPPOCAMPUS, c.image), join(data, c.image));
    copyFileSync(join(HIPPOCAMPUS, c.label), join(data, c.label));
  }
  return data;
}
