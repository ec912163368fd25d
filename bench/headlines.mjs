// Prints the README's headline table from a report's JSON (default bench/results/latest.json), so the
// headlines quote exactly what the committed report measured:
//
//   node bench/headlines.mjs [bench/results/latest.json]
//
// Paste the output over the table under "## Headlines" in bench/README.md.
import { readFileSync } from 'node:fs';
import { formatRatio } from './lib/figures.mjs';
import { formatDuration, formatRate } from './lib/measure.mjs';

const path = process.argv[2] ?? new URL('./results/latest.json', import.meta.url);
const report = JSON.parse(readFileSync(path, 'utf8'));

function figureOf(scenario, id) {
  const found = report.scenarios.find((s) => s.name === scenario)?.figures.find((f) => f.id === id);
  if (found === undefined) throw new Error(`${scenario}: no figure ${id} in ${path}`);
  return found.median;
}

const ms = (value) => formatDuration(value);
const rate = (value) => `${formatRate(value)}/s`;
const ratio = (value) => `**${formatRatio(value)}**`;
const span = (values, format) => `${format(Math.min(...values))} to ${format(Math.max(...values))}`;

const ops = ['create', 'getData', 'setData', 'exists', 'delete'];
const wire = (kind, op) => figureOf('wire/ops', `${kind}.${op}`);
const opRatios = ops.map((op) => wire('ratio.vivProcess', op));
const p50Ratios = ops.map((op) => figureOf('wire/ops', `ratio.vivProcess.${op}.p50`));
const fail = (id) => figureOf('ensemble/startup-failover', id);
const reads = ['0', '25', '50', '75', '90', '100'];
const readRatio = (who) => reads.map((r) => figureOf('ensemble/read-ratio', `${who}.${r}`));
const multi = (who) => ['1', '10', '100', '1000'].map((k) => figureOf('wire/multi', `${who}.create.${k}`));
const trees = (id) => figureOf('wire/trees', id);

