import { describe, expect, it } from 'vitest';
import { chartScale, escapeXml, lineChartSvg, xTickCount } from './lineChart.ts';

const chart = {
  title: 'Dice <over> time',
  xLabel: 'seconds',
  yLabel: 'Dice',
  xMax: 180,
  yMax: 1,
  series: [
    {
      name: 'supervised',
      points: [
        [0, 0],
        [90, 0.5],
        [180, 1],
      ] as [number, number][],
    },
    { name: 'mean-teacher & co', points: [[10, 0.2]] as [number, number][] },
  ],
  target: { y: 0.7, label: 'target 0.70' },
};

describe('line chart SVG', () => {
  it('maps the origin to the bottom left of the plot and the maxima to its top right', () => {
    const at = chartScale({ xMax: 180, yMax: 1, width: 720, height: 400 });
    const [x0, y0] = at(0, 0);
    const [x1, y1] = at(180, 1);
    expect(x1).toBeGreaterThan(x0);
    expect(y1).toBeLessThan(y0);
    // Half way in data is half way in pixels.
    const [xm, ym] = at(90, 0.5);
    expect(xm).toBeCloseTo((x0 + x1) / 2, 6);
    expect(ym).toBeCloseTo((y0 + y1) / 2, 6);
  });

  it('draws one polyline per series through its points, with a legend and the target line', () => {
    const svg = lineChartSvg(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!);
    expect(lines).toHaveLength(2);
    const at = chartScale(chart);
    const [ax, ay] = at(90, 0.5);
    expect(lines[0]!.split(' ')[1]).toBe(`${Math.round(ax * 10) / 10},${Math.round(ay * 10) / 10}`);
    expect(lines[1]!.split(' ')).toHaveLength(1);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('target 0.70');
    // Names are escaped, so a series called "a & b" does not break the file.
    expect(svg).toContain('mean-teacher &amp; co');
    expect(svg).toContain('Dice &lt;over&gt; time');
    expect(svg).not.toMatch(/& co/);
  });

  it('puts time ticks on half minutes when that gives a handful', () => {
    expect(xTickCount(180)).toBe(6);
    expect(xTickCount(20)).toBe(5);
    expect(xTickCount(3600)).toBe(5);
    expect(lineChartSvg(chart)).toContain('>150</text>');
  });

  it('escapes the characters XML reserves', () => {
    expect(escapeXml(`a<b>&"c"`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
