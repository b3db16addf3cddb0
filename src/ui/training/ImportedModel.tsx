import { useRef } from 'react';
import { importedModel } from '../../app/importedModel.ts';
import { useApp } from '../../store/appStore.ts';

/**
 * An ONNX model trained elsewhere (nnU-Net, MONAI): choose it with its sidecar, see what it is, stop using it.
 * While it is in use, Predict all and the review work on its answers (app/importedModel.ts).
 */
export function ImportedModel() {
  const onnx = useApp((s) => s.training.onnxModel);
  const training = useApp((s) => s.training.status === 'running' || s.training.status === 'starting' || s.training.status === 'paused');
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <h3 className="subhead">Model trained elsewhere</h3>
      {onnx ? (
        <p className="hint" data-testid="onnx-model-info">
          <strong>{onnx.name}</strong> {onnx.status === 'loading' ? '(loading…)' : '(in use)'}: {onnx.summary}.
        </p>
      ) : (
        <p className="hint">An ONNX segmentation model (e.g. exported from nnU-Net or MONAI) with its sidecar JSON: its predictions fill the pseudo-label layer for review.</p>
      )}
      <div className="button-row">
        <button
          data-testid="import-onnx"
          disabled={training}
          onClick={() => fileRef.current?.click()}
          title={training ? 'Stop training first: an imported model and a training run do not share the layers' : 'Choose MODEL.onnx and its sidecar MODEL.json together (docs/onnx-models.md)'}
        >
          Import ONNX model…
        </button>
        {onnx && (
          <button data-testid="close-onnx" onClick={() => importedModel()?.close()} title="Stop using the imported model; its pseudo-labels stay for review">
            Stop using it
          </button>
        )}
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
      </div>
    </>
  );
}
