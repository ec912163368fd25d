// Figure builders for scenario results (the shapes run.mjs prints and reports):
// { id, label, kind: 'rate' | 'time' | 'ratio', unit, median, min, max, perItemMs?, samples? }.
// `phase` is one entry of measure()'s result: { items, ms: stats, rate: stats }.

export function rateFigure(id, label, phase, extra = {}) {
  return {
    id,
    label,
    kind: 'rate',
    unit: extra.unit ?? 'ops/s',
    items: phase.items,
    median: phase.rate.median,
    min: phase.rate.min,
    max: phase.rate.max,
    perItemMs: phase.ms.median / phase.items,
    samples: phase.rate.samples,
    ...extra,
  };
}

/** A time per run (startup, failover, a percentile): median / min / max of the runs' values in ms. */
export function timeFigure(id, label, phase, extra = {}) {
  return {
    id,
    label,
    kind: 'time',
    unit: 'ms',
    items: phase.items,
    median: phase.ms.median,
    min: phase.ms.min,
    max: phase.ms.max,
    samples: phase.ms.samples,
    ...extra,
  };
}

/** A time per run that covers `phase.items` items, with the median time per item beside it. */
export function perItemTimeFigure(id, label, phase, extra = {}) {
  return timeFigure(id, label, phase, { perItemMs: phase.ms.median / phase.items, ...extra });
}

/** A ratio of two medians measured in the same run. */
export function ratioFigure(id, label, numerator, denominator) {
  return { id, label, kind: 'ratio', unit: '×', median: numerator / denominator };
}

/** "1.8×" for a ratio, with one decimal below 10. */
export function formatRatio(value) {
  return `${value.toFixed(value >= 10 ? 0 : value >= 0.1 ? 1 : 2)}×`;
}
