/** A line chart as a standalone SVG string: no library, so the benchmark's output is a file any viewer opens. */

export interface Series {
  name: string;
  /** [x, y] in data units, in x order. */
  points: readonly (readonly [number, number])[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  xMax: number;
  yMax: number;
  series: readonly Series[];
  /** A dashed horizontal line (a target), with its label. */
  target?: { y: number; label: string };
  width?: number;
  height?: number;
}

/** Colours that stay apart for colour-blind readers (Okabe–Ito), in series order. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const MARGIN = { left: 56, right: 150, top: 36, bottom: 44 };
const TICKS = 5;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Maps data coordinates to pixels: x to the right, y up from the bottom of the plot area. */
export function chartScale(c: Pick<LineChart, 'xMax' | 'yMax' | 'width' | 'height'>): (x: number, y: number) => [number, number] {
  const w = (c.width ?? 720) - MARGIN.left - MARGIN.right;
  const h = (c.height ?? 400) - MARGIN.top - MARGIN.bottom;
  return (x, y) => [MARGIN.left + (x / c.xMax) * w, MARGIN.top + h - (y / c.yMax) * h];
}

/** Seconds read best in half minutes: ticks every 30 when that gives a handful, else TICKS of them. */
export function xTickCount(xMax: number): number {
  const halfMinutes = xMax / 30;
  return Number.isInteger(halfMinutes) && halfMinutes >= 2 && halfMinutes <= 12 ? halfMinutes : TICKS;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

export function lineChartSvg(c: LineChart): string {
  const width = c.width ?? 720;
  const height = c.height ?? 400;
  const at = chartScale(c);
  const [x0, y0] = at(0, 0);
  const [x1, y1] = at(c.xMax, c.yMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(c.title)}</text>`,
  ];
  for (let i = 0; i <= TICKS; i++) {
    const yv = (c.yMax * i) / TICKS;
    const [, gy] = at(0, yv);
    parts.push(`<line x1="${r1(x0)}" y1="${r1(gy)}" x2="${r1(x1)}" y2="${r1(gy)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${r1(x0 - 6)}" y="${r1(gy + 4)}" text-anchor="end">${+yv.toFixed(2)}</text>`);
  }
  const xTicks = xTickCount(c.xMax);
  for (let i = 0; i <= xTicks; i++) {
    const xv = (c.xMax * i) / xTicks;
    const [gx] = at(xv, 0);
    parts.push(`<text x="${r1(gx)}" y="${r1(y0 + 16)}" text-anchor="middle">${+xv.toFixed(1)}</text>`);
  }
  parts.push(`<line x1="${r1(x0)}" y1="${r1(y0)}" x2="${r1(x1)}" y2="${r1(y0)}" stroke="#000"/>`);
  parts.push(`<line x1="${r1(x0)}" y1="${r1(y0)}" x2="${r1(x0)}" y2="${r1(y1)}" stroke="#000"/>`);
  parts.push(`<text x="${r1((x0 + x1) / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${r1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(c.yLabel)}</text>`);
  if (c.target) {
    const [, ty] = at(0, c.target.y);
    parts.push(`<line x1="${r1(x0)}" y1="${r1(ty)}" x2="${r1(x1)}" y2="${r1(ty)}" stroke="#666" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${r1(x1 - 4)}" y="${r1(ty - 5)}" text-anchor="end" fill="#444">${escapeXml(c.target.label)}</text>`);
  }
  c.series.forEach((s, n) => {
    const colour = COLOURS[n % COLOURS.length]!;
    const pts = s.points.map(([x, y]) => at(x, y).map(r1).join(',')).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"><title>${escapeXml(s.name)}</title></polyline>`);
    const ly = MARGIN.top + 10 + n * 18;
    parts.push(`<line x1="${r1(x1 + 12)}" y1="${ly}" x2="${r1(x1 + 32)}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${r1(x1 + 38)}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
