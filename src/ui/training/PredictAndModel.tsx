import { useRef } from 'react';
import { importedModel } from '../../app/importedModel.ts';
import { trainingController } from '../../app/training.ts';
import { useApp } from '../../store/appStore.ts';
import { ImportedModelInfo, ImportOnnxButton } from './ImportedModel.tsx';

/** Predict all and its export; the model's save state, its export and import. */
export function PredictAndModel() {
  const p = useApp((s) => s.training.predictAll);
  const predicted = useApp((s) => Object.keys(s.training.fullPredictions).length);
  const checkpoint = useApp((s) => s.training.checkpoint);
  const onnx = useApp((s) => s.training.onnxModel);
  const c = trainingController();
  const importRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <h3 className="subhead">Predictions</h3>
      <div className="button-row">
        <button
          data-testid="predict-all"
          disabled={p?.running}
          onClick={() => (onnx ? importedModel()?.predictAll() : c?.predictAll())}
          title={onnx ? `Run ${onnx.name} on every volume` : 'Run the model on every volume'}
        >
          Predict all
        </button>
        {p?.running && (
          <button data-testid="predict-cancel" onClick={() => (onnx ? importedModel()?.cancelPredictAll() : c?.cancelPredictAll())}>
            Cancel
          </button>
        )}
        <button
          data-testid="export-predictions"
          disabled={predicted === 0 || p?.running}
          onClick={() => c?.exportPredictions()}
          title="Download the predictions as NIfTI files with each image's geometry"
        >
          Export ({predicted})
        </button>
      </div>
      {p && (
        <div className="progress inline" role="progressbar" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done} data-testid="predict-progress">
          <div className="progress-fill" style={{ width: `${(100 * p.done) / Math.max(1, p.total)}%` }} />
          <span className="progress-label">
            {p.running ? 'Predicting' : 'Predicted'} {p.done}/{p.total} slices
          </span>
        </div>
      )}
      <h3 className="subhead">Model</h3>
      <p className="hint" data-testid="checkpoint-info">
        {!checkpoint
          ? 'No saved model yet.'
          : checkpoint.stored
            ? `Saved at step ${checkpoint.step}, ${new Date(checkpoint.savedAt).toLocaleTimeString()} (${checkpoint.preset}).`
            : `Model at step ${checkpoint.step} is in this tab only, not saved (${checkpoint.problem ?? 'storage unavailable'}): export it to keep it.`}
      </p>
      <div className="button-row">
        <button
          data-testid="export-model"
          disabled={!checkpoint}
          onClick={() => void c?.exportModel()}
          title="Download the model (weights, optimiser state, step)"
        >
          Export model
        </button>
        <button
          data-testid="import-model"
          onClick={() => importRef.current?.click()}
          title="Load a model file exported from Pseudolab; training resumes from it"
        >
          Import model
        </button>
        <input
          ref={importRef}
          type="file"
          hidden
          data-testid="import-model-file"
          accept=".pslb"
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) await c?.importModel(new Uint8Array(await f.arrayBuffer()), f.name);
          }}
        />
        <ImportOnnxButton />
      </div>
      <ImportedModelInfo />
    </>
  );
}
