import { readFileSync } from 'node:fs';
import { createEnsemble, ensembleConfigText, listenerOptionsOf, staticConfigVersion, runMember as runRealMember, startWireServer as startRealWireServer, type RunMemberOptions, type RunningMember, type WireServerOptions } from '@vivarium/server';
import { ConfigError } from '@vivarium/store';
import { parseCliArgs, usage, UsageError, type StartOptions } from './args.ts';
import { parseJavaProperties } from './java-properties.ts';
import { writeDynamicConfig } from './dynamic-config-file.ts';
import { toRunMemberOptions } from './member-options.ts';
import { toWireServerOptions, type StartWireServer } from './wire-options.ts';
import { resolveZooCfg, type ReadTextFile, type ZooCfg } from './zoo-cfg.ts';

/** Exit codes: 0 clean stop, 1 the server failed at run time, 2 a bad command line or configuration (as ZooKeeper's 2). */
export const exitOk = 0;
export const exitFailure = 1;
export const exitBadConfig = 2;

/** Everything runCli touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  /** Resolves (with the signal's name) when the server should shut down: SIGTERM or SIGINT for the real process. */
  waitForStop(): Promise<string>;
  readTextFile: ReadTextFile;
  /** Defaults to @vivarium/server's startWireServer. */
  startWireServer?: StartWireServer;
  /** Defaults to @vivarium/server's runMember (one member of a multi-process ensemble). */
  runMember?: (options: RunMemberOptions) => Promise<Pick<RunningMember, 'connectString' | 'close'>>;
}

/** The CLI's version, from its package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Run `vivarium <argv>`; resolves with the exit code once the command is done (for start: once the server has stopped). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`vivarium: ${error.message}`);
    io.stderr('Run "vivarium --help" for usage.');
    return exitBadConfig;
  }
  if (command.kind === 'help') {
    io.stdout(usage);
    return exitOk;
  }
  if (command.kind === 'version') {
    io.stdout(`vivarium ${cliVersion()}`);
    return exitOk;
  }
  return start(command.options, io);
}

async function start(options: StartOptions, io: CliIo): Promise<number> {
  let resolved;
  try {
    const entries = [];
    if (options.configPath !== undefined) {
      let text: string | undefined;
      try {
        text = io.readTextFile(options.configPath);
      } catch (error) {
        io.stderr(`vivarium: cannot read config file ${options.configPath}: ${(error as Error).message}`);
        return exitBadConfig;
      }
      if (text === undefined) {
        io.stderr(`vivarium: cannot read config file ${options.configPath}: no such file`);
        return exitBadConfig;
      }
      entries.push(...parseJavaProperties(text, options.configPath));
    }
    entries.push(...options.overrides);
    resolved = resolveZooCfg(entries, { profile: options.configPath === undefined ? 'embedded' : 'zoo.cfg', readTextFile: io.readTextFile });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`vivarium: bad configuration: ${error.message}`);
    return exitBadConfig;
  }
  for (const notice of resolved.notices) io.stderr(`vivarium: notice: ${notice}`);
  const { config } = resolved;
  const startWireServer = io.startWireServer ?? startRealWireServer;
  // Listen for SIGTERM/SIGINT before starting, and long before printing the connect string:
  // whoever reads that line may signal at once, and a signal during start-up still gets a clean close.
  const stopRequested = io.waitForStop();
  const wireOptions = toWireServerOptions(config, { seed: options.seed, log: (line) => io.stderr(`vivarium: ${line}`) });
  if (options.ensembleSize !== undefined) return runEnsemble(options.ensembleSize, wireOptions, stopRequested, io);
  if (config.ensemble.distributed) return runEnsembleMember(config, wireOptions, stopRequested, io, options.configPath);
  let server;
  try {
    server = await startWireServer(wireOptions);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`vivarium: bad configuration: ${error.message}`);
      return exitBadConfig;
    }
    io.stderr(`vivarium: cannot start: ${(error as Error).message}`);
    return exitFailure;
  }
  io.stdout(`vivarium: serving ${server.connectString} (standalone)`);

  const signal = await stopRequested;
  io.stdout(`vivarium: ${signal} received, shutting down`);
  try {
    await server.close();
  } catch (error) {
    io.stderr(`vivarium: error while shutting down: ${(error as Error).message}`);
    return exitFailure;
  }
  io.stdout('vivarium: stopped');
  return exitOk;
}

/**
 * `--ensemble N`: N members in this process (ZAB over the in-memory network,
 * real time), each with its own client port from clientPort upward.
 */
