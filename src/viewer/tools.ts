import {
  addTool,
  BrushTool,
  CrosshairsTool,
  Enums as ToolEnums,
  PaintFillTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  utilities as toolUtils,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { ToolName, ToolSettings } from '../store/types.ts';
import { LABELING_TOOLS } from './strokes.ts';

const { MouseBindings, KeyboardBindings } = ToolEnums;

/** Our tool names → cornerstone tool instance names. Brush, eraser and threshold are BrushTool strategies. */
export const CS_TOOL: Record<ToolName, string> = {
  brush: 'PseudolabBrush',
  eraser: 'PseudolabEraser',
  threshold: 'PseudolabThresholdBrush',
  fill: PaintFillTool.toolName,
  windowLevel: WindowLevelTool.toolName,
  crosshairs: CrosshairsTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
};

/** Dragging up zooms in, as in OHIF and most viewers; cornerstone's default is the other way round. */
export const ZOOM_CONFIG = { invert: true } as const;

let toolsAdded = false;

export function addAllTools(): void {
  if (toolsAdded) return;
  for (const t of [BrushTool, PaintFillTool, WindowLevelTool, CrosshairsTool, PanTool, ZoomTool, StackScrollTool]) addTool(t);
  toolsAdded = true;
}

/**
 * Navigation stays on the other buttons whatever the primary tool is: middle-drag pans, right-drag zooms,
 * the wheel scrolls slices, Shift+left-drag sets window/level. Only the primary button changes tool.
 */
export function createToolGroup(id: string, withCrosshairs: boolean): ToolTypes.IToolGroup {
  const existing = ToolGroupManager.getToolGroup(id);
  if (existing) return existing;
  const g = ToolGroupManager.createToolGroup(id)!;
  g.addToolInstance(CS_TOOL.brush, BrushTool.toolName, { activeStrategy: 'FILL_INSIDE_CIRCLE' });
  g.addToolInstance(CS_TOOL.eraser, BrushTool.toolName, { activeStrategy: 'ERASE_INSIDE_CIRCLE' });
  g.addToolInstance(CS_TOOL.threshold, BrushTool.toolName, {
    activeStrategy: 'THRESHOLD_INSIDE_CIRCLE',
    threshold: { range: [0, 1000], isDynamic: false, dynamicRadius: 0 },
  });
  g.addTool(PaintFillTool.toolName);
  g.addTool(WindowLevelTool.toolName);
  g.addTool(PanTool.toolName);
  g.addTool(ZoomTool.toolName, { ...ZOOM_CONFIG });
  g.addTool(StackScrollTool.toolName);
  if (withCrosshairs) g.addTool(CrosshairsTool.toolName);
  g.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  g.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
  g.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  g.setToolActive(WindowLevelTool.toolName, {
    bindings: [{ mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Shift }],
  });
  return g;
}

/** Gives the primary button to `settings.tool` and pushes brush size and threshold to cornerstone. */
export function applyToolSettings(g: ToolTypes.IToolGroup, settings: ToolSettings, hasCrosshairs: boolean): void {
  const primary = [{ mouseButton: MouseBindings.Primary }];
  for (const [name, csName] of Object.entries(CS_TOOL) as [ToolName, string][]) {
    if (name === 'crosshairs' && !hasCrosshairs) continue;
    if (name === settings.tool) continue;
    if (LABELING_TOOLS.has(name) || name === 'crosshairs') g.setToolDisabled(csName);
    else g.setToolPassive(csName);
  }
  const wanted = settings.tool === 'crosshairs' && !hasCrosshairs ? 'windowLevel' : settings.tool;
  g.setToolActive(CS_TOOL[wanted], { bindings: primary });
  // cornerstone's brushSize is a radius in world millimetres; we show the diameter, as paint programs do.
  toolUtils.segmentation.setBrushSizeForToolGroup(g.id, settings.brushSizeMm / 2);
  toolUtils.segmentation.setBrushThresholdForToolGroup(g.id, {
    range: settings.thresholdRange,
    isDynamic: false,
    dynamicRadius: 0,
  });
}
