#!/usr/bin/env node
// The benchmark runner: `npm run bench` (builds first), or `node bench/run.mjs [options]`.
//
//   --full              bigger sizes (see each scenario); much longer
//   --filter <text>     run only scenarios whose name contains <text> (repeatable, or comma-separated)
//   --runs <n>          timed runs per figure (default 5)
//   --warmup <n>        untimed warm-up runs per figure (default 1)
//   --list              print the scenario names and exit
//
// Reports medians with min and max; nothing here passes or fails. An unfiltered
// default run writes bench/results/latest.{json,md}; --full writes full.{json,md};
// a filtered run writes to bench/results/tmp/ (git-ignored) so it never replaces a
// whole report with part of one. Charts a scenario returns (SVG strings from
// bench/lib/svg-chart.mjs) go to charts/<latest|full>-<scenario>-<id>.svg beside the
// report, which embeds them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatDuration, formatRate, nowMs } from './lib/measure.mjs';

// One line per scenario module. Each exports `scenarios`: an array of
//   { name, title, skip?(ctx) -> string | undefined, run(ctx) -> { figures, notes?, summary?, charts? } }
// charts: [{ id, title, svg }] (svg from bench/lib/svg-chart.mjs), written and embedded by this runner.
// `skip` returns a reason when the scenario cannot run here (e.g. no real ZooKeeper installed);
// the report then says so instead of failing. See bench/README.md, "Adding a scenario".
const scenarioModules = [
  './scenarios/in-process.mjs',
  './scenarios/sessions.mjs',
  './scenarios/memory.mjs',
  './scenarios/storage.mjs',
  './scenarios/wire.mjs',
  './scenarios/multi.mjs',
  './scenarios/trees.mjs',
  './scenarios/ensemble.mjs',
  './scenarios/read-ratio.mjs',
  './scenarios/fixtures.mjs',
  './scenarios/transports.mjs',
];

function parseArgs(argv) {
  const options = { full: false, filters: [], runs: 5, warmup: 1, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const count = (name, text, min) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
      return n;
    };
    if (arg === '--full') options.full = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--filter') options.filters.push(...value().split(',').filter((f) => f !== ''));
    else if (arg.startsWith('--filter=')) options.filters.push(...arg.slice('--filter='.length).split(',').filter((f) => f !== ''));
    else if (arg === '--runs') options.runs = count('--runs', value(), 1);
    else if (arg === '--warmup') options.warmup = count('--warmup', value(), 0);
    else throw new Error(`unknown option ${JSON.stringify(arg)} (try --full, --filter <name>, --runs <n>, --warmup <n>, --list)`);
  }
  return options;
}

function gitDescription() {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (packages/ modified)` : commit;
  } catch {
    return 'unknown';
  }
}

function machineInfo() {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${release()} ${arch()}`,
    date: new Date().toISOString(),
    commit: gitDescription(),
    // Other work on the machine skews every figure; the 1-minute load average says how busy it was.
    loadAverageAtStart: loadavg()[0],
  };
}

// ------------------------------------------------------------------ formatting

function formatValue(figure, value) {
  if (value === undefined) return '';
  if (figure.kind === 'rate') return `${formatRate(value)}`;
  if (figure.kind === 'time') return formatDuration(value);
  if (figure.kind === 'ratio') return `${value.toFixed(value >= 10 ? 0 : value >= 0.1 ? 1 : 2)}×`;
  return String(value);
}

function perItem(figure) {
  if (figure.perItemMs === undefined) return '';
  return `${formatDuration(figure.perItemMs)}${figure.perItemLabel === undefined ? '' : ` ${figure.perItemLabel}`}`;
}

function unitOf(figure) {
  return figure.kind === 'time' || figure.kind === 'ratio' ? '' : figure.unit ?? '';
}

