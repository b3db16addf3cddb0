import { useEffect, useMemo } from 'react';
import { useApp } from '../store/appStore.ts';
import type { ModelLayerSources } from '../viewer/ModelOverlays.ts';
import type { ViewerController } from '../viewer/ViewerController.ts';

/**
 * Keeps the viewer's model layers in step with the store: the active volume's live prediction, its "Predict all"
 * result, and the layer list's switches, opacities and confidence threshold.
 */
export function useModelLayers(controller: ViewerController | null, volumeId: string | undefined): void {
  const prediction = useApp((s) => (volumeId ? s.training.predictions[volumeId] : undefined));
  const predicted = useApp((s) => (volumeId ? s.training.fullPredictions[volumeId] : undefined));
  const styles = useApp((s) => s.layers.styles);
  const confidenceThreshold = useApp((s) => s.layers.confidenceThreshold);
  const activationClass = useApp((s) => s.layers.activationClass);
  const classes = useApp((s) => s.training.trainedClasses);
  // The activation layer shows one class: its plane of the class-major buffer (a view, not a copy, made once per
  // buffer and class so the overlay is registered once).
  const activationBuffer = prediction?.text?.activation;
  const voxelCount = prediction?.labels.length ?? 0;
  const activationIndex = classes.findIndex((c) => c.value === activationClass);
  const plane = useMemo(
    () => (activationBuffer && activationIndex >= 0 ? activationBuffer.subarray(activationIndex * voxelCount, (activationIndex + 1) * voxelCount) : undefined),
    [activationBuffer, activationIndex, voxelCount],
  );
  useEffect(() => {
    if (!controller || !volumeId) return;
    const t = prediction?.text;
    const sources: ModelLayerSources | null =
      prediction || predicted
        ? {
            live: prediction
              ? { labels: prediction.labels, uncertainty: prediction.uncertainty, sliceStep: prediction.sliceStep, rejected: prediction.rejected }
              : null,
            ...(t ? { textMask: t.labels, merged: t.merged } : {}),
            ...(plane ? { activation: plane } : {}),
            ...(predicted ? { predictions: predicted } : {}),
          }
        : null;
    void controller.setModelLayers(volumeId, sources, { styles, confidenceThreshold });
  }, [controller, volumeId, prediction, predicted, plane, styles, confidenceThreshold]);
}
