import { ceDiceBenchCases } from './ceDice.bench.ts';
import { conv3dBenchCases } from './conv3d.bench.ts';
import { convBackpropFilterBenchCases } from './convBackpropFilter.bench.ts';
import { fusedBenchCases } from './fused.bench.ts';
import { reduceBenchCases } from './reduce.bench.ts';
import type { BenchCase } from './types.ts';

/** Every kernel benchmark at the default 2D and 3D configurations' shapes. */
export function ALL_BENCH_CASES(): BenchCase[] {
  return [...conv3dBenchCases(), ...convBackpropFilterBenchCases(), ...ceDiceBenchCases(), ...fusedBenchCases(), ...reduceBenchCases()];
}