function progressLine(figure) {
  const range = figure.min === undefined ? '' : ` (min ${formatValue(figure, figure.min)}, max ${formatValue(figure, figure.max)})`;
  const each = figure.perItemMs === undefined ? '' : `, ${perItem(figure)}${figure.perItemLabel === undefined ? ' each' : ''}`;
  return `    ${figure.label}: ${formatValue(figure, figure.median)} ${unitOf(figure)}${range}${each}`.replace(/ +\(/, ' (');
}

function markdownReport(report) {
  const m = report.machine;
  const lines = [
    '# Vivarium benchmarks',
    '',
    `Generated by \`${report.command}\` on ${m.date}. Medians of ${report.options.runs} timed runs after ${report.options.warmup} warm-up run(s); min and max of the same runs. No figure is a pass/fail.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${m.cpuModel} |`,
    `| cores | ${m.cores} (available parallelism ${m.availableParallelism}) |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| Node | ${m.node} (V8 ${m.v8}) |`,
    `| OS | ${m.platform} |`,
    `| commit | ${m.commit} |`,
    `| load average (1 min) | ${m.loadAverageAtStart.toFixed(2)} at start, ${m.loadAverageAtEnd.toFixed(2)} at end |`,
    `| sizes | ${report.options.full ? '--full' : 'default'}${report.options.filters.length > 0 ? `, filter: ${report.options.filters.join(', ')}` : ''} |`,
    '',
    'What each figure means: bench/README.md.',
  ];
  for (const scenario of report.scenarios) {
    lines.push('', `## ${scenario.name}: ${scenario.title}`, '');
    if (scenario.error !== undefined) {
      lines.push(`**Failed:** ${scenario.error}`);
      continue;
    }
    if (scenario.skipped !== undefined) {
      lines.push(`**Skipped:** ${scenario.skipped}`);
      continue;
    }
    for (const chart of scenario.charts ?? []) lines.push(`![${chart.title}](${chart.file})`, '');
    if (scenario.summary !== undefined) {
      const { title, header, rows } = scenario.summary;
      lines.push(`${title}`, '', `| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
      for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
      if (scenario.summary.footer !== undefined) lines.push('', ...scenario.summary.footer);
      lines.push('', 'All figures:', '');
    }
    lines.push('| figure | median | min | max | unit | per item (median) |', '|---|---:|---:|---:|---|---:|');
    for (const figure of scenario.figures) {
      lines.push(`| ${figure.label} | ${formatValue(figure, figure.median)} | ${formatValue(figure, figure.min)} | ${formatValue(figure, figure.max)} | ${unitOf(figure)} | ${perItem(figure)} |`);
    }
    if (scenario.notes?.length > 0) {
      lines.push('');
      for (const note of scenario.notes) lines.push(`- ${note}`);
    }
    lines.push('', `Scenario wall time: ${formatDuration(scenario.elapsedMs)}.`);
  }
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ charts

/**
 * Writes each scenario's charts to <dir>/charts/<base>-<scenario>-<id>.svg and replaces the SVG
 * text in the report by the relative file name (the Markdown embeds it, the JSON names it).
 */
function writeCharts(report, dir, base) {
  const chartsDir = new URL('./charts/', dir);
  for (const scenario of report.scenarios) {
    if (!(scenario.charts?.length > 0)) continue;
    mkdirSync(chartsDir, { recursive: true });
    scenario.charts = scenario.charts.map(({ id, title, svg }) => {
      const file = `charts/${base}-${scenario.name.replace(/[^a-z0-9]+/gi, '-')}-${id}.svg`;
      writeFileSync(new URL(file, dir), svg);
      return { id, title, file };
    });
  }
}

// ------------------------------------------------------------------ main

/**
 * An exception thrown from a callback while a scenario runs (a client library's socket handler, say)
 * fails that scenario, reported with its stack, instead of ending the whole run. Whatever the scenario
 * left running is ended when the process exits (the real-ZooKeeper launcher kills its JVMs then).
 */
function failOnUncaught() {
  let reject;
  const failed = new Promise((_, rejectWith) => {
    reject = rejectWith;
  });
  failed.catch(() => undefined);
  const handler = (error) => reject(new Error(`uncaught exception in a callback: ${error?.stack ?? error}`));
  process.on('uncaughtException', handler);
  return { failed, dispose: () => process.off('uncaughtException', handler) };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const all = [];
  for (const specifier of scenarioModules) {
    const module = await import(specifier);
    all.push(...module.scenarios);
  }
  if (options.list) {
    for (const scenario of all) console.log(`${scenario.name}  ${scenario.title}`);
    return;
  }
  const selected = options.filters.length === 0 ? all : all.filter((s) => options.filters.some((f) => s.name.includes(f)));
  if (selected.length === 0) throw new Error(`no scenario matches ${options.filters.join(', ')}; --list shows them`);

  const machine = machineInfo();
  console.log(`bench: ${selected.length} scenario(s), ${options.runs} runs + ${options.warmup} warm-up each${options.full ? ', --full sizes' : ''}; ${machine.cpuModel} x${machine.cores}, Node ${machine.node}`);
  const report = {
    command: `node bench/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    options: { full: options.full, filters: options.filters, runs: options.runs, warmup: options.warmup },
    scenarios: [],
  };
  const started = nowMs();
  for (const [index, scenario] of selected.entries()) {
    const scenarioStart = nowMs();
    console.log(`[${index + 1}/${selected.length}] ${scenario.name}: ${scenario.title}`);
    const ctx = {
      full: options.full,
      runs: options.runs,
      warmup: options.warmup,
      progress: (message) => console.log(`    ... ${message} (${formatDuration(nowMs() - scenarioStart)})`),
    };
    const skipped = scenario.skip?.(ctx);
    if (skipped !== undefined) {
      report.scenarios.push({ name: scenario.name, title: scenario.title, elapsedMs: 0, skipped });
      console.log(`[${index + 1}/${selected.length}] ${scenario.name} skipped: ${skipped}`);
      continue;
    }
    const uncaught = failOnUncaught();
    try {
      const { figures, notes = [], summary, charts = [] } = await Promise.race([scenario.run(ctx), uncaught.failed]);
      const elapsedMs = nowMs() - scenarioStart;
      report.scenarios.push({ name: scenario.name, title: scenario.title, elapsedMs, figures, notes, ...(summary === undefined ? {} : { summary }), charts });
      for (const figure of figures) console.log(progressLine(figure));
      console.log(`[${index + 1}/${selected.length}] ${scenario.name} done in ${formatDuration(elapsedMs)}`);
    } catch (error) {
      // One broken scenario is reported, and the rest still run.
      const elapsedMs = nowMs() - scenarioStart;
      report.scenarios.push({ name: scenario.name, title: scenario.title, elapsedMs, error: String(error?.stack ?? error) });
      console.error(`[${index + 1}/${selected.length}] ${scenario.name} FAILED after ${formatDuration(elapsedMs)}: ${error?.stack ?? error}`);
      process.exitCode = 1;
    } finally {
      uncaught.dispose();
    }
  }
  report.totalMs = nowMs() - started;
  machine.loadAverageAtEnd = loadavg()[0];

  const resultsDir = new URL('./results/', import.meta.url);
  const filtered = options.filters.length > 0;
  const dir = filtered ? new URL('./tmp/', resultsDir) : resultsDir;
  const base = options.full ? 'full' : 'latest';
  mkdirSync(dir, { recursive: true });
  writeCharts(report, dir, base);
  const json = JSON.stringify(report, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  writeFileSync(new URL(`${base}.json`, dir), `${json}\n`);
  writeFileSync(new URL(`${base}.md`, dir), markdownReport(report));
  console.log(`bench: done in ${formatDuration(report.totalMs)}; wrote ${fileURLToPath(new URL(`${base}.md`, dir))} and .json`);
}

main().catch((error) => {
  console.error(`bench: ${error?.stack ?? error}`);
  process.exitCode = 1;
});
