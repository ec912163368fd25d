// A small, dependency-free SVG chart writer for the bench report: line charts and grouped bar
// charts with axes, tick labels, axis titles and a legend. Output is a standalone SVG string
// (no scripts, no external fonts or styles), so GitHub renders it embedded in Markdown.
//
//   lineChart({ title, xLabel, yLabel, series: [{ name, points: [[x, y], ...], dashed? }], xLog?, yLog? })
//   barChart({ title, yLabel, categories: ['a', 'b'], series: [{ name, values: [1, 2] }], yLog? })
//
// Values that are not finite (or <= 0 on a log axis) are left out rather than drawn wrong.

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

/** Text for an SVG text node or attribute. */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A short tick label: 1500 -> "1.5k", 2000000 -> "2M", 0.25 -> "0.25". */
export function formatTick(value) {
  const abs = Math.abs(value);
  const trim = (text) => text.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  if (abs >= 1e9) return `${trim((value / 1e9).toFixed(1))}G`;
  if (abs >= 1e6) return `${trim((value / 1e6).toFixed(1))}M`;
  if (abs >= 1e3) return `${trim((value / 1e3).toFixed(1))}k`;
  if (abs === 0) return '0';
  if (abs >= 1) return trim(value.toFixed(1));
  return trim(value.toPrecision(2));
}

