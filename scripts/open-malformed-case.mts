// One case of the malformed-input corpus, opened through openInputs in its own process (the runner caps its time
// and memory); prints the CaseReport as JSON on the last line. Usage: open-malformed-case.mts <case-folder>
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openInputs } from '../src/io/openInputs.ts';
import { summarize } from '../src/io/testing/corpusVerdict.ts';
import { configureNodeCodecs } from '../src/io/testing/nodeCodecs.ts';
import { nodeFile } from '../src/io/testing/nodeFiles.ts';
import type { InputFile } from '../src/io/types.ts';

const dir = process.argv[2]!;
const files: InputFile[] = [];
const walk = (d: string): void => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name !== 'case.json') files.push({ ...nodeFile(p), path: relative(dir, p) });
  }
};
walk(dir);
configureNodeCodecs();
const result = await openInputs(files);
process.stdout.write(
  `\n${JSON.stringify(
    summarize(
      result,
      files.map((f) => f.name),
    ),
  )}\n`,
);
