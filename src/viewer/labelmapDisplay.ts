import type { Types } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import { segmentationRenderingEngine } from '@cornerstonejs/tools/segmentation/SegmentationRenderingEngine';
import type { ToolSettings } from '../store/types.ts';
import type { ClassDef } from '../volume/classes.ts';

/**
 * How the user's own labels are drawn in every view: fill and outline from the tool settings, visibility, the
 * class colours, and the class the brushes paint. The model's layers are drawn by ModelOverlays.
 */

/** Shows the labelmap in each view and makes it the one the brushes paint. */
export async function attachLabelmap(segmentationId: string, viewportIds: readonly string[]): Promise<void> {
  await segmentation.addLabelmapRepresentationToViewportMap(Object.fromEntries(viewportIds.map((id) => [id, [{ segmentationId }]])));
  for (const id of viewportIds) segmentation.activeSegmentation.setActiveSegmentation(id, segmentationId);
}

/** The labelmap style for these settings: active and inactive fills alike, so no view dims the labels. */
export function labelmapStyle(tools: Pick<ToolSettings, 'labelOpacity' | 'labelOutline'>) {
  return {
    renderFill: true,
    fillAlpha: tools.labelOpacity,
    fillAlphaInactive: tools.labelOpacity,
    renderOutline: tools.labelOutline,
    outlineWidth: 1.5,
    outlineOpacity: 1,
  };
}

export function applyLabelmapStyle(segmentationId: string, viewportIds: readonly string[], tools: ToolSettings): void {
  const Labelmap = ToolEnums.SegmentationRepresentations.Labelmap;
  segmentation.config.style.setStyle({ type: Labelmap }, labelmapStyle(tools));
  for (const id of viewportIds) {
    segmentation.config.visibility.setSegmentationRepresentationVisibility(id, { segmentationId, type: Labelmap }, tools.labelsVisible);
  }
}

/**
 * Restyles one view's labels now instead of in cornerstone's next segmentation frame. A style change otherwise takes
 * two frames before anything shows: one in which cornerstone rebuilds each view's label colours, and one more in
 * which it draws; without a GPU a frame under load is 30–40 ms, so the click would pay it twice. The queued
 * restyle of the same view later finds the style already applied (cornerstone caches it) and only draws.
 */
export function restyleViewNow(viewportId: string): void {
  segmentationRenderingEngine._triggerRender(viewportId);
}

export function applyClassColours(segmentationId: string, viewportIds: readonly string[], classes: readonly ClassDef[], activeClass: number | null): void {
  for (const id of viewportIds) {
    for (const c of classes) segmentation.config.color.setSegmentIndexColor(id, segmentationId, c.value, [...c.color, 255] as Types.Color);
  }
  if (activeClass !== null) segmentation.segmentIndex.setActiveSegmentIndex(segmentationId, activeClass);
}
