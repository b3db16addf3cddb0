import { ceDiceChecks } from './ceDice.checks.ts';
import { conv3dChecks } from './conv3d.checks.ts';
import { convBackpropFilterChecks } from './convBackpropFilter.checks.ts';
import { fusedChecks } from './fused.checks.ts';
import { reduceChecks } from './reduce.checks.ts';
import type { KernelCheck } from './types.ts';

/** Every kernel check, run by the Node tests per kernel and all together in Chromium (kernels.html). */
export function ALL_CHECKS(): KernelCheck[] {
  return [...conv3dChecks(), ...convBackpropFilterChecks(), ...ceDiceChecks(), ...fusedChecks(), ...reduceChecks()];
}
