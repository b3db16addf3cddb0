/**
 * A thin Node worker shell over the app's TrainingSession: what src/train/worker/trainingWorker.ts does in the
 * browser (messages in, events out, buffers transferred), with worker_threads' port in place of the worker scope.
 * The browser entry itself cannot run here: it reads `self` and the Vite-bundled shaders.
 */
import '@tensorflow/tfjs-backend-wasm';
import { parentPort } from 'node:worker_threads';
import { transferables, type FromWorker, type ToWorker } from '../../src/train/protocol.ts';
import { TrainingSession } from '../../src/train/TrainingSession.ts';
import { SHELL_READY } from './shellReady.ts';

const port = parentPort;
if (!port) throw new Error('sessionWorker.mts runs as a worker thread');
const session = new TrainingSession((m: FromWorker) => port.postMessage(m, transferables(m) as unknown as ArrayBuffer[]));
port.on('message', (m: ToWorker) => session.handle(m));
// The shell's own word, outside the protocol: the modules are loaded (tsx compiles them here; the browser gets them
// bundled), so the benchmark's clock starts with the start message, as the page's does.
port.postMessage({ type: SHELL_READY });
