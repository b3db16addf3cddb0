export interface Series {
  name: string;
  color: string;
  /** [x, y] points in x order. */
  points: [number, number][];
}

interface Props {
  series: Series[];
  height?: number;
  /** Fixed y range (e.g. 0–1 for Dice); otherwise fitted to the data with a little headroom. */
  yRange?: [number, number];
  /** Log scale for losses, which fall over orders of magnitude. */
  logY?: boolean;
  xLabel: string;
  testId?: string;
  formatY?: (y: number) => string;
}

const W = 260;
const PAD = { left: 34, right: 6, top: 6, bottom: 16 };

/** A small SVG line chart: curves a person reads at a glance while training runs. */
export function LineChart({ series, height = 110, yRange, logY = false, xLabel, testId, formatY = (y) => y.toPrecision(2) }: Props) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return (
      <div className="chart-empty" data-testid={testId}>
        Waiting for the first {xLabel === 'step' ? 'steps' : 'points'}…
      </div>
    );
  }
  const f = (y: number): number => (logY ? Math.log10(Math.max(y, 1e-6)) : y);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => f(p[1]));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  let [y0, y1] = yRange ? [f(yRange[0]), f(yRange[1])] : [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-9) {
    y0 -= 0.5;
    y1 += 0.5;
  } else if (!yRange) {
    const pad = (y1 - y0) * 0.08;
    y0 -= pad;
    y1 += pad;
  }
  const h = height;
  const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number): number => PAD.top + (1 - (f(y) - y0) / (y1 - y0)) * (h - PAD.top - PAD.bottom);
  const unf = (v: number): number => (logY ? 10 ** v : v);
  const ticks = [y0, (y0 + y1) / 2, y1];
  return (
    <figure className="chart" data-testid={testId}>
      <svg viewBox={`0 0 ${W} ${h}`} width="100%" height={h} role="img" aria-label={`${series.map((s) => s.name).join(', ')} by ${xLabel}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={py(unf(t))} y2={py(unf(t))} className="chart-grid" />
            <text x={PAD.left - 4} y={py(unf(t)) + 3} className="chart-tick" textAnchor="end">
              {formatY(unf(t))}
            </text>
          </g>
        ))}
        <text x={W - PAD.right} y={h - 3} className="chart-tick" textAnchor="end">
          {xLabel} {Math.round(x1)}
        </text>
        {series.map((s) =>
          s.points.length > 1 ? (
            <polyline
              key={s.name}
              fill="none"
              stroke={s.color}
              strokeWidth={1.5}
              points={s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}
            />
          ) : (
            s.points.map(([x, y]) => <circle key={`${s.name}${x}`} cx={px(x)} cy={py(y)} r={2.5} fill={s.color} />)
          ),
        )}
      </svg>
      <figcaption className="chart-legend">
        {series.map((s) => {
          const last = s.points[s.points.length - 1];
          return (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name} {last ? formatY(last[1]) : '–'}
            </span>
          );
        })}
      </figcaption>
    </figure>
  );
}
