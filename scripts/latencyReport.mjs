/**
 * What scripts/bench-latency.mjs reports besides the latencies themselves: CPU seconds per browser thread (from
 * /proc), percentiles, and the heaviest functions of a CDP CPU profile.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, loadavg, setPriority } from 'node:os';

/**
 * CPU seconds used so far by each thread of this script's browser, keyed "process type / thread name" (from
 * /proc): the page's main thread, the training worker, the GPU process that rasterises WebGL in software.
 */
export function cpuByThread(skipPid) {
  const out = {};
  for (const { pid, cmd, tids } of browserProcesses(skipPid)) {
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${type} / ${name}`;
        out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // the thread ended
      }
    }
  }
  return out;
}

/**
 * Raises every thread of the browser whose nice lies between this script's own (negative) nice and 0 to that nice.
 * Chromium starts its renderers (the page's main thread, the training worker) at nice 0 and its GPU process at −8
 * whatever nice the browser was started with, so `nice -n -15 node scripts/bench-latency.mjs` alone leaves the page
 * waiting for the CPU behind every other job on a loaded machine. Threads Chromium lowered on purpose (background
 * pools, nice > 0) keep theirs. Needs the right to raise priority (root); otherwise it changes nothing. Returns how
 * many threads changed.
 */
export function matchPriority(skipPid) {
  const own = getPriority();
  if (own >= 0) return 0;
  let changed = 0;
  for (const { tids } of browserProcesses(skipPid)) {
    for (const tid of tids) {
      try {
        const nice = getPriority(Number(tid));
        if (nice > 0 || nice <= own) continue;
        setPriority(Number(tid), own);
        changed++;
      } catch {
        // the thread ended, or no right to raise it
      }
    }
  }
  return changed;
}

/** This script's browser processes (children of this process, but `skipPid`'s tree), with their threads. */
function browserProcesses(skipPid) {
  const out = [];
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='])
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const children = new Map();
  for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const ours = [];
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      if (c === skipPid) continue;
      ours.push(c);
      walk(c);
    }
  };
  walk(process.pid);
  for (const pid of ours) {
    let cmd;
    let tids;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmd.split('\0')[0] ?? '')) continue;
    out.push({ pid, cmd, tids });
  }
  return out;
}

export function printCpu(title, before, after, wallS) {
  const d = Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)])
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  console.log(`\n${title}: CPU seconds by browser thread over ${wallS.toFixed(0)} s wall (load average ${loadavg()[0].toFixed(1)}):`);
  for (const [k, v] of d.slice(0, 12)) console.log(`  ${v.toFixed(2).padStart(7)} s  ${k}`);
}

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
export const summary = (xs) => ({ n: xs.length, p50: pct(xs, 0.5), p95: pct(xs, 0.95), max: pct(xs, 1) });

/** Self and total (inclusive) time by function in a CPU profile, the top `n` of each. */
export function printProfile(title, profile, n = 20) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const self = new Map();
  const total = new Map();
  const dt = profile.timeDeltas ?? [];
  let all = 0;
  const keyOf = (node) => {
    const f = node.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  };
  (profile.samples ?? []).forEach((id, i) => {
    const d = (dt[i + 1] ?? 0) / 1000;
    all += d;
    const node = byId.get(id);
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + d);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const k = keyOf(byId.get(x));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + d);
    }
  });
  const show = (m, what) => {
    console.log(`\n${title}: ${all.toFixed(0)} ms sampled, top ${what}:`);
    for (const [k, ms] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n))
      console.log(`  ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${k}`);
  };
  show(self, 'self time');
  show(total, 'total time');
}
