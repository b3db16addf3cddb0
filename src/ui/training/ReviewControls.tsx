import { trainingController } from '../../app/training.ts';
import { useApp } from '../../store/appStore.ts';
import { hexColor } from '../../volume/classes.ts';
import { useViewerUi } from '../viewerState.ts';

/** Accept or reject the pseudo-label of the slice on screen, and jump to the slice worth labeling next. */
export function ReviewControls() {
  const focus = useApp((s) => s.training.focus);
  const hasPrediction = useApp((s) => {
    const f = s.training.focus;
    const layer = f ? s.training.predictions[f.volumeId] : undefined;
    return !!f && !!layer && layer.sliceStep[f.k]! >= 0 && !layer.rejected.includes(f.k);
  });
  const step = useApp((s) => {
    const f = s.training.focus;
    return f ? (s.training.predictions[f.volumeId]?.sliceStep[f.k] ?? -1) : -1;
  });
  const imported = useApp((s) => (s.training.focus ? s.training.predictions[s.training.focus.volumeId]?.imported : undefined));
  const onnx = useApp((s) => s.training.onnxModel?.name ?? null);
  const classes = useApp((s) => s.classes);
  const c = trainingController();
  const controller = useViewerUi((s) => s.controller);
  return (
    <>
      {/* The section's header says "Review"; this names the slice the buttons act on. */}
      {focus && <h3 className="subhead">Slice {focus.k + 1}</h3>}
      <p className="hint">
        {!hasPrediction
          ? 'No pseudo-label for this slice yet.'
          : imported
            ? `Prediction imported from ${imported}.`
            : onnx
              ? `Pseudo-label from ${onnx}.`
              : `Pseudo-label from step ${step}.`}
      </p>
      <div className="button-row">
        <button
          data-testid="accept-slice"
          disabled={!hasPrediction}
          onClick={() => c?.acceptSlice()}
          title="Accept the pseudo-label of this slice as labels (A); undo with Ctrl+Z"
        >
          ✓ Accept slice
        </button>
        <button
          data-testid="reject-slice"
          disabled={!hasPrediction}
          onClick={() => c?.rejectSlice()}
          title="Hide this slice's pseudo-label until the model changes its mind (X)"
        >
          ✕ Reject
        </button>
      </div>
      <div className="button-row wrap">
        {classes.map((cl) => (
          <button
            key={cl.value}
            className="small"
            data-testid="accept-class"
            disabled={!hasPrediction}
            onClick={() => c?.acceptSlice(cl.value)}
            title={`Accept only ${cl.name} from the pseudo-label`}
          >
            <i className="dot" style={{ background: hexColor(cl.color) }} /> {cl.name}
          </button>
        ))}
      </div>
      <button
        data-testid="next-uncertain"
        onClick={() => {
          const k = c?.nextUncertainSlice();
          if (k !== null && k !== undefined && controller) controller.jumpToVoxelSlice(2, k);
        }}
        title="Jump to the unlabeled slice where teacher and student disagree most: label it next (N)"
      >
        ↯ Next most uncertain slice
      </button>
    </>
  );
}
