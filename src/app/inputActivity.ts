import { watchInput } from './trainingEventQueue.ts';

/**
 * When the user last touched the page (key, click, drag, wheel), so work that can wait — folding saved label deltas,
 * storing a run's layers — waits for a pause in the user's input instead of competing with it for the CPU. On a
 * two-core machine training on WebAssembly, that work landing under a slice change is what makes it slow.
 */
export class InputActivity {
  private last = -Infinity;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  note(): void {
    this.last = this.clock();
  }

  /** Milliseconds since the last input (Infinity before any). */
  idleMs(): number {
    return this.clock() - this.last;
  }

  /**
   * Resolves once the user has been still for `quietMs`, or after `maxWaitMs` whatever they do, so deferred work
   * still happens during endless scrolling.
   */
  async whenQuiet(quietMs: number, maxWaitMs: number, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
    const start = this.clock();
    for (;;) {
      const idle = this.idleMs();
      const waited = this.clock() - start;
      if (idle >= quietMs || waited >= maxWaitMs) return;
      await sleep(Math.min(quietMs - idle, maxWaitMs - waited));
    }
  }
}

/** The page's one record of input, fed from the first call of watchPageInput. */
export const inputActivity = new InputActivity();

let watching = false;

/** Starts recording the page's input (once; later calls do nothing). */
export function watchPageInput(): void {
  if (watching || typeof window === 'undefined') return;
  watching = true;
  watchInput(window, () => inputActivity.note());
}

/** What deferred background work waits for: 800 ms without input, at most 15 s. */
export const whenInputQuiet = (): Promise<void> => inputActivity.whenQuiet(800, 15_000);
