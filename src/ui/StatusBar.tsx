import { useApp } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { lengthUnit } from '../volume/physicalSpacing.ts';
import { formatWindowLevel, windowWidthLevel } from './formatWindow.ts';
import { useViewerUi } from './viewerState.ts';

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** The voxel under the cursor (index, value, label), the window as width and level, and the volume's size. */
export function StatusBar() {
  const hover = useViewerUi((s) => s.hover);
  const window = useViewerUi((s) => s.window);
  const entry = useApp(activeEntry);
  const classes = useApp((s) => s.classes);
  const label = hover?.label ? classes.find((c) => c.value === hover.label) : null;
  const g = entry?.volume.geometry;
  return (
    <footer className="statusbar" data-testid="status-bar">
      <span data-testid="cursor-voxel" title="Voxel index (i, j, k) under the cursor">
        {hover ? `Voxel ${hover.voxel.join(', ')}` : 'Voxel –'}
      </span>
      <span data-testid="cursor-value" title="Intensity under the cursor">
        {hover?.value ? `Value ${hover.value.map(fmt).join(' / ')}` : 'Value –'}
      </span>
      <span title="Label under the cursor">{hover && hover.value ? `Label ${label ? label.name : hover.label ? `#${hover.label}` : 'background'}` : ''}</span>
      <span className="spacer" />
      {window && (
        <span
          data-testid="window-level"
          data-width={windowWidthLevel(window).width}
          data-level={windowWidthLevel(window).level}
          title={`Window width and level (centre): intensities ${fmt(window[0])} to ${fmt(window[1])} run from black to white`}
        >
          {formatWindowLevel(window)}
        </span>
      )}
      {g &&
        entry &&
        (lengthUnit(entry.volume) === 'mm' ? (
          <span title="Dimensions and voxel size">
            {g.dims.join('×')} · {g.spacing.map((s) => s.toFixed(2)).join('×')} mm
          </span>
        ) : (
          <span data-testid="image-size" title="Image size in pixels; the file gives no physical pixel size, so lengths are in pixels">
            {g.dims.slice(0, 2).join('×')} px
          </span>
        ))}
    </footer>
  );
}
