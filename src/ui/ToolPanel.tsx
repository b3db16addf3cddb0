import { useApp } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { BRUSH_MAX_MM, BRUSH_MIN_MM } from '../store/toolsSlice.ts';
import type { ToolName } from '../store/types.ts';
import { PROVENANCE_NAMES, type SliceProvenance } from '../volume/labels.ts';
import { lengthUnit } from '../volume/physicalSpacing.ts';
import { Section } from './Section.tsx';
import { TOOL_KEYS } from './shortcuts.ts';
import { useViewerUi } from './viewerState.ts';

const TOOLS: { tool: ToolName; label: string; icon: string; help: string }[] = [
  { tool: 'brush', label: 'Brush', icon: '●', help: 'Paint the active class' },
  { tool: 'eraser', label: 'Eraser', icon: '◌', help: 'Erase to background' },
  { tool: 'threshold', label: 'Threshold', icon: '◐', help: 'Paint only voxels inside the intensity range' },
  { tool: 'fill', label: 'Fill', icon: '▣', help: 'Flood-fill a region in this slice' },
  { tool: 'windowLevel', label: 'Window', icon: '☼', help: 'Drag to set window/level (Shift+drag works with any tool)' },
  { tool: 'crosshairs', label: 'Crosshairs', icon: '✛', help: 'Click to move all three views to a point' },
  { tool: 'pan', label: 'Pan', icon: '✥', help: 'Drag to pan (middle button works with any tool)' },
  { tool: 'zoom', label: 'Zoom', icon: '⌕', help: 'Drag up to zoom in, down to zoom out (right button works with any tool)' },
];

/** Why the slice-labeled mark is off in a view that cuts across the voxel grid; App's L key says the same. */
export const ACROSS_SLICES =
  "This view cuts across the volume's slices, so no one slice can be marked labeled here. Switch Views to acquisition grid (G) to mark a slice.";

const VIEW_NAMES = { axial: 'Axial', coronal: 'Coronal', sagittal: 'Sagittal', single: 'Image' } as const;

function SliceLabeledToggle() {
  const entry = useApp(activeEntry);
  const toggle = useApp((s) => s.toggleSliceLabeled);
  const toggleValidation = useApp((s) => s.toggleValidationSlice);
  const view = useViewerUi((s) => s.activeView);
  const slice = useViewerUi((s) => s.slices[view]);
  if (!entry || !slice) return null;
  const provenance = entry.labels.slices[slice.axis][slice.index] as SliceProvenance;
  const labeled = provenance !== 0;
  const validation = slice.axis === 2 && entry.validation.includes(slice.index);
  // A view across the grid shows parts of several slices; its index is only the nearest one at the centre.
  const across = !slice.aligned;
  return (
    <div className="slice-toggle">
      <label title={across ? ACROSS_SLICES : 'A labeled slice is ground truth: its unpainted voxels count as background. Painting marks a slice labeled. (L)'}>
        <input
          type="checkbox"
          data-testid="slice-labeled-toggle"
          checked={labeled && !across}
          disabled={across}
          onChange={() => toggle(entry.volume.id, slice.axis, slice.index)}
        />
        <span>
          {VIEW_NAMES[view]} slice {across ? '≈ ' : ''}
          {slice.index + 1}/{slice.count} labeled
          {labeled && !across && <em> ({PROVENANCE_NAMES[provenance]})</em>}
        </span>
      </label>
      {slice.axis === 2 && (
        <label title="Hold this labeled slice out of training to measure the model on it (validation Dice). Takes effect when training starts.">
          <input
            type="checkbox"
            data-testid="slice-validation-toggle"
            disabled={!labeled}
            checked={validation}
            onChange={() => toggleValidation(entry.volume.id, slice.index)}
          />
          <span>use for validation</span>
        </label>
      )}
    </div>
  );
}

