import type { ToolSettings } from '../store/types.ts';

/**
 * Which parts of cornerstone a new set of tool settings touches. Each part redraws every view when applied (tool
 * modes through the tool group, label styles through the segmentation renderer), and on a software rasteriser a
 * redraw of three views is most of a click's latency: a switch that only changes the label outline must not also
 * rebind the tools, nor draw the views a second time.
 */
export interface ToolChanges {
  /** Primary tool, brush size or threshold range: the tool group's bindings and brush settings. */
  bindings: boolean;
  /** Opacity, outline or visibility of the user's labels: the labelmap style. */
  style: boolean;
}

const sameRange = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] === b[0] && a[1] === b[1];

/** What differs between the settings last applied (`applied`, null when none were) and `next`. */
export function toolChanges(applied: ToolSettings | null, next: ToolSettings): ToolChanges {
  if (!applied) return { bindings: true, style: true };
  return {
    bindings: applied.tool !== next.tool || applied.brushSizeMm !== next.brushSizeMm || !sameRange(applied.thresholdRange, next.thresholdRange),
    style: applied.labelOpacity !== next.labelOpacity || applied.labelOutline !== next.labelOutline || applied.labelsVisible !== next.labelsVisible,
  };
}
