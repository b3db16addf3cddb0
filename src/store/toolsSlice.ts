import type { StateCreator } from 'zustand';
import type { AppState } from './appStore.ts';
import type { ToolName, ToolSettings } from './types.ts';

export interface ToolsSlice {
  setTool: (tool: ToolName) => void;
  setBrushSize: (mm: number) => void;
  setThresholdRange: (range: [number, number]) => void;
  setLabelOpacity: (opacity: number) => void;
  setLabelOutline: (on: boolean) => void;
  setLabelsVisible: (on: boolean) => void;
}

export const BRUSH_MIN_MM = 0.5;
export const BRUSH_MAX_MM = 100;

export const DEFAULT_TOOLS: ToolSettings = {
  tool: 'brush',
  brushSizeMm: 6,
  thresholdRange: [0, 1000],
  labelOpacity: 0.5,
  labelOutline: true,
  labelsVisible: true,
};

function patchTools(set: (fn: (s: AppState) => Partial<AppState>) => void, patch: Partial<ToolSettings>): void {
  set((s) => ({ tools: { ...s.tools, ...patch } }));
}

export const createToolsSlice: StateCreator<AppState, [], [], ToolsSlice> = (set) => ({
  setTool: (tool) => patchTools(set, { tool }),
  setBrushSize: (mm) => patchTools(set, { brushSizeMm: Math.min(BRUSH_MAX_MM, Math.max(BRUSH_MIN_MM, mm)) }),
  setThresholdRange: ([lo, hi]) => patchTools(set, { thresholdRange: lo <= hi ? [lo, hi] : [hi, lo] }),
  setLabelOpacity: (opacity) => patchTools(set, { labelOpacity: Math.min(1, Math.max(0, opacity)) }),
  setLabelOutline: (labelOutline) => patchTools(set, { labelOutline }),
  setLabelsVisible: (labelsVisible) => patchTools(set, { labelsVisible }),
});