export function ToolPanel() {
  const tools = useApp((s) => s.tools);
  const setTool = useApp((s) => s.setTool);
  const setBrushSize = useApp((s) => s.setBrushSize);
  const setThresholdRange = useApp((s) => s.setThresholdRange);
  const setOpacity = useApp((s) => s.setLabelOpacity);
  const setOutline = useApp((s) => s.setLabelOutline);
  const setVisible = useApp((s) => s.setLabelsVisible);
  const window = useViewerUi((s) => s.window);
  const brushTool = tools.tool === 'brush' || tools.tool === 'eraser' || tools.tool === 'threshold';
  // Without physical spacing one world unit is one pixel, so the same number is the diameter in pixels.
  const entry = useApp(activeEntry);
  const px = entry !== null && lengthUnit(entry.volume) === 'px';
  const unitWords = px ? 'pixels' : 'millimetres';
  const sliderMax = px ? BRUSH_MAX_MM : 40;
  return (
    <Section id="tools" title="Tools">
      <div className="tool-grid" role="toolbar" aria-label="Tools">
        {TOOLS.map((t) => (
          <button
            key={t.tool}
            data-testid={`tool-${t.tool}`}
            className={`tool${tools.tool === t.tool ? ' active' : ''}`}
            aria-pressed={tools.tool === t.tool}
            title={`${t.label} (${TOOL_KEYS[t.tool]}) — ${t.help}`}
            onClick={() => setTool(t.tool)}
          >
            <span className="tool-icon" aria-hidden="true">
              {t.icon}
            </span>
            <span>{t.label}</span>
          </button>
        ))}
      </div>
      <label
        className={`field${brushTool ? '' : ' inactive'}`}
        title={`Brush diameter in ${unitWords}, for brush, eraser and threshold brush ([ and ] change it)${px ? '. This image has no physical pixel size.' : ''}`}
      >
        <span>Brush size</span>
        <input
          type="range"
          data-testid="brush-size"
          data-unit={px ? 'px' : 'mm'}
          min={px ? 1 : BRUSH_MIN_MM}
          max={sliderMax}
          step={px ? 1 : 0.5}
          value={Math.min(sliderMax, tools.brushSizeMm)}
          onChange={(e) => setBrushSize(Number(e.currentTarget.value))}
        />
        <input
          type="number"
          className="num"
          aria-label={`Brush size in ${unitWords}`}
          data-testid="brush-size-number"
          min={px ? 1 : BRUSH_MIN_MM}
          max={BRUSH_MAX_MM}
          step={px ? 1 : 0.5}
          value={tools.brushSizeMm}
          onChange={(e) => setBrushSize(Number(e.currentTarget.value))}
        />
        <span className="unit" data-testid="brush-size-unit">
          {px ? 'px' : 'mm'}
        </span>
      </label>
      {tools.tool === 'threshold' && (
        <div className="field threshold" title="The threshold brush paints only voxels whose intensity lies in this range">
          <span>Range</span>
          <input
            type="number"
            className="num"
            aria-label="Threshold minimum"
            value={tools.thresholdRange[0]}
            onChange={(e) => setThresholdRange([Number(e.currentTarget.value), tools.thresholdRange[1]])}
          />
          <span>–</span>
          <input
            type="number"
            className="num"
            aria-label="Threshold maximum"
            value={tools.thresholdRange[1]}
            onChange={(e) => setThresholdRange([tools.thresholdRange[0], Number(e.currentTarget.value)])}
          />
          {window && (
            <button
              className="small"
              title="Use the current window as the range"
              onClick={() => setThresholdRange([Math.round(window[0]), Math.round(window[1])])}
            >
              = window
            </button>
          )}
        </div>
      )}
      <h3 className="subhead">Labels</h3>
      <label className="field" title="Label opacity (, and .)">
        <span>Opacity</span>
        <input
          type="range"
          data-testid="label-opacity"
          min={0}
          max={1}
          step={0.05}
          value={tools.labelOpacity}
          onChange={(e) => setOpacity(Number(e.currentTarget.value))}
        />
        <span className="unit">{Math.round(tools.labelOpacity * 100)}%</span>
      </label>
      <label className="check" title="Draw label outlines (O)">
        <input type="checkbox" data-testid="label-outline" checked={tools.labelOutline} onChange={(e) => setOutline(e.currentTarget.checked)} />
        Outline
      </label>
      <label className="check" title="Show labels (V)">
        <input type="checkbox" data-testid="label-visible" checked={tools.labelsVisible} onChange={(e) => setVisible(e.currentTarget.checked)} />
        Show labels
      </label>
      <SliceLabeledToggle />
    </Section>
  );
}