const rows = [
  ['wire, standalone, 200 in flight (node-zookeeper-client, 100-byte values; Vivarium in its own process)',
    span(ops.map((op) => wire('zk', op)), rate), span(ops.map((op) => wire('vivProcess', op)), rate),
    `${ratio(Math.min(...opRatios))} to ${ratio(Math.max(...opRatios))} (${ops.map((op, i) => `${op} ${opRatios[i].toFixed(1)}`).join(', ')})`],
  ['wire, one request at a time, p50 latency', span(ops.map((op) => wire('zk', `${op}.p50`)), ms), span(ops.map((op) => wire('vivProcess', `${op}.p50`)), ms),
    `${ratio(Math.min(...p50Ratios))} to ${ratio(Math.max(...p50Ratios))}`],
  ['wire, server CPU per op', `${ms(figureOf('wire/ops', 'zk.serverCpu'))} (JVM)`, ms(figureOf('wire/ops', 'vivProcess.serverCpu')), ratio(figureOf('wire/ops', 'ratio.serverCpu'))],
  ['3-member ensemble, start-up to first write (tickTime 200)', `${ms(fail('zk3.startup'))} (3 JVMs)`,
    `${ms(fail('vivSystem3.startup'))} (system clock, TCP); ${ms(fail('vivManual3.startup'))} (manual clock)`, ratio(fail('ratio.startup.vivSystem3'))],
  ['fixture create + close', `${ms(figureOf('fixtures/lifecycle', 'zk-standalone'))} (1 JVM); ${ms(figureOf('fixtures/lifecycle', 'zk-ensemble'))} (3 JVMs)`,
    `${ms(figureOf('fixtures/lifecycle', 'server'))} (\`createServer\`); ${ms(figureOf('fixtures/lifecycle', 'ensemble'))} (\`createEnsemble\`, in memory); ${ms(figureOf('fixtures/lifecycle', 'worker-ensemble'))} (worker threads)`,
    `${ratio(figureOf('fixtures/lifecycle', 'ratio.server'))}; ${ratio(figureOf('fixtures/lifecycle', 'ratio.ensemble'))}; ${ratio(figureOf('fixtures/lifecycle', 'ratio.worker-ensemble'))}`],
  ['3-member ensemble, writes to a follower, 200 in flight', `create ${rate(figureOf('ensemble/writes', 'zk3.create'))}, delete ${rate(figureOf('ensemble/writes', 'zk3.delete'))}`,
    `create ${rate(figureOf('ensemble/writes', 'viv3.create'))}, delete ${rate(figureOf('ensemble/writes', 'viv3.delete'))}`,
    `${ratio(figureOf('ensemble/writes', 'ratio.3.create'))} create, ${ratio(figureOf('ensemble/writes', 'ratio.3.delete'))} delete`],
  ['3-member ensemble, commit latency (setData one at a time) p50 / p99', `${ms(figureOf('ensemble/writes', 'zk3.setData.p50'))} / ${ms(figureOf('ensemble/writes', 'zk3.setData.p99'))}`,
    `${ms(figureOf('ensemble/writes', 'viv3.setData.p50'))} / ${ms(figureOf('ensemble/writes', 'viv3.setData.p99'))}`,
    `${ratio(figureOf('ensemble/writes', 'ratio.3.p50'))} / ${ratio(figureOf('ensemble/writes', 'ratio.3.p99'))}`],
  ['read-ratio sweep, 3 members, 0% to 100% reads', span(readRatio('zk3'), rate), span(readRatio('viv3'), rate),
    `${ratio(Math.min(...readRatio('ratio.3')))} to ${ratio(Math.max(...readRatio('ratio.3')))}`],
  ['3 members, leader killed to next write, tickTime 200', `${ms(fail('zk3.failover'))} (SIGKILL); ${ms(fail('zk3.freezeFailover'))} (SIGSTOP)`,
    `${ms(fail('vivSystem3.failover'))} (\`crash()\`, system clock)`, `${ratio(fail('ratio.failover.vivSystem3'))} against SIGKILL`],
  ["the same at ZooKeeper's default tickTime 2000 (one run)", `${ms(fail('zk3.tick2000.failover'))} (SIGKILL)`, ms(fail('vivSystem3.tick2000.failover')), ratio(fail('ratio.failover.vivSystem3.tick2000'))],
  ["the same on Vivarium's manual clock (wall time)", '', `${ms(fail('vivManual3.failover'))} (${ms(fail('vivManual3.failoverSimulated'))} simulated)`, `${ratio(fail('ratio.failover.vivManual3'))} against SIGKILL`],
  ['multi, ops/s inside multis of 1 / 10 / 100 / 1000 creates', multi('zk').map(rate).join(' / '), multi('viv').map(rate).join(' / '),
    ['1', '10', '100', '1000'].map((k) => ratio(figureOf('wire/multi', `ratio.create.${k}`))).join(' / ')],
  ['10k children: create / getChildren; 1000-level chain: create', `${rate(trees('zk.wideCreate'))} / ${ms(trees('zk.wideList'))}; ${rate(trees('zk.deepCreate'))}`,
    `${rate(trees('viv.wideCreate'))} / ${ms(trees('viv.wideList'))}; ${rate(trees('viv.deepCreate'))}`,
    `${ratio(trees('ratio.wideCreate'))} / ${ratio(trees('ratio.wideList'))}; ${ratio(trees('ratio.deepCreate'))}`],
  ["ephemeral cleanup of 10k nodes on one session's end", ms(figureOf('sessions/ephemeral-cleanup', 'wire.zk')), ms(figureOf('sessions/ephemeral-cleanup', 'wire.viv')), ratio(figureOf('sessions/ephemeral-cleanup', 'ratio.wire'))],
  ['heap per znode / per data watch', `${figureOf('memory/per-item', 'zk.znode')} B / ${figureOf('memory/per-item', 'zk.watch')} B`,
    `${figureOf('memory/per-item', 'engine.znode')} B / ${figureOf('memory/per-item', 'engine.watch')} B`,
    `${ratio(figureOf('memory/per-item', 'ratio.znode'))} / ${ratio(figureOf('memory/per-item', 'ratio.watch'))}`],
  ['restart to serving with 100k znodes', ms(figureOf('storage/restart-vs-zookeeper', 'restart.zookeeper')), ms(figureOf('storage/restart-vs-zookeeper', 'restart.vivarium')),
    ratio(figureOf('storage/restart-vs-zookeeper', 'restart.zookeeper') / figureOf('storage/restart-vs-zookeeper', 'restart.vivarium'))],
];

const machine = report.machine;
console.log(`From \`bench/results/latest.md\` (\`npm run bench\`, ${machine.cores ?? 2} cores, commit ${machine.commit}, load average ${machine.loadAverageAtStart ?? '?'} at the start, ${machine.loadAverageAtEnd ?? '?'} at the end). Ratios are of medians measured in the same run, > 1× means Vivarium is faster (or smaller):`);
console.log('');
console.log('| against the real ZooKeeper 3.8 | ZooKeeper | Vivarium | ratio |');
console.log('|---|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
