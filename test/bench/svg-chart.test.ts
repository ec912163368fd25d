// The bench report's SVG writer (bench/lib/svg-chart.mjs): well-formed, self-contained SVG with
// axes, labels and a legend; points placed on the scale; bad values left out, never drawn wrong.
import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, formatTick, lineChart, linearTicks, logTicks } from '../../bench/lib/svg-chart.mjs';

/** Every opened element is closed, in order (the writer emits no self-closing mismatch). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
}

describe('svg-chart', () => {
  it('line chart: title, axis labels, legend, one path per series, markers at the points', () => {
    const svg = lineChart({
      title: 'Throughput vs read ratio',
      xLabel: 'reads (%)',
      yLabel: 'ops/s',
      xTicks: [0, 25, 50, 75, 90, 100],
      series: [
        { name: 'Vivarium, 3 members', points: [[0, 1000], [50, 2000], [100, 4000]] },
        { name: 'ZooKeeper, 3 JVMs', points: [[0, 500], [50, 1500], [100, 3000]], dashed: true },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertBalanced(svg);
    expect(svg).toContain('>Throughput vs read ratio</text>');
    expect(svg).toContain('>reads (%)</text>');
    expect(svg).toContain('>ops/s</text>');
    expect(svg).toContain('>Vivarium, 3 members</text>');
    expect(svg).toContain('>ZooKeeper, 3 JVMs</text>');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('stroke-dasharray');
    for (const tick of ['0', '25', '90', '100', '4k']) expect(svg).toContain(`>${tick}</text>`);
  });

  it('line chart: higher values sit higher (smaller y), and the x order is the data order', () => {
    const svg = lineChart({ title: 't', series: [{ name: 's', points: [[2, 10], [1, 0], [3, 20]] }] });
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(circles).toHaveLength(3);
    const xs = circles.map(([x]) => x);
    const ys = circles.map(([, y]) => y);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(ys[0]).toBeGreaterThan(ys[1]);
    expect(ys[1]).toBeGreaterThan(ys[2]);
  });

  it('log axes leave out values <= 0 and non-finite ones', () => {
    const svg = lineChart({ title: 't', xLog: true, yLog: true, series: [{ name: 's', points: [[0, 5], [10, Number.NaN], [100, 50], [1000, 500], [10_000, -1]] }] });
    assertBalanced(svg);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
  });

  it('bar chart: a bar per series per category, category labels, escaped text', () => {
    const svg = barChart({
      title: 'Memory <per item> & more',
      yLabel: 'bytes',
      categories: ['znode', 'session', 'watch'],
      series: [
        { name: 'Vivarium', values: [300, 1200, 90] },
        { name: 'ZooKeeper', values: [250, undefined, 120] },
      ],
    });
    assertBalanced(svg);
    expect(svg).toContain('Memory &lt;per item&gt; &amp; more');
    // Bars carry a tooltip; the background and the legend swatches do not.
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(5);
    for (const label of ['znode', 'session', 'watch']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).not.toContain('NaN');
  });

  it('refuses a chart with nothing to draw', () => {
    expect(() => lineChart({ title: 't', series: [] })).toThrow(/series/);
    expect(() => barChart({ title: 't', categories: [], series: [{ name: 's', values: [] }] })).toThrow(/category/);
  });

  it('ticks and labels', () => {
    expect(linearTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(5, 5).length).toBeGreaterThan(1);
    expect(logTicks(3, 4000)).toEqual([1, 10, 100, 1000, 10_000]);
    expect(formatTick(1500)).toBe('1.5k');
    expect(formatTick(2_000_000)).toBe('2M');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(0)).toBe('0');
    expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&#39;');
  });
});