async function runEnsemble(size: number, wire: WireServerOptions, stopRequested: Promise<string>, io: CliIo): Promise<number> {
  // The client-port keys are named here only to leave them out of the engine options; listenerOptionsOf picks them below.
  const {
    clientPort, clientPortAddress, maxClientCnxns, frameBytesMax, outstandingRequestsMax, outputBytesMax, fourLetterWordWhitelist,
    readOnlyModeEnabled, dataDir, dataLogDir, log, clock: _clock, seed, memberId: _memberId, ...engineOptions
  } = wire as WireServerOptions & { forceSync?: unknown; snapRetainCount?: unknown; purgeIntervalHours?: unknown };
  const { forceSync: _f, snapRetainCount: _r, purgeIntervalHours: _p, ...engine } = engineOptions as Record<string, unknown>;
  // The members keep their data in memory, so the client ports report no dataDir.
  const { clientPort: _port, dataDir: _dataDir, ...listenerOptions } = listenerOptionsOf(wire);
  if (dataDir !== undefined && dataDir !== '') io.stderr('vivarium: notice: --ensemble keeps each member\'s data in memory; dataDir is not used');
  let ensemble;
  try {
    ensemble = createEnsemble({ ...(engine as object), members: size, clock: 'system', ...(seed === undefined ? {} : { seed }) });
    const leader = await ensemble.waitForLeader(30_000);
    const { connectString } = await ensemble.serveTcp({
      ...listenerOptions,
      basePort: clientPort ?? 2181,
    });
    io.stdout(`vivarium: serving ${connectString} (ensemble of ${size}, member ${leader.id} leads, seed ${ensemble.seed})`);
  } catch (error) {
    await ensemble?.close();
    if (error instanceof ConfigError) {
      io.stderr(`vivarium: bad configuration: ${error.message}`);
      return exitBadConfig;
    }
    io.stderr(`vivarium: cannot start: ${(error as Error).message}`);
    return exitFailure;
  }
  const signal = await stopRequested;
  io.stdout(`vivarium: ${signal} received, shutting down`);
  await ensemble.close();
  io.stdout('vivarium: stopped');
  return exitOk;
}

/**
 * A zoo.cfg with server.N lines and dataDir/myid: run that one member of a
 * multi-process ensemble (peers over TCP on the quorum and election ports).
 * A broken invariant inside the member ends the process with exit code 1, as
 * ZooKeeper exits.
 */
async function runEnsembleMember(config: ZooCfg, wire: WireServerOptions, stopRequested: Promise<string>, io: CliIo, configPath: string | undefined): Promise<number> {
  let failed: (error: unknown) => void = () => undefined;
  const failure = new Promise<'failed'>((resolve) => {
    failed = () => resolve('failed');
  });
  let running;
  let options: RunMemberOptions;
  try {
    const mapped = toRunMemberOptions(config, wire);
    for (const notice of mapped.notices) io.stderr(`vivarium: notice: ${notice}`);
    options = { ...mapped.options, onFatal: (error) => failed(error) };
    if (configPath !== undefined && config.ensemble.reconfigEnabled) {
      // As ZooKeeper: each committed configuration goes to zoo.cfg.dynamic.<version>, and zoo.cfg points to it.
      options.onConfigCommitted = (text, version) => {
        try {
          const file = writeDynamicConfig(configPath, text, version, io.readTextFile);
          io.stderr(`vivarium: configuration 0x${version.toString(16)} written to ${file}`);
        } catch (error) {
          io.stderr(`vivarium: cannot write the dynamic config file: ${(error as Error).message}`);
        }
      };
    }
    running = await (io.runMember ?? runRealMember)(options);
    if (options.onConfigCommitted !== undefined && config.ensemble.dynamicConfigFile === undefined) {
      // ZooKeeper, started with reconfigEnabled from server.N lines in zoo.cfg, moves them to zoo.cfg.dynamic.100000000 at once.
      options.onConfigCommitted(ensembleConfigText(options.servers, options.configVersion ?? staticConfigVersion), options.configVersion ?? staticConfigVersion);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`vivarium: bad configuration: ${error.message}`);
      return exitBadConfig;
    }
    io.stderr(`vivarium: cannot start: ${(error as Error).message}`);
    return exitFailure;
  }
  const participants = options.servers.filter((server) => server.role === 'participant').length;
  io.stdout(`vivarium: serving ${running.connectString} (member ${options.myId} of an ensemble of ${participants} participants${options.servers.length > participants ? ` and ${options.servers.length - participants} observers` : ''})`);
  const outcome = await Promise.race([stopRequested, failure]);
  if (outcome === 'failed') {
    io.stderr('vivarium: the member stopped on a broken invariant; exiting');
    await running.close().catch(() => undefined);
    return exitFailure;
  }
  io.stdout(`vivarium: ${outcome} received, shutting down`);
  try {
    await running.close();
  } catch (error) {
    io.stderr(`vivarium: error while shutting down: ${(error as Error).message}`);
    return exitFailure;
  }
  io.stdout('vivarium: stopped');
  return exitOk;
}

/** Read a file as UTF-8; undefined when it does not exist or is not a file (ZooKeeper's isFile check). */
export function readTextFileOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The real process: stdout/stderr, SIGTERM/SIGINT, the file system. */
export function processCliIo(): CliIo {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readTextFile: readTextFileOrUndefined,
    waitForStop: () =>
      new Promise<string>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          // A second signal while the server closes means "now": do not wait for close().
          const force = (again: NodeJS.Signals): void => {
            process.stderr.write(`vivarium: ${again} received again, exiting without waiting for shutdown\n`);
            process.exit(exitFailure);
          };
          process.once('SIGTERM', force);
          process.once('SIGINT', force);
          resolve(signal);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      }),
  };
}
