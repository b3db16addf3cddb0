import { afterEach, beforeEach, vi } from 'vitest';
import type { FromWorker, ToWorker } from '../../train/protocol.ts';

/**
 * A stand-in for the training worker in Node tests of the controller: it records what the page sends and lets the
 * test answer as the worker would (`say`). `last` is the newest one the controller made.
 */
export class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly received: ToWorker[] = [];
  terminated = false;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(m: ToWorker): void {
    this.received.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  say(m: FromWorker): void {
    this.onmessage?.({ data: m });
  }
}

/** In a describe block: fake timers, `Worker` replaced by FakeWorker and the `document.baseURI` a worker URL needs. */
export function useFakeWorker(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('document', { baseURI: 'http://127.0.0.1/' });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}
