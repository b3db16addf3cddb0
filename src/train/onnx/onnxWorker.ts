/// <reference lib="webworker" />
import { type FromOnnxWorker, onnxTransferables, type ToOnnxWorker } from './onnxProtocol.ts';
import { OnnxService } from './OnnxService.ts';

/** The imported model's home in the browser: its own worker, so training and an imported model never share one. */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const service = new OnnxService((m: FromOnnxWorker) => scope.postMessage(m, onnxTransferables(m)));

scope.onmessage = (e: MessageEvent<ToOnnxWorker>) => {
  if (!e.data || typeof e.data !== 'object' || !('type' in e.data)) return;
  service.handle(e.data);
};
