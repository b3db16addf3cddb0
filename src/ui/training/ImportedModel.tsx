import { useRef } from 'react';
import { importedModel } from '../../app/importedModel.ts';
import { useApp } from '../../store/appStore.ts';

/**
 * An ONNX model trained elsewhere (nnU-Net, MONAI): the button that imports it with its sidecar, beside Import model.
 * While it is in use, Predict all and the review work on its answers (app/importedModel.ts); ImportedModelInfo says so.
 */
export function ImportOnnxButton() {
  const training = useApp((s) => s.training.status === 'running' || s.training.status === 'starting' || s.training.status === 'paused');
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        data-testid="import-onnx"
        disabled={training}
        onClick={() => fileRef.current?.click()}
        title={
          training
            ? 'Stop training first: an imported model and a training run do not share the layers'
            : 'A segmentation model trained elsewhere (nnU-Net, MONAI): choose MODEL.onnx and its sidecar MODEL.json together (docs/onnx-models.md)'
        }
      >
        Import ONNX…
      </button>
      <input
        ref={fileRef}
        type="file"
        hidden
        multiple
        data-testid="import-onnx-files"
        accept=".onnx,.json"
        onChange={async (e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (files.length > 0) await importedModel()?.open(files);
        }}
      />
    </>
  );
}

/** Which imported model is in use, and the way back to training. */
export function ImportedModelInfo() {
  const onnx = useApp((s) => s.training.onnxModel);
  if (!onnx) return null;
  return (
    <p className="hint" data-testid="onnx-model-info">
      <strong>{onnx.name}</strong> {onnx.status === 'loading' ? '(loading…)' : '(in use)'}: {onnx.summary}.{' '}
      <button data-testid="close-onnx" onClick={() => importedModel()?.close()} title="Stop using the imported model; its pseudo-labels stay for review">
        Stop using it
      </button>
    </p>
  );
}
