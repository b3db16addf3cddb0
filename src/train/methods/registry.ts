import { bcp } from './bcp.ts';
import { duss } from './duss.ts';
import { meanTeacher } from './meanTeacher.ts';
import type { TrainingMethod } from './method.ts';
import { promptssl } from './promptssl.ts';
import { supervised } from './supervised.ts';
import { tak } from './tak.ts';

/*
 * Every training method, in the order the picker lists them. Adding a method is one file beside these and one
 * line here; config.ts (presets), the CLI, the session and the panels all read this list. Tfjs-free: the page
 * reads it.
 */
const BUILT_IN = [supervised, meanTeacher, promptssl, duss, tak, bcp] as const satisfies readonly TrainingMethod[];

/** The name of a built-in method. */
export type MethodName = (typeof BUILT_IN)[number]['name'];

const methods = new Map<string, TrainingMethod>(BUILT_IN.map((m) => [m.name, m]));

/** The built-in methods' names, in picker order. */
export const METHOD_NAMES: readonly MethodName[] = BUILT_IN.map((m) => m.name);

/** Every registered method, built-in first. */
export function allMethods(): TrainingMethod[] {
  return [...methods.values()];
}

export function findMethod(name: string): TrainingMethod | null {
  return methods.get(name) ?? null;
}

export function methodNamed(name: string): TrainingMethod {
  const m = methods.get(name);
  if (!m) throw new Error(`unknown training method "${name}" (known: ${[...methods.keys()].join(', ')})`);
  return m;
}

/**
 * A method added at run time (a plug-in, a test's toy method); built-in ones go in BUILT_IN above. Its name must be
 * new: replacing a method under a run that uses it would change that run's maths silently.
 */
export function registerMethod(m: TrainingMethod): void {
  if (methods.has(m.name)) throw new Error(`a training method named "${m.name}" is already registered`);
  methods.set(m.name, m);
}
