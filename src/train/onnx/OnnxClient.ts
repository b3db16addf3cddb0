import { type FromOnnxWorker, onnxTransferables, type ToOnnxWorker } from './onnxProtocol.ts';

/** The page's handle on the imported-model worker: typed messages out, typed events in; dispose() ends it. */
export class OnnxClient {
  private readonly worker: Worker;

  constructor(onEvent: (m: FromOnnxWorker) => void, onCrash: (message: string) => void) {
    this.worker = new Worker(new URL('./onnxWorker.ts', import.meta.url), { type: 'module', name: 'pseudolab-imported-model' });
    this.worker.onmessage = (e: MessageEvent<FromOnnxWorker>) => onEvent(e.data);
    this.worker.onerror = (e) => onCrash(e.message || 'the imported-model worker failed to start');
    this.worker.onmessageerror = () => onCrash('a message from the imported-model worker could not be read');
  }

  send(m: ToOnnxWorker): void {
    this.worker.postMessage(m, onnxTransferables(m));
  }

  dispose(): void {
    this.worker.terminate();
  }
}
