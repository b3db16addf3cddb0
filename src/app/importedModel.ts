import type { AppState, AppStore } from '../store/appStore.ts';
import type { FromOnnxWorker, ToOnnxWorker } from '../train/onnx/onnxProtocol.ts';
import { OnnxClient } from '../train/onnx/OnnxClient.ts';
import { describeSidecar, parseSidecar, type OnnxSidecar } from '../train/onnx/sidecar.ts';
import { makeClass } from '../volume/classes.ts';

/** What the controller needs of the worker's client (a stand-in in tests). */
export interface OnnxWorkerPort {
  send(m: ToOnnxWorker): void;
  dispose(): void;
}

type MakeClient = (onEvent: (m: FromOnnxWorker) => void, onCrash: (message: string) => void) => OnnxWorkerPort;

const SUBJECT = 'Imported model';

/**
 * An ONNX segmentation model trained elsewhere (nnU-Net, MONAI), used in the app as a trained model is: its answers
 * fill the pseudo-label and uncertainty layers of the slices on screen, "Predict all" labels every volume, and the
 * review (accept, reject, next most uncertain slice) works on them unchanged, because the worker speaks the training
 * worker's events. It runs in its own worker, never beside a training run.
 */
export class ImportedModelController {
  private client: OnnxWorkerPort | null = null;
  private sidecar: OnnxSidecar | null = null;
  private readonly sentVolumes = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: AppStore,
    private readonly makeClient: MakeClient = (onEvent, onCrash) => new OnnxClient(onEvent, onCrash),
    private readonly wasmUrl: () => string = () => new URL('ort-wasm/ort-wasm-simd-threaded.asyncify.wasm', document.baseURI).href,
  ) {
    this.unsubscribe = store.subscribe((s, prev) => {
      if (!this.client) return;
      if (s.volumes !== prev.volumes) this.syncVolumes(s);
      if (s.training.focus !== prev.training.focus) this.sendWatch();
    });
  }

  get active(): boolean {
    return this.client !== null;
  }

  /** The user chose files: the .onnx model and its sidecar .json (docs/onnx-models.md). */
  async open(files: readonly File[]): Promise<boolean> {
    const s = this.store.getState();
    const tell = (text: string): false => {
      s.pushMessage({ severity: 'error', subject: SUBJECT, text });
      return false;
    };
    const model = files.find((f) => /\.onnx$/i.test(f.name));
    const json = files.find((f) => /\.json$/i.test(f.name));
    if (!model) return tell("Choose the model's .onnx file together with its sidecar .json (both at once in the file dialog).");
    if (!json)
      return tell(
        `${model.name} needs its sidecar JSON (spacing, normalisation, window and classes): choose both files at once. docs/onnx-models.md describes it.`,
      );
    if (s.training.status === 'running' || s.training.status === 'starting' || s.training.status === 'paused') {
      return tell('A model is training: stop it first, then import the other model.');
    }
    let sidecar: OnnxSidecar;
    try {
      sidecar = parseSidecar(await json.text(), json.name);
    } catch (e) {
      return tell((e as Error).message);
    }
    const unusable = s.volumeOrder.filter((id) => s.volumes[id]?.volume.channels !== sidecar.channels);
    if (unusable.length === s.volumeOrder.length && unusable.length > 0) {
      return tell(`${model.name} expects ${sidecar.channels === 1 ? 'grey' : 'RGB'} images; none of the open images is.`);
    }
    this.adoptClasses(sidecar);
    this.close();
    this.sidecar = sidecar;
    this.client = this.makeClient(
      (m) => this.onEvent(m),
      (message) => this.onCrash(message),
    );
    s.setTrainingPatch({ onnxModel: { name: model.name, summary: describeSidecar(sidecar), status: 'loading' } });
    this.client.send({ type: 'load', model: new Uint8Array(await model.arrayBuffer()), sidecar, name: model.name, wasmUrl: this.wasmUrl() });
    this.syncVolumes(this.store.getState());
    this.sendWatch();
    if (unusable.length > 0)
      s.pushMessage({
        severity: 'warning',
        subject: SUBJECT,
        text: `${model.name} expects ${sidecar.channels === 1 ? 'grey' : 'RGB'} images, so it skips ${unusable.length} of the open images.`,
      });
    return true;
  }

  predictAll(): void {
    this.client?.send({ type: 'predictAll' });
  }

  cancelPredictAll(): void {
    this.client?.send({ type: 'cancelPredictAll' });
  }

  /** Stops using the model; its pseudo-labels stay on screen for review until a training run replaces them. */
  close(): void {
    this.client?.dispose();
    this.client = null;
    this.sentVolumes.clear();
    if (this.store.getState().training.onnxModel) this.store.getState().setTrainingPatch({ onnxModel: null });
  }

  dispose(): void {
    this.close();
    this.unsubscribe();
  }

  /** The model's classes join the workspace's by value; a value already used keeps the user's name and colour. */
  private adoptClasses(sidecar: OnnxSidecar): void {
    const s = this.store.getState();
    const known = new Map(s.classes.map((c) => [c.value, c]));
    const added = sidecar.classes.filter((c) => !known.has(c.value));
    // A sidecar that names no class ("class 2" is parseSidecar's stand-in) has nothing to disagree about.
    const renamed = sidecar.classes.filter(
      (c) => known.has(c.value) && !/^class \d+$/.test(c.name) && known.get(c.value)!.name.toLowerCase() !== c.name.toLowerCase(),
    );
    if (added.length > 0) s.setClasses([...s.classes, ...added.map((c) => makeClass(c.value, c.name))].sort((a, b) => a.value - b.value));
    if (renamed.length > 0) {
      s.pushMessage({
        severity: 'warning',
        subject: SUBJECT,
        text: `The model calls ${renamed.map((c) => `label ${c.value} "${c.name}"`).join(', ')}; this workspace names ${renamed.length === 1 ? 'it' : 'them'} ${renamed.map((c) => `"${known.get(c.value)!.name}"`).join(', ')}. Its predictions use the workspace's names.`,
      });
    }
  }

  private syncVolumes(s: AppState): void {
    if (!this.client || !this.sidecar) return;
    for (const id of s.volumeOrder) {
      const e = s.volumes[id];
      if (!e || this.sentVolumes.has(id) || e.volume.channels !== this.sidecar.channels) continue;
      const g = e.volume.geometry;
      this.client.send({ type: 'volume', volumeId: id, dims: g.dims, spacing: g.spacing, channels: e.volume.channels, voxels: e.volume.voxels });
      this.sentVolumes.add(id);
    }
    for (const id of [...this.sentVolumes]) {
      if (s.volumes[id]) continue;
      this.client.send({ type: 'forget', volumeId: id });
      this.sentVolumes.delete(id);
    }
  }

  /** The slice on screen and its neighbours, as the training run is asked for them. */
  private sendWatch(): void {
    const s = this.store.getState();
    const f = s.training.focus;
    if (!this.client || !f || !this.sentVolumes.has(f.volumeId)) return;
    const nk = s.volumes[f.volumeId]?.labels.dims[2] ?? 1;
    this.client.send({ type: 'watch', volumeId: f.volumeId, ks: [f.k, f.k - 1, f.k + 1].filter((k) => k >= 0 && k < nk) });
  }

  private onEvent(m: FromOnnxWorker): void {
    const s = this.store.getState();
    if (m.type === 'loaded') {
      const current = s.training.onnxModel;
      if (current) s.setTrainingPatch({ onnxModel: { ...current, status: 'ready' } });
      s.pushMessage({
        severity: 'info',
        subject: SUBJECT,
        text: `${m.name} is ready: ${current?.summary ?? ''}. Its pseudo-labels appear on the slice on screen; Predict all labels every volume.`,
      });
      return;
    }
    if (m.type === 'error') {
      s.pushMessage({ severity: 'error', subject: SUBJECT, text: m.message });
      if (s.training.onnxModel?.status === 'loading') this.close();
      return;
    }
    s.applyTrainingEvent(m);
  }

  private onCrash(message: string): void {
    this.store.getState().pushMessage({
      severity: 'error',
      subject: SUBJECT,
      text: `The imported model's worker stopped (${message}). Your labels are safe; import the model again to go on.`,
    });
    this.close();
  }
}

let controller: ImportedModelController | null = null;

export function initImportedModel(store: AppStore): ImportedModelController {
  controller?.dispose();
  controller = new ImportedModelController(store);
  return controller;
}

export function importedModel(): ImportedModelController | null {
  return controller;
}
