/*
 * How long stage 1 (vision–language pre-training) runs. By default exactly `vlm.steps`. With
 * `vlm.maxStepsUntilRetrieval` > 0 it goes on past that, one retrieval block at a time, while held-out retrieval has
 * not left chance (the panel's own criterion, `retrievalHelps`): a text mask from an encoder that matches slices to
 * texts no better than guessing only adds noise to the pseudo-label, so a longer stage 1 is the cheaper fix.
 * No tfjs here: the app's session and the CLI both take their decision from this file.
 */
import { retrievalHelps } from '../../text/textReadiness.ts';

/** The held-out retrieval figure as VlmPretrainer.retrieval() reports it. */
export interface RetrievalFigure {
  step: number;
  accuracy: number;
  chance: number;
  pairs: number;
}

export interface PretrainLengthInput {
  /** Pre-training steps done so far. */
  step: number;
  /** The planned length, `vlm.steps`. */
  steps: number;
  /** `vlm.maxStepsUntilRetrieval`: 0 = off; else the hard cap on total pre-training steps. */
  cap: number;
  /** Steps per extension: the interval between retrieval measurements. */
  block: number;
  /** The latest retrieval measurement, if any. */
  latest: RetrievalFigure | null;
}

/** Why pre-training stopped. */
export type PretrainStopReason =
  /** The switch is off (or its cap is at or below `vlm.steps`): the planned length was run. */
  | 'planned'
  /** Retrieval left chance. */
  | 'helps'
  /** The cap was reached with retrieval still near chance. */
  | 'cap'
  /** No held-out pairs (or no measurement): retrieval cannot tell, so going on has no stopping rule. */
  | 'unmeasured';

/** Go on to `total` (the total to pre-train to now; grows block by block), or stop. */
export type PretrainLength = { done: false; total: number } | { done: true; reason: PretrainStopReason; step: number; latest: RetrievalFigure | null };

/**
 * The decision, taken whenever pre-training reaches the total planned so far: stop, or go on to a new total.
 * Before `vlm.steps` it always goes on to `vlm.steps`; the switch never shortens the planned length.
 */
export function pretrainLength(i: PretrainLengthInput): PretrainLength {
  const { step, steps, latest } = i;
  if (step < steps) return { done: false, total: steps };
  const stop = (reason: PretrainStopReason): PretrainLength => ({ done: true, reason, step, latest });
  if (!(i.cap > steps)) return stop('planned');
  if (!latest || latest.pairs === 0 || !Number.isFinite(latest.accuracy)) return stop('unmeasured');
  if (retrievalHelps(latest)) return stop('helps');
  if (step >= i.cap) return stop('cap');
  return { done: false, total: Math.min(i.cap, step + Math.max(1, Math.floor(i.block))) };
}

/** The stop as a log line, e.g. "retrieval 0.410 ≥ 2× chance 0.120 at step 400". */
export function describePretrainStop(d: Extract<PretrainLength, { done: true }>, cap: number): string {
  const r = d.latest;
  const fig = (x: number) => x.toFixed(3);
  switch (d.reason) {
    case 'planned':
      return `planned length ${d.step} steps run`;
    case 'helps':
      return `retrieval ${fig(r!.accuracy)} ≥ 2× chance ${fig(r!.chance)} at step ${d.step}`;
    case 'cap':
      return `cap ${cap} reached, retrieval still ${fig(r!.accuracy)} against chance ${fig(r!.chance)}`;
    case 'unmeasured':
      return `no held-out retrieval to judge by at step ${d.step}: pre-training is not extended`;
  }
}

/**
 * The running plan of one stage 1: its total so far, extended through `pretrainLength` each time it is reached.
 * The total a progress bar shows is `total`, so it grows before the step past the old total is taken.
 */
export class PretrainPlan {
  total: number;
  stopped: Extract<PretrainLength, { done: true }> | null = null;

  constructor(
    readonly steps: number,
    /** `vlm.maxStepsUntilRetrieval`; a checkpoint from before the switch existed has none: off. */
    readonly cap: number | undefined,
    readonly block: number,
  ) {
    this.total = steps;
  }

  /** True while another step is due after `step` steps, given the latest retrieval measurement. */
  due(step: number, latest: RetrievalFigure | null): boolean {
    if (step < this.total) return true;
    const d = pretrainLength({ step, steps: this.steps, cap: this.cap ?? 0, block: this.block, latest });
    if (d.done) {
      this.stopped = d;
      return false;
    }
    this.total = d.total;
    return true;
  }

  /** Whether the switch is on at all (the CLI logs the stop only then). */
  get extends(): boolean {
    return (this.cap ?? 0) > this.steps;
  }
}
