import { argmaxClasses, uncertaintyBytes } from '../inference.ts';
import { yieldToMessages } from '../yieldToMessages.ts';
import type { FromOnnxWorker, ToOnnxWorker } from './onnxProtocol.ts';
import { OnnxPredictor, type OnnxImage } from './onnxPredictor.ts';
import { createOnnxRunner, type OnnxRunner } from './onnxRunner.ts';
import type { OnnxSidecar } from './sidecar.ts';

/** The step an imported model's predictions carry: it does not train, so every answer is final. */
export const IMPORTED_STEP = 0;

/**
 * The imported-model worker's work, free of the worker global so Node tests drive it: load an ONNX model, keep the
 * volumes it predicts on, answer the slices the user looks at (newest request first) and run predict-all when
 * asked. One thing at a time, yielding between slices so a new focus or a cancel is seen at once.
 */
export class OnnxService {
  private runner: OnnxRunner | null = null;
  private sidecar: OnnxSidecar | null = null;
  private readonly images = new Map<string, OnnxImage>();
  private readonly predictors = new Map<string, OnnxPredictor>();
  /** Slices already answered per volume: an imported model's answer never changes, so each is sent once. */
  private readonly sent = new Map<string, Set<number>>();
  /** Mean uncertainty per slice (−1: not predicted yet), for "next most uncertain slice". */
  private readonly scores = new Map<string, Float32Array>();
  private watch: { volumeId: string; ks: number[] } | null = null;
  private predictAllWanted = false;
  private cancelled = false;
  private running = false;

  constructor(
    private readonly emit: (m: FromOnnxWorker) => void,
    private readonly createRunner: typeof createOnnxRunner = createOnnxRunner,
  ) {}

  handle(m: ToOnnxWorker): void {
    switch (m.type) {
      case 'load':
        void this.load(m);
        return;
      case 'volume':
        this.images.set(m.volumeId, { dims: m.dims, spacing: m.spacing, channels: m.channels, voxels: m.voxels });
        this.predictors.delete(m.volumeId);
        this.sent.delete(m.volumeId);
        this.scores.delete(m.volumeId);
        return;
      case 'forget':
        this.images.delete(m.volumeId);
        this.predictors.delete(m.volumeId);
        return;
      case 'watch':
        this.watch = { volumeId: m.volumeId, ks: m.ks };
        break;
      case 'predictAll':
        this.predictAllWanted = true;
        this.cancelled = false;
        break;
      case 'cancelPredictAll':
        this.cancelled = true;
        return;
    }
    void this.work();
  }

  private async load(m: Extract<ToOnnxWorker, { type: 'load' }>): Promise<void> {
    try {
      await this.runner?.dispose();
      this.runner = await this.createRunner(m.model, { inputName: m.sidecar.inputName, wasmUrl: m.wasmUrl });
      this.sidecar = m.sidecar;
      this.predictors.clear();
      this.sent.clear();
      this.scores.clear();
      this.emit({ type: 'loaded', name: m.name, inputs: this.runner.inputNames, outputs: this.runner.outputNames });
      void this.work();
    } catch (e) {
      this.emit({ type: 'error', message: `${m.name}: ${(e as Error).message}` });
    }
  }

  private predictorFor(volumeId: string): OnnxPredictor | null {
    const known = this.predictors.get(volumeId);
    if (known) return known;
    const image = this.images.get(volumeId);
    if (!image || !this.runner || !this.sidecar) return null;
    const p = new OnnxPredictor(this.runner, this.sidecar, image);
    this.predictors.set(volumeId, p);
    return p;
  }

  /** Watched slices first (they are on screen), then predict-all; one at a time, newest watch wins. */
  private async work(): Promise<void> {
    if (this.running || !this.runner) return;
    this.running = true;
    try {
      for (;;) {
        const next = this.nextWatched();
        if (next) {
          await this.answer(next.volumeId, next.k);
        } else if (this.predictAllWanted) {
          this.predictAllWanted = false;
          await this.predictAll();
        } else {
          return;
        }
        await yieldToMessages();
      }
    } catch (e) {
      this.emit({ type: 'error', message: `the imported model failed: ${(e as Error).message}` });
    } finally {
      this.running = false;
    }
  }

  private nextWatched(): { volumeId: string; k: number } | null {
    const w = this.watch;
    if (!w || !this.images.has(w.volumeId)) return null;
    const done = this.sent.get(w.volumeId);
    const k = w.ks.find((k) => !done?.has(k));
    return k === undefined ? null : { volumeId: w.volumeId, k };
  }

  /** One slice's pseudo-label and uncertainty, as the training worker sends them. */
  private async answer(volumeId: string, k: number): Promise<void> {
    const p = this.predictorFor(volumeId);
    if (!p) return;
    const { probs } = (await p.predictSlices([k]))[0]!;
    this.markSent(volumeId, k);
    const values = p.sidecar.classes.map((c) => c.value);
    const labels = argmaxClasses(probs, p.numClasses).map((c) => (c === 0 ? 0 : values[c - 1]!));
    const uncertainty = uncertaintyBytes(probs, p.numClasses);
    this.noteScore(volumeId, k, uncertainty);
    this.emit({ type: 'prediction', volumeId, k, step: IMPORTED_STEP, labels, uncertainty, text: null });
  }

  private markSent(volumeId: string, k: number): void {
    let s = this.sent.get(volumeId);
    if (!s) this.sent.set(volumeId, (s = new Set()));
    s.add(k);
  }

  private noteScore(volumeId: string, k: number, uncertainty: Uint8Array): void {
    const nk = this.images.get(volumeId)?.dims[2] ?? 0;
    let scores = this.scores.get(volumeId);
    if (!scores) this.scores.set(volumeId, (scores = new Float32Array(nk).fill(-1)));
    let sum = 0;
    for (const u of uncertainty) sum += u;
    scores[k] = sum / Math.max(1, uncertainty.length) / 255;
  }

  /** Every slice of every volume: the whole-volume labels Export predictions writes. */
  private async predictAll(): Promise<void> {
    const ids = [...this.images.keys()];
    const total = ids.reduce((n, id) => n + this.images.get(id)!.dims[2], 0);
    let done = 0;
    this.emit({ type: 'predictAllProgress', done, total });
    for (const volumeId of ids) {
      const p = this.predictorFor(volumeId);
      const image = this.images.get(volumeId);
      if (!p || !image) continue;
      const [ni, nj, nk] = image.dims;
      const values = p.sidecar.classes.map((c) => c.value);
      const labels = new Uint8Array(ni * nj * nk);
      for (let k = 0; k < nk; k++) {
        if (this.cancelled) {
          this.emit({ type: 'predictAllDone', cancelled: true });
          return;
        }
        const { probs } = (await p.predictSlices([k]))[0]!;
        const classes = argmaxClasses(probs, p.numClasses);
        for (let n = 0; n < classes.length; n++) labels[k * ni * nj + n] = classes[n] === 0 ? 0 : values[classes[n]! - 1]!;
        this.noteScore(volumeId, k, uncertaintyBytes(probs, p.numClasses));
        this.emit({ type: 'predictAllProgress', done: ++done, total });
        await yieldToMessages();
      }
      this.emit({ type: 'predictAllVolume', volumeId, labels });
      this.emit({ type: 'sliceScores', volumeId, step: IMPORTED_STEP, scores: this.scores.get(volumeId)!.slice() });
    }
    this.emit({ type: 'predictAllDone', cancelled: false });
  }
}
