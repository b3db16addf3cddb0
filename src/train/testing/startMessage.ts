import type { ToWorker } from '../protocol.ts';

type Start = Extract<ToWorker, { type: 'start' }>;

/**
 * A session's start message as the Node tests send it: WebAssembly with our kernels, the tiny model, no checkpoint,
 * no periodic checkpoints within a test, no texts. Each test names its config, classes and volumes.
 */
export function startMessage(run: Pick<Start, 'config' | 'classes' | 'volumes'> & Partial<Start>): Start {
  return {
    type: 'start',
    backendOrder: ['wasm'],
    skipSoftware: true,
    customKernels: true,
    modelSize: 'tiny',
    wasmPaths: '',
    checkpoint: null,
    checkpointEveryMs: 3_600_000,
    texts: null,
    textVectors: null,
    tak: null,
    takVectors: null,
    ...run,
  };
}
