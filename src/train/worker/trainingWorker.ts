/// <reference lib="webworker" />
import type { FromWorker, ToWorker } from '../protocol.ts';
import { transferables } from '../protocol.ts';
import { TrainingSession } from '../TrainingSession.ts';
import { loadBundledShaders } from '../../gpu/shaderSources.vite.ts';

// Our WGSL kernels travel inside the worker bundle; they are installed if and when WebGPU starts.
loadBundledShaders();

/** The training engine's home in the browser: messages in, events out; the session does the work. */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const session = new TrainingSession((m: FromWorker) => scope.postMessage(m, transferables(m)));

// For diagnosis from a test or the devtools console of this worker: where the run is (see debugState).
(scope as unknown as { __pseudolabTraining: () => ReturnType<TrainingSession['debugState']> }).__pseudolabTraining = () => session.debugState();

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  // Other libraries may post into this scope; only our protocol's messages carry a known type.
  if (!e.data || typeof e.data !== 'object' || !('type' in e.data)) return;
  session.handle(e.data);
};

scope.onerror = (e) => {
  scope.postMessage({ type: 'error', message: `training worker error: ${String((e as ErrorEvent).message ?? e)}` } satisfies FromWorker);
};
