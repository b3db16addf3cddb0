import type { FromWorker } from '../train/protocol.ts';

/**
 * Worker events that only refresh what is shown (progress, the loss chart, pseudo-labels, slice scores). Each one
 * applied alone re-renders the panel and, for predictions, redraws every view; on a software renderer that redraw
 * costs hundreds of milliseconds of CPU, which a slice change or a click then waits behind. They are applied in
 * batches, and not while the user is interacting.
 */
const DEFERRABLE: ReadonlySet<FromWorker['type']> = new Set(['step', 'prediction', 'sliceScores', 'validation', 'vlmStep', 'predictAllProgress']);

export interface EventPacing {
  /** At most one batch this often. */
  batchMs: number;
  /** Wait until the user has not touched the page for this long… */
  quietMs: number;
  /** …but hold no event longer than this, so pseudo-labels still come while someone scrolls on and on. */
  maxDelayMs: number;
}

export const EVENT_PACING: EventPacing = { batchMs: 250, quietMs: 600, maxDelayMs: 3000 };

export function isDeferrable(m: FromWorker): boolean {
  return DEFERRABLE.has(m.type);
}

/** The key under which a later event replaces an earlier one of a batch; null when every event counts (steps). */
function replaceKey(m: FromWorker): string | null {
  switch (m.type) {
    case 'prediction':
      return `prediction/${m.volumeId}/${m.k}`;
    case 'sliceScores':
      return `sliceScores/${m.volumeId}`;
    case 'predictAllProgress':
      return 'predictAllProgress';
    default:
      return null;
  }
}

/**
 * A held batch without the events a later one of the same batch overwrites (a slice's older prediction, older slice
 * scores, older progress), in the original order otherwise: each prediction applied costs a store update and a
 * redraw, and while the user is busy several can pile up for the same slice.
 */
export function coalesce(batch: readonly FromWorker[]): FromWorker[] {
  const last = new Map<string, number>();
  batch.forEach((m, i) => {
    const key = replaceKey(m);
    if (key !== null) last.set(key, i);
  });
  return batch.filter((m, i) => {
    const key = replaceKey(m);
    return key === null || last.get(key) === i;
  });
}

/**
 * Milliseconds from `now` until queued events should be applied: once a batch interval has passed since the last
 * batch and the user has been quiet for `quietMs`, or when the oldest queued event has waited `maxDelayMs`.
 */
export function flushDelay(now: number, queuedAt: number, lastFlushAt: number, lastInputAt: number, pacing: EventPacing = EVENT_PACING): number {
  const due = Math.max(lastFlushAt + pacing.batchMs, lastInputAt + pacing.quietMs);
  return Math.max(0, Math.min(due, queuedAt + pacing.maxDelayMs) - now);
}

/**
 * Passes the training worker's events on in order: events that change what runs (state, errors, checkpoints) at
 * once, after any queued ones; display-only events in batches, paced by `flushDelay`. All events of one batch are
 * applied in one task, so React renders them once.
 */
export class TrainingEventQueue {
  private queued: FromWorker[] = [];
  private queuedAt = 0;
  private lastFlushAt = -Infinity;
  private lastInputAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly apply: (m: FromWorker) => void,
    private readonly pacing: EventPacing = EVENT_PACING,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  receive(m: FromWorker): void {
    if (!isDeferrable(m)) {
      this.flush();
      this.apply(m);
      return;
    }
    if (this.queued.length === 0) this.queuedAt = this.clock();
    this.queued.push(m);
    this.schedule();
  }

  /** The user pressed a key, clicked, dragged or scrolled: queued events wait a little longer. */
  noteInput(): void {
    this.lastInputAt = this.clock();
  }

  /** Applies every queued event now (before an action that reads what they carry, and at the end of a run). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.lastFlushAt = this.clock();
    for (const m of coalesce(batch)) this.apply(m);
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queued = [];
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = flushDelay(this.clock(), this.queuedAt, this.lastFlushAt, this.lastInputAt, this.pacing);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Input may have come meanwhile: wait again if the user is still busy.
      if (flushDelay(this.clock(), this.queuedAt, this.lastFlushAt, this.lastInputAt, this.pacing) > 0) this.schedule();
      else this.flush();
    }, wait);
  }
}

/** Calls `onInput` on the user's keys, clicks, drags and wheel turns over `target`; returns the function that stops. */
export function watchInput(target: EventTarget, onInput: () => void): () => void {
  const kinds = ['keydown', 'pointerdown', 'wheel'] as const;
  const drag = (e: Event): void => {
    if ((e as PointerEvent).buttons) onInput();
  };
  for (const k of kinds) target.addEventListener(k, onInput, { capture: true, passive: true });
  target.addEventListener('pointermove', drag, { capture: true, passive: true });
  return () => {
    for (const k of kinds) target.removeEventListener(k, onInput, { capture: true });
    target.removeEventListener('pointermove', drag, { capture: true });
  };
}
