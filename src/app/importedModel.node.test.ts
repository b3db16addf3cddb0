import { describe, expect, it } from 'vitest';
import { syntheticVolume } from '../io/nnunet/testing/nnunetWorkspace.ts';
import { createAppStore } from '../store/appStore.ts';
import type { FromOnnxWorker, ToOnnxWorker } from '../train/onnx/onnxProtocol.ts';
import { makeClass } from '../volume/classes.ts';
import { ImportedModelController } from './importedModel.ts';

const SIDECAR = {
  dimensions: 2,
  patch: [16, 16],
  classes: [
    { value: 1, name: 'Anterior' },
    { value: 5, name: 'lesion' },
  ],
  normalisation: { kind: 'zscore-per-image' },
};

function setUp() {
  const store = createAppStore();
  const a = syntheticVolume('case_a.nii.gz');
  store.getState().addVolumes([{ volume: a }]);
  store.setState({ classes: [makeClass(1, 'Head'), makeClass(2, 'Posterior')] });
  const sent: ToOnnxWorker[] = [];
  let emit: (m: FromOnnxWorker) => void = () => {};
  let disposed = 0;
  const controller = new ImportedModelController(
    store,
    (onEvent) => {
      emit = onEvent;
      return { send: (m) => sent.push(m), dispose: () => disposed++ };
    },
    () => 'http://x/ort.wasm',
  );
  return { store, a, sent, emit: (m: FromOnnxWorker) => emit(m), controller, disposed: () => disposed };
}

const files = (sidecar: unknown = SIDECAR) => [new File([new Uint8Array([1, 2, 3])], 'liver.onnx'), new File([JSON.stringify(sidecar)], 'liver.json')];

describe('an imported ONNX model in the app', () => {
  it('loads in its own worker, gets the volumes and the slice on screen, and its answers become the pseudo-label layer', async () => {
    const { store, a, sent, emit, controller } = setUp();
    expect(await controller.open(files())).toBe(true);
    expect(sent.map((m) => m.type)).toEqual(['load', 'volume']);
    expect(sent[0]).toMatchObject({ type: 'load', name: 'liver.onnx', wasmUrl: 'http://x/ort.wasm', sidecar: { dimensions: 2, patch: [16, 16] } });
    // The model's new class joins the workspace; label 1 keeps the user's name ("Head"), and the user is told.
    expect(store.getState().classes.map((c) => [c.value, c.name])).toEqual([
      [1, 'Head'],
      [2, 'Posterior'],
      [5, 'lesion'],
    ]);
    expect(store.getState().messages.some((m) => m.severity === 'warning' && /label 1 "Anterior".*"Head"/.test(m.text))).toBe(true);
    expect(store.getState().training.onnxModel).toEqual({
      name: 'liver.onnx',
      summary: '2D model, windows 16×16, 2 classes (Anterior, lesion)',
      status: 'loading',
    });

    emit({ type: 'loaded', name: 'liver.onnx', inputs: ['image'], outputs: ['scores'] });
    expect(store.getState().training.onnxModel?.status).toBe('ready');
    store.getState().setFocus(a.id, 3);
    expect(sent.at(-1)).toEqual({ type: 'watch', volumeId: a.id, ks: [3, 2, 4] });

    const [ni, nj] = a.geometry.dims;
    const labels = new Uint8Array(ni * nj).fill(5);
    emit({ type: 'prediction', volumeId: a.id, k: 3, step: 0, labels, uncertainty: new Uint8Array(ni * nj).fill(40), text: null });
    const layer = store.getState().training.predictions[a.id]!;
    expect(layer.labels[3 * ni * nj]).toBe(5);
    expect(layer.uncertainty[3 * ni * nj + 7]).toBe(40);

    controller.predictAll();
    expect(sent.at(-1)).toEqual({ type: 'predictAll' });
  });

  it('says what is wrong: no sidecar, a bad sidecar, training running, a crash', async () => {
    const { store, controller, sent, disposed } = setUp();
    const errors = () =>
      store
        .getState()
        .messages.filter((m) => m.severity === 'error')
        .map((m) => m.text);
    expect(await controller.open([new File([new Uint8Array(3)], 'liver.onnx')])).toBe(false);
    expect(errors().at(-1)).toMatch(/liver\.onnx needs its sidecar JSON/);
    expect(await controller.open(files({ ...SIDECAR, patch: [16] }))).toBe(false);
    expect(errors().at(-1)).toMatch(/^liver\.json: "patch" must be 2 positive whole numbers/);
    store.getState().setTrainingPatch({ status: 'running' });
    expect(await controller.open(files())).toBe(false);
    expect(errors().at(-1)).toMatch(/stop it first/);
    expect(sent).toHaveLength(0);
    store.getState().setTrainingPatch({ status: 'idle' });
    expect(await controller.open(files({ ...SIDECAR, channels: 3 }))).toBe(false);
    expect(errors().at(-1)).toMatch(/expects RGB images; none of the open images is/);
    expect(await controller.open(files())).toBe(true);
    controller.close();
    expect(disposed()).toBe(1);
    expect(store.getState().training.onnxModel).toBeNull();
  });
});
