/**
 * A 3D slab of sliding windows costs several training steps, so live predictions, validation and slice scores
 * each wait until the time since they last ran is this many times what they took: together they stay a minority.
 */
const SERVICE_SHARE = 4;
/** A 2D step slower than this makes live previews keep to their share of the time, as 3D's always do. */
export const SLOW_STEP_MS = 2_000;

export type ServiceName = 'refresh' | 'validate' | 'score';

const ACTIVITY: Record<ServiceName, string> = { refresh: 'refreshing the slices on screen', validate: 'validating', score: 'scoring slices' };

/**
 * The time the services between steps take, and what the loop is awaiting now: the diagnosis a stuck worker gives
 * (the worker exposes it as self.__pseudolabTraining). One that answers says which await it is in; one that does
 * not is blocked in synchronous code.
 */
export class ServiceShare {
  activity = 'starting';
  /** When each service last ran and how long it took. */
  readonly services: Record<ServiceName, { at: number; ms: number }> = { refresh: { at: 0, ms: 0 }, validate: { at: 0, ms: 0 }, score: { at: 0, ms: 0 } };

  /**
   * Whether a service may run now without taking more than its share of the time. 2D services cost little next to
   * a step, unless steps are slow (a large slice on a CPU backend): then they too keep to their share, or a 512²
   * CT would spend more time previewing than training.
   */
  affordable(service: ServiceName, volumetric: boolean, lastStepMs: number): boolean {
    if (!volumetric && lastStepMs <= SLOW_STEP_MS) return true;
    const s = this.services[service];
    return performance.now() - s.at >= SERVICE_SHARE * s.ms;
  }

  async timed<T>(service: ServiceName, run: () => Promise<T>): Promise<T> {
    this.activity = ACTIVITY[service];
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.services[service] = { at: performance.now(), ms: performance.now() - t0 };
    }
  }

  async doing<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.activity = what;
    return run();
  }

  snapshot(): Record<ServiceName, { at: number; ms: number }> {
    return { ...this.services };
  }
}
