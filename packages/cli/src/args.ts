import { parseArgs } from 'node:util';
import type { PropertyEntry } from './java-properties.ts';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'start'; options: StartOptions };

export interface StartOptions {
  /** Path of a zoo.cfg; undefined runs the embedded default. */
  configPath: string | undefined;
  /** --port, --tick-time, --data-dir, --host, then every --set, in that order, as zoo.cfg entries (a later one wins). */
  overrides: PropertyEntry[];
  seed: number | undefined;
  /** --ensemble N: reserved for the ensemble issue. */
  ensembleSize: number | undefined;
}

/** A command line that cannot be run; the CLI prints the message and the usage hint, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const usage = `Usage:
  vivarium start [options]     run a standalone ZooKeeper-compatible server in the foreground
  vivarium --help              show this help
  vivarium --version           show the version

Options for start:
  -c, --config <zoo.cfg>       read a ZooKeeper 3.8 zoo.cfg (ZooKeeper's defaults apply: all
                               interfaces, four-letter word whitelist "srvr", tickTime 3000);
                               with server.N lines and dataDir/myid, run that member of a
                               multi-process ensemble (peers over TCP on the quorum/election ports)
  -p, --port <n>               client port (clientPort); 0 picks a free port
      --host <addr>            address to listen on (clientPortAddress)
      --tick-time <ms>         tickTime in milliseconds
      --data-dir <dir>         dataDir: keep the log and snapshots there (default: in memory)
      --set <key=value>        set any zoo.cfg key (repeatable; wins over the file and the flags above)
      --seed <n>               seed for session ids and passwords (reproducible runs)
      --ensemble <n>           run an ensemble of n members in this process (client ports from --port upward)

Without --config, the embedded default serves 127.0.0.1:2181 (loopback only) with every
four-letter word enabled. SIGTERM or SIGINT shuts the server down cleanly.`;

function integerOption(name: string, text: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an integer in ${min}..${max}`);
  }
  return Number(text);
}

/** Parse `vivarium ...` arguments (without the node and script paths). Throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'tick-time': { type: 'string' },
        'data-dir': { type: 'string' },
        set: { type: 'string', multiple: true },
        seed: { type: 'string' },
        ensemble: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals[0] === 'help') return { kind: 'help' };
  if (values.version === true || positionals[0] === 'version') return { kind: 'version' };
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('no command given');
  if (command !== 'start') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);

  const overrides: PropertyEntry[] = [];
  // Flags are zoo.cfg keys in disguise: they go through the same checks as the file.
  if (values.port !== undefined) overrides.push({ key: 'clientPort', value: values.port, origin: '--port' });
  if (values['tick-time'] !== undefined) overrides.push({ key: 'tickTime', value: values['tick-time'], origin: '--tick-time' });
  if (values['data-dir'] !== undefined) overrides.push({ key: 'dataDir', value: values['data-dir'], origin: '--data-dir' });
  if (values.host !== undefined) overrides.push({ key: 'clientPortAddress', value: values.host, origin: '--host' });
  for (const assignment of values.set ?? []) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new UsageError(`--set ${JSON.stringify(assignment)}: expected key=value`);
    overrides.push({ key: assignment.slice(0, equals).trim(), value: assignment.slice(equals + 1).trim(), origin: '--set' });
  }
  return {
    kind: 'start',
    options: {
      configPath: values.config,
      overrides,
      seed: values.seed === undefined ? undefined : integerOption('seed', values.seed, 0, Number.MAX_SAFE_INTEGER),
      ensembleSize: values.ensemble === undefined ? undefined : integerOption('ensemble', values.ensemble, 1, 255),
    },
  };
}
