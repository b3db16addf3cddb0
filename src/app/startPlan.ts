import type { ModelKind } from '../train/config.ts';
import type { ModelSize, ModelSizeChoice } from '../train/modelSize.ts';
import { findResumable, runKey, sameClassValues, type RunSummary } from '../persist/runKey.ts';

export type { RunSummary };

/**
 * What pressing Start does with the stored runs: resume the one that matches the choices, start afresh with
 * nothing to lose, or ask first, because the model the panel shows would be left behind (`replaces` false: it stays
 * stored under its own method, network and size) or overwritten (`replaces` true: the new run files under its key).
 */
export type StartPlan =
  | { kind: 'resume'; run: RunSummary }
  | { kind: 'fresh' }
  | { kind: 'ask'; shown: RunSummary; replaces: boolean }
  /** The panel's model is held in this tab only (storage did not take it): a fresh run would replace it. */
  | { kind: 'askUnsaved'; step: number };

export function planStart(
  runs: readonly RunSummary[],
  want: { preset: string; network: ModelKind; size: ModelSizeChoice; classValues: readonly number[] },
  shownKey: string | null,
  heldInTab: { step: number } | null = null,
): StartPlan {
  const resumable = findResumable(runs, want);
  if (resumable) return { kind: 'resume', run: resumable };
  if (heldInTab) return { kind: 'askUnsaved', step: heldInTab.step };
  const shown = runs.find((r) => r.key === shownKey);
  if (!shown) return { kind: 'fresh' };
  // 'auto' resolves by backend in the worker, so it may land on the shown run's size: count that as replacing.
  const sameSlot = shown.preset === want.preset && shown.network === want.network && (want.size === 'auto' || want.size === shown.size);
  return { kind: 'ask', shown, replaces: sameSlot && !sameClassValues(shown.classValues, want.classValues) };
}

/**
 * The stored run the panel shows, by key: null when it shows none, or a model held in this tab only (storage did not
 * take it, so no stored run stands for it).
 */
export function shownRunKey(shown: { preset: string; network: ModelKind; size?: ModelSize; stored: boolean } | null): string | null {
  return shown?.stored && shown.size ? runKey(shown.preset, shown.network, shown.size) : null;
}
