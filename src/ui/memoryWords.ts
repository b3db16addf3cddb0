import type { BackendName } from '../train/backendNames.ts';
import { gib, mib } from '../train/describeMemory.ts';
import type { Run2DSummary, Run3DSummary } from '../train/protocol.ts';

/**
 * Where a run's memory lives, in the words the panel uses. On WebAssembly and plain JavaScript the network lives in
 * a heap in the tab's own memory: calling that "GPU memory" told a person on a CPU that a GPU was in use.
 */
export type MemoryPool = 'gpu' | 'webgl' | 'wasm-heap' | 'js-heap' | 'unknown';

export function memoryPool(backend: BackendName | null | undefined): MemoryPool {
  switch (backend) {
    case 'webgpu':
      return 'gpu';
    case 'webgl':
      return 'webgl';
    case 'wasm':
      return 'wasm-heap';
    case 'cpu':
      return 'js-heap';
    default:
      return 'unknown';
  }
}

/** "GPU memory" only where a GPU holds the network. */
export function memorySubject(pool: MemoryPool): string {
  return pool === 'gpu' || pool === 'webgl' ? 'GPU memory' : 'Memory';
}

function patchWords(patch: readonly number[]): string {
  return patch.length === 2 && patch[0] === patch[1] ? `${patch[0]}²` : patch.join('×');
}

/** "of the 2048 MiB WebAssembly heap", "of 2048 MiB (WebGPU adapter limits …)", "of an assumed 2048 MiB (…)". */
function ofBudget(budget: string, pool: MemoryPool, budgetSource: string): string {
  if (pool === 'wasm-heap') return `of the ${budget} WebAssembly heap`;
  if (pool === 'js-heap') return `of the ${budget} JavaScript heap`;
  if (pool === 'webgl') return `of an assumed ${budget} (WebGL does not report its memory)`;
  return `of ${budget} (${budgetSource})`;
}

export interface MemoryVerdictWords {
  estimateBytes: number;
  budgetBytes: number;
  budgetSource: string;
  /** The run as it trains, when it fits (perhaps made smaller); null when nothing fits. */
  used: Run2DSummary | Run3DSummary | null;
}

/**
 * The memory estimate as the panel shows it: "Memory ≈ 1301 MiB of the 2048 MiB WebAssembly heap", or with the run's
 * shape, "GPU memory: trains at batch 2 + 2, 128² patch, width 16: ≈ 1.1 GiB of 2.0 GiB (WebGPU adapter limits …)".
 */
export function memoryEstimateLine(m: MemoryVerdictWords, backend: BackendName | null | undefined): string {
  const pool = memoryPool(backend);
  const subject = memorySubject(pool);
  if (!m.used) return `${subject} ≈ ${mib(m.estimateBytes)} ${ofBudget(mib(m.budgetBytes), pool, m.budgetSource)}`;
  const u = m.used;
  const batch = u.batchUnlabeled > 0 ? `${u.batchLabeled} + ${u.batchUnlabeled}` : `${u.batchLabeled}`;
  return `${subject}: trains at batch ${batch}, ${patchWords(u.patch)} patch, width ${u.width}: ≈ ${gib(m.estimateBytes)} ${ofBudget(gib(m.budgetBytes), pool, m.budgetSource)}`;
}
