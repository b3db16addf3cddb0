import type { FromWorker, ToWorker } from './protocol.ts';
import { transferables } from './protocol.ts';

/**
 * The main thread's handle on the training worker: typed messages out, typed events in. Owns the worker:
 * dispose() terminates it (the only way to stop a backend mid-kernel).
 */
export class TrainingClient {
  private readonly worker: Worker;

  constructor(onEvent: (m: FromWorker) => void, onCrash: (message: string) => void) {
    this.worker = new Worker(new URL('./worker/trainingWorker.ts', import.meta.url), { type: 'module', name: 'pseudolab-training' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => onEvent(e.data);
    this.worker.onerror = (e) => onCrash(e.message || 'the training worker failed to start');
    this.worker.onmessageerror = () => onCrash('a message from the training worker could not be read');
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m, transferables(m));
  }

  dispose(): void {
    this.worker.terminate();
  }
}
