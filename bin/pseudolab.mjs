#!/usr/bin/env node
// `npx pseudolab …` from the repository: the training engine headless, in Node. TypeScript runs through tsx.
import { register } from 'tsx/esm/api';

register();
// tfjs greets Node users with a banner recommending tfjs-node, which cannot install here; keep stdout clean.
const log = console.log;
console.log = (...a) => (typeof a[0] === 'string' && (a[0].includes('tfjs-node') || /^=+$/.test(a[0].trim())) ? undefined : log(...a));
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
