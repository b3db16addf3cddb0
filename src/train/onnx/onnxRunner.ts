import * as ort from 'onnxruntime-web/webgpu';
import type { WindowRunner } from './onnxPredictor.ts';

/**
 * ONNX Runtime Web on its WebAssembly backend, one window at a time. The same package runs in the imported-model
 * worker and in Node (the CLI), so `pseudolab predict --onnx` and the app give the same answer. Its WebGPU build is
 * imported because its .wasm (the asyncify one) is the binary the app already serves for the pretrained text
 * encoder (vite.config.ts: never a CDN), found at `wasmUrl`; only the wasm execution provider is used. One thread:
 * the page is not cross-origin isolated, so WebAssembly threads are not available anyway.
 */
export interface OnnxRunner extends WindowRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  dispose(): Promise<void>;
}

export async function createOnnxRunner(model: Uint8Array, opts: { inputName?: string | null; wasmUrl?: string } = {}): Promise<OnnxRunner> {
  ort.env.wasm.numThreads = 1;
  if (opts.wasmUrl) ort.env.wasm.wasmPaths = { wasm: opts.wasmUrl };
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(`ONNX Runtime could not load the model: ${(e as Error).message.split('\n')[0]} (is it an .onnx file?)`);
  }
  const input = opts.inputName ?? session.inputNames[0];
  if (!input || !session.inputNames.includes(input)) {
    throw new Error(`the model has no input "${input}" (its inputs: ${session.inputNames.join(', ')}); fix "input" in the sidecar`);
  }
  const output = session.outputNames[0]!;
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(data, shape) {
      const feeds = { [input]: new ort.Tensor('float32', data, shape) };
      const result = await session.run(feeds);
      const t = result[output]!;
      if (t.type !== 'float32') throw new Error(`the model's output "${output}" is ${t.type}; a float32 map of class scores is needed`);
      const out = { data: t.data as Float32Array, dims: [...t.dims] };
      t.dispose();
      return out;
    },
    dispose: () => session.release(),
  };
}
