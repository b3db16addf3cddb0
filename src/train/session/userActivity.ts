/**
 * The user's input as the worker hears of it ('userActive' messages from the page), so training yields to it. On a
 * machine with few cores a training step on WebAssembly takes a whole core, and a slice change or a click then
 * waits for the CPU; the worker cannot stop a step midway, but it can wait before starting the next one (and the
 * live layers, validation and scores after it) until the user pauses, for at most HOLD_MAX_MS at a time, so
 * training still moves during endless scrolling. The cap is long because a shorter one lets a step start in the
 * middle of a scroll, and that step then slows every slice change until it ends (seconds on WebAssembly). The quiet
 * time is a second, not less, because a person working through slices or toggling layers leaves 0.3–1 s between
 * inputs: with 400 ms a step often started in such a gap and the next input waited for it
 * (bench/results/latency-2026-12-07c.md).
 */
export const USER_QUIET_MS = 1000;
export const HOLD_MAX_MS = 10_000;

/** Milliseconds to wait from `now`: until USER_QUIET_MS after the last input, capped at HOLD_MAX_MS since `holdStart`. */
export function holdMs(now: number, lastInputAt: number, holdStart: number): number {
  return Math.max(0, Math.min(lastInputAt + USER_QUIET_MS, holdStart + HOLD_MAX_MS) - now);
}

export class UserActivity {
  private lastInputAt = -Infinity;

  constructor(
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  note(): void {
    this.lastInputAt = this.clock();
  }

  /** Waits while the user is busy (see holdMs), checking `stop` every 50 ms so Stop and Pause are not delayed. */
  async hold(stop: () => boolean): Promise<void> {
    const start = this.clock();
    for (;;) {
      const wait = holdMs(this.clock(), this.lastInputAt, start);
      if (wait <= 0 || stop()) return;
      await this.sleep(Math.min(50, wait));
    }
  }
}
