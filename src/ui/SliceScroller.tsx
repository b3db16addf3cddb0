import { useRef } from 'react';
import { useApp } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { sliceAtBarPoint, sliceBarOffset } from '../viewer/sliceBar.ts';
import type { ViewName } from '../viewer/ViewerController.ts';
import { useViewerUi } from './viewerState.ts';

const PROVENANCE_CLASS = ['', 'painted', 'accepted', 'imported'];

/**
 * A slice bar beside each view: ticks mark labeled slices (colour by provenance), the thumb marks the slice on
 * screen; click or drag to jump. Slice 1 is at the bottom, like a stack seen from the side.
 */
export function SliceScroller({ view }: { view: ViewName }) {
  const entry = useApp(activeEntry);
  const slice = useViewerUi((s) => s.slices[view]);
  const controller = useViewerUi((s) => s.controller);
  const ref = useRef<HTMLDivElement>(null);
  const scores = useApp((s) => (entry && slice?.axis === 2 ? s.training.sliceScores[entry.volume.id]?.scores : undefined));
  if (!entry || !slice || slice.count <= 1) return <div className="slice-scroller empty" />;
  const flags = entry.labels.slices[slice.axis];
  const pos = (index: number): string => sliceBarOffset(index, slice.count);
  const labeled: number[] = [];
  for (let n = 0; n < flags.length; n++) if (flags[n]) labeled.push(n);
  const jump = (clientY: number): void => {
    const rect = ref.current?.getBoundingClientRect();
    if (!rect || !controller) return;
    controller.jumpToSlice(view, sliceAtBarPoint(clientY - rect.top, rect.height, slice.count));
  };
  const max = scores ? Math.max(...scores, 1e-6) : 1;
  const strip = scores ? (
    <div
      className="uncertainty-strip"
      data-testid="uncertainty-strip"
      title="Where the model is unsure, slice by slice (teacher–student disagreement): label the bright slices next"
    >
      {Array.from(scores, (v, k) => (
        <span key={k} style={{ bottom: `${(100 * k) / slice.count}%`, height: `${100 / slice.count}%`, opacity: 0.15 + 0.85 * (v / max) }} />
      ))}
    </div>
  ) : null;
  return (
    <>
      {strip}
      <div
        ref={ref}
        className="slice-scroller"
        data-testid={`slice-scroller-${view}`}
        data-labeled-slices={labeled.join(',')}
        data-current={slice.index}
        data-aligned={slice.aligned ? 'true' : 'false'}
        role="slider"
        aria-label={`${view} slice`}
        aria-valuemin={1}
        aria-valuemax={slice.count}
        aria-valuenow={slice.index + 1}
        title={
          slice.aligned
            ? `Slice ${slice.index + 1} of ${slice.count}; ${labeled.length} labeled. Click or drag to move.`
            : `This view cuts across the volume's slices: the marks are the nearest slices', ${labeled.length} labeled. Click or drag to move.`
        }
        // Across the grid the marks only approximate what the view shows: dim them rather than claim they match.
        style={slice.aligned ? undefined : { opacity: 0.45 }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          jump(e.clientY);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) jump(e.clientY);
        }}
      >
        {labeled.map((n) => (
          <span key={n} className={`tick ${PROVENANCE_CLASS[flags[n]!] ?? ''}`} style={{ bottom: pos(n) }} />
        ))}
        <span className="thumb" style={{ bottom: pos(slice.index) }} />
      </div>
    </>
  );
}