/** "Nice" linear ticks covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function linearTicks(min, max, target = 5) {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.5;
    return linearTicks(min - pad, max + pad, target);
  }
  const rough = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const first = Math.floor(min / step) * step;
  const ticks = [];
  for (let t = first; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
export function logTicks(min, max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  if (ticks.length === 1) ticks.push(ticks[0] * 10);
  return ticks;
}

function axis(values, { log = false, zero = false, min, max } = {}) {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = min ?? (usable.length > 0 ? Math.min(...usable) : log ? 1 : 0);
  let hi = max ?? (usable.length > 0 ? Math.max(...usable) : log ? 10 : 1);
  if (zero && !log) lo = Math.min(0, lo);
  const ticks = log ? logTicks(lo, hi) : linearTicks(lo, hi);
  lo = ticks[0];
  hi = ticks[ticks.length - 1];
  const toUnit = log ? (v) => (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v) => (v - lo) / (hi - lo);
  return { ticks, toUnit, usable: (v) => Number.isFinite(v) && (!log || v > 0) };
}

const layout = { width: 640, height: 360, left: 64, right: 16, top: 34, bottom: 48, legendRow: 16 };

function frame({ title, xLabel, yLabel, width, height, plot, legend }) {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (xLabel !== undefined) parts.push(`<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 36}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel !== undefined) {
    const cy = plot.y + plot.h / 2;
    parts.push(`<text x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeXml(yLabel)}</text>`);
  }
  parts.push(...legend);
  return parts;
}

/** Legend entries laid out left to right under the title, wrapping; returns { parts, rows }. */
function legendParts(entries, width, top) {
  const parts = [];
  let x = layout.left;
  let y = top;
  let rows = entries.length > 0 ? 1 : 0;
  for (const { name, color, dashed, bar } of entries) {
    const w = 26 + name.length * 6.2;
    if (x + w > width - layout.right && x > layout.left) {
      x = layout.left;
      y += layout.legendRow;
      rows++;
    }
    parts.push(
      bar
        ? `<rect x="${x}" y="${y - 8}" width="14" height="9" fill="${color}"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
      `<text x="${x + 20}" y="${y}">${escapeXml(name)}</text>`,
    );
    x += w;
  }
  return { parts, rows };
}

function plotArea(width, height, legendRows) {
  const y = layout.top + legendRows * layout.legendRow;
  return { x: layout.left, y, w: width - layout.left - layout.right, h: height - y - layout.bottom };
}

function gridAndYTicks(plot, yAxis) {
  const parts = [];
  for (const t of yAxis.ticks) {
    const y = plot.y + plot.h - yAxis.toUnit(t) * plot.h;
    parts.push(`<line x1="${plot.x}" y1="${y.toFixed(1)}" x2="${plot.x + plot.w}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${plot.x - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`);
  }
  parts.push(`<line x1="${plot.x}" y1="${plot.y + plot.h}" x2="${plot.x + plot.w}" y2="${plot.y + plot.h}" stroke="#333"/>`);
  parts.push(`<line x1="${plot.x}" y1="${plot.y}" x2="${plot.x}" y2="${plot.y + plot.h}" stroke="#333"/>`);
  return parts;
}

/**
 * Lines through points, one per series, with a marker at each point. `xLog` / `yLog` for log
 * axes; `yZero` (default true on a linear y axis) starts the y axis at 0. `xTicks` overrides the
 * x tick positions (e.g. the swept values).
 */
export function lineChart({ title, xLabel, yLabel, series, xLog = false, yLog = false, yZero = !yLog, xTicks, width = layout.width, height = layout.height }) {
  if (!Array.isArray(series) || series.length === 0) throw new Error('lineChart: at least one series');
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? palette[i % palette.length] }));
  const { parts: legend, rows } = legendParts(colored.map((s) => ({ name: s.name, color: s.color, dashed: s.dashed })), width, layout.top);
  const plot = plotArea(width, height, rows);
  const xs = colored.flatMap((s) => s.points.map(([x]) => x));
  const ys = colored.flatMap((s) => s.points.map(([, y]) => y));
  const xAxis = axis(xTicks ?? xs, { log: xLog, ...(xTicks === undefined ? {} : { min: Math.min(...xTicks), max: Math.max(...xTicks) }) });
  if (xTicks !== undefined) xAxis.ticks = xTicks;
  const yAxis = axis(ys, { log: yLog, zero: yZero });
  const px = (x) => plot.x + xAxis.toUnit(x) * plot.w;
  const py = (y) => plot.y + plot.h - yAxis.toUnit(y) * plot.h;
  const parts = frame({ title, xLabel, yLabel, width, height, plot, legend });
  parts.push(...gridAndYTicks(plot, yAxis));
  for (const t of xAxis.ticks) {
    const x = px(t);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${plot.y + plot.h}" x2="${x.toFixed(1)}" y2="${plot.y + plot.h + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${plot.y + plot.h + 16}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  for (const s of colored) {
    const points = s.points.filter(([x, y]) => xAxis.usable(x) && yAxis.usable(y)).sort((a, b) => a[0] - b[0]);
    if (points.length === 0) continue;
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}><title>${escapeXml(s.name)}</title></path>`);
    if (s.markers !== false) {
      for (const [x, y] of points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"><title>${escapeXml(`${s.name}: ${formatTick(x)}, ${formatTick(y)}`)}</title></circle>`);
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Grouped bars: one group per category, one bar per series in each group. `values[i]` is the
 * series' value for `categories[i]` (undefined or not finite: no bar).
 */
export function barChart({ title, xLabel, yLabel, categories, series, yLog = false, width = layout.width, height = layout.height }) {
  if (!Array.isArray(categories) || categories.length === 0) throw new Error('barChart: at least one category');
  if (!Array.isArray(series) || series.length === 0) throw new Error('barChart: at least one series');
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? palette[i % palette.length] }));
  const { parts: legend, rows } = legendParts(colored.map((s) => ({ name: s.name, color: s.color, bar: true })), width, layout.top);
  const plot = plotArea(width, height, rows);
  const yAxis = axis(colored.flatMap((s) => s.values), { log: yLog, zero: !yLog });
  const py = (y) => plot.y + plot.h - yAxis.toUnit(y) * plot.h;
  const base = yLog ? plot.y + plot.h : py(Math.max(0, yAxis.ticks[0]));
  const parts = frame({ title, xLabel, yLabel, width, height, plot, legend });
  parts.push(...gridAndYTicks(plot, yAxis));
  const groupW = plot.w / categories.length;
  const barW = (groupW * 0.8) / colored.length;
  categories.forEach((category, c) => {
    const gx = plot.x + c * groupW;
    parts.push(`<text x="${(gx + groupW / 2).toFixed(1)}" y="${plot.y + plot.h + 16}" text-anchor="middle">${escapeXml(category)}</text>`);
    colored.forEach((s, k) => {
      const v = s.values[c];
      if (v === undefined || !yAxis.usable(v)) return;
      const x = gx + groupW * 0.1 + k * barW;
      const y = py(v);
      const top = Math.min(y, base);
      parts.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${Math.abs(base - y).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${s.name}, ${category}: ${formatTick(v)}`)}</title></rect>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
