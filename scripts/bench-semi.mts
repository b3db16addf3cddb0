/**
 * The semi-supervised benchmark harness (issue #18): regime × arm × seed on one dataset, each run scored on
 * held-out images through predict + eval, summarised over seeds and paired with supervised in OUT/results.md
 * (rewritten after every finished run, so a long matrix can be read while it runs). `--help` for the options.
 * Usage: npx tsx scripts/bench-semi.mts hippocampus|monuseg [--regimes …] [--presets …] [--seeds 1,2,3] …
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { METHOD_NAMES } from '../src/train/methods/registry.ts';
import { buildMatrix, type Run } from './benchSemi/matrix.ts';
import { parseOptions, USAGE, type HarnessOptions } from './benchSemi/options.ts';
import { codeVersion, decisionFor, executeRun, pool, prepareHeldOut, readResult, stopChildrenOnSignal } from './benchSemi/runner.ts';
import { renderResults, type RunResult } from './benchSemi/table.ts';

function describe(run: Run): string {
  return `${run.regime.name} ${run.arm.name} seed ${run.seed}`;
}

function writeResults(o: HarnessOptions, runs: readonly Run[], code: string): string {
  const results = runs.map(readResult).filter((r): r is RunResult => r !== null);
  const md = renderResults({
    title: `Semi-supervised benchmark: ${o.spec.name}`,
    setup: [
      `${o.steps} steps, ResUNet-2D width ${o.width}, seeds ${o.seeds.join(', ')}, backend ${o.backend ?? 'wasm'}; held-out predict + eval; code ${code} (each run's own is in its run.json).`,
      `Arms: ${o.arms.map((a) => (a.settings.length ? `${a.name} = ${a.preset} with ${a.settings.join(', ')}` : a.name)).join('; ')}.`,
      `Command: \`npx tsx scripts/bench-semi.mts ${o.spec.name} --regimes "${o.regimes.map((r) => r.name).join(' ')}" --presets "${o.arms
        .map((a) => (a.settings.length ? `${a.name}=${a.preset}:${a.settings.join(',')}` : a.name))
        .join(
          ' ',
        )}" --seeds ${o.seeds.join(',')} --steps ${o.steps} --width ${o.width}${o.evalEvery ? ` --eval-every ${o.evalEvery}` : ''}${o.backend ? ` --backend ${o.backend}` : ''} --out ${o.out}\``,
    ].join('\n'),
    regimes: o.regimes,
    arms: o.arms.map((a) => a.name),
    seeds: o.seeds,
    classNames: o.spec.classNames,
    results,
  });
  mkdirSync(o.out, { recursive: true });
  writeFileSync(`${o.out}/results.md`, md);
  return md;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2), METHOD_NAMES);
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(o.spec.data)) {
    console.log(`skipped: ${o.spec.data} is absent (the benchmark data lives beside the repository)`);
    return 0;
  }
  const runs = buildMatrix(o.spec, o.regimes, o.arms, o.seeds, o);
  const plan = runs.map((run) => ({ run, decision: decisionFor(run) }));
  if (o.dryRun) {
    for (const { run, decision } of plan) {
      console.log(`${decision.padEnd(5)} ${describe(run)}  (${run.dir})`);
      for (const args of [run.train, run.predict, run.eval]) console.log(`        pseudolab ${args.join(' ')}`);
    }
    const count = (d: string) => plan.filter((p) => p.decision === d).length;
    console.log(
      `${runs.length} runs: ${count('skip')} finished, ${count('fresh') + count('redo')} to run (${count('redo')} of them half-done)${count('stale') ? `, ${count('stale')} stale (finished under other command lines: the run would refuse)` : ''}`,
    );
    return 0;
  }
  const stale = plan.filter((p) => p.decision === 'stale');
  if (stale.length) {
    console.error(
      `refusing to mix runs made with other settings into ${o.out}: ${stale.map((p) => p.run.dir).join(', ')} finished under different command lines (use another --out, or delete them)`,
    );
    return 1;
  }
  stopChildrenOnSignal();
  const code = codeVersion();
  prepareHeldOut(o.spec, o.out);
  const todo = plan.filter((p) => p.decision !== 'skip').map((p) => p.run);
  console.log(`${runs.length} runs, ${runs.length - todo.length} already finished, ${todo.length} to run, ${o.jobs} at a time${o.nice ? ' (nice 19)' : ''}`);
  writeResults(o, runs, code);
  let failed = 0;
  let done = 0;
  await pool(todo, o.jobs, async (run) => {
    console.log(`[${new Date().toISOString().slice(11, 19)}] start ${describe(run)}`);
    const error = await executeRun(run, o.nice, code);
    done++;
    if (error) {
      failed++;
      console.log(`[${new Date().toISOString().slice(11, 19)}] FAILED ${describe(run)}: ${error}`);
      return;
    }
    const r = readResult(run)!;
    console.log(
      `[${new Date().toISOString().slice(11, 19)}] done ${done}/${todo.length} ${describe(run)}: held-out mean Dice ${r.dice.toFixed(4)}, ${(r.wallSeconds / 60).toFixed(1)} min`,
    );
    writeResults(o, runs, code);
  });
  console.log(`\n${writeResults(o, runs, code)}`);
  if (failed) console.error(`${failed} run(s) failed; run the same command again to retry them`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`bench-semi: ${e.message}`);
    process.exit(2);
  },
);
