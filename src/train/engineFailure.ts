import type { EngineFailure } from './protocol.ts';

/*
 * An engine failure in words a clinician can act on. No tfjs here: the worker and the app both use it.
 * The raw text ("Aborted(). Build with -sASSERTIONS…", "memory access out of bounds") stays available as details.
 */

export interface ExplainedFailure {
  /** null when the error is not the engine's (a bad configuration, a message already in plain words). */
  engine: EngineFailure | null;
  /** What happened and what to try, in plain words. */
  message: string;
  /** The engine's own text. */
  details: string;
}

/** What the WebAssembly engine says when its heap cannot grow or a kernel read past it. */
const WASM_MEMORY =
  /Aborted\(|abort\(|memory access out of bounds|out of memory|Cannot enlarge memory|Array buffer allocation failed|RangeError: (WebAssembly\.Memory|Invalid typed array length|Array buffer)|could not allocate|_malloc|OOM/i;
/** What WebGPU says when the GPU device is lost or a buffer could not be made. */
const GPU_LOST = /device (was |is )?lost|GPUDevice|destroyed|DXGI_ERROR|context lost/i;
const GPU_MEMORY = /GPUOutOfMemoryError|out of memory|allocation failed|Failed to allocate/i;

/** A backend's name as the panel shows it. */
function backendWords(backend: string | null): string {
  return backend === 'wasm'
    ? 'the CPU (WebAssembly) engine'
    : backend === 'webgpu'
      ? 'the GPU (WebGPU)'
      : backend === 'webgl'
        ? 'the GPU (WebGL)'
        : backend === 'cpu'
          ? 'the CPU (JavaScript) engine'
          : 'the training engine';
}

/**
 * Reads an engine error. `backend` is the running backend's name (null before one started); `checkpointStep` the
 * step of the last saved model, so the message can say where a resume starts.
 */
export function explainEngineFailure(raw: string, backend: string | null, checkpointStep: number | null): ExplainedFailure {
  const where = backendWords(backend);
  const resume =
    checkpointStep !== null
      ? `Press Resume to continue from the model saved at step ${checkpointStep}`
      : 'Press Start to train again (no model had been saved yet)';
  const gpu = backend === 'webgpu' || backend === 'webgl';
  if (gpu && GPU_LOST.test(raw)) {
    return {
      engine: 'device',
      message: `The GPU stopped responding, so training stopped; your labels are safe. This happens when the GPU runs out of memory or is reset by the browser. Try a smaller model size, or the CPU (WebAssembly) backend. ${resume}.`,
      details: raw,
    };
  }
  if (WASM_MEMORY.test(raw) || (gpu && GPU_MEMORY.test(raw))) {
    return {
      engine: 'memory',
      message: `Training ran out of memory in ${where}, so it stopped; your labels are safe. Try a smaller model size (Tiny), or another backend. ${resume}.`,
      details: raw,
    };
  }
  return { engine: null, message: raw, details: raw };
}

/**
 * Text that is an engine's or the JavaScript runtime's own words rather than a sentence written for a person: a
 * WebAssembly abort, a runtime trap, a programming error surfacing through a catch. Plain sentences that merely name
 * WebAssembly or a backend do not match, so messages written for the user pass through untouched.
 */
const RAW_ENGINE_TEXT =
  /Aborted\(|abort\(|-sASSERTIONS|RuntimeError|memory access out of bounds|\bunreachable\b|table index is out of bounds|Maximum call stack|is not a function|Cannot read propert(y|ies) of|undefined is not|null is not an object|Cannot enlarge memory|Array buffer allocation failed|_malloc|\bOOM\b/i;

export function looksLikeRawEngineText(text: string): boolean {
  return RAW_ENGINE_TEXT.test(text);
}

/**
 * Plain words for raw engine text that reached a message without being explained where it was raised (the
 * engine's state — backend, saved step — is not known here, so the advice is the general one). `subject` is what
 * the message is shown under ("Training"), null when none: the sentence then names no subject of its own, so the
 * message does not read "Training: Training stopped". Returns null for text that is already plain.
 */
export function explainRawEngineText(text: string, subject: string | null): { message: string; details: string } | null {
  if (!looksLikeRawEngineText(text)) return null;
  const what = subject ? 'Stopped' : 'The last action stopped';
  if (WASM_MEMORY.test(text) || GPU_MEMORY.test(text)) {
    return {
      message: `${what} because the engine ran out of memory; your labels are safe. Choose a smaller model size (Tiny) or another backend, then press Start (or Resume) again.`,
      details: text,
    };
  }
  return {
    message: `${what} on an internal engine error; your labels are safe. Press Start (or Resume) to try again; if it happens again, reload the page or choose another backend.`,
    details: text,
  };
}
