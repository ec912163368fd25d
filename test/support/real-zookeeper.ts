// Runs the REAL Apache ZooKeeper 3.8 (Debian package `zookeeper`, installed by
// scripts/install-test-deps.sh) for differential tests and benchmarks: one standalone JVM,
// or a 3-JVM quorum, on loopback, each in a fresh temp dir that stop() removes.
// Uses only node: modules so tests, benchmarks and scripts can all import it.
//
//   const zk = await startRealZooKeeper({ extendedTypesEnabled: true });
//   try { /* connect any client to zk.connectString */ } finally { await zk.stop(); }
//
// Gate suites with `describe.skipIf(!isRealZooKeeperAvailable())`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendFourLetterWord } from './four-letter-word.ts';

export const realZooKeeperJar = '/usr/share/java/zookeeper.jar';
export const zkCliPath = '/usr/share/zookeeper/bin/zkCli.sh';

/**
 * The classpath, jar by jar. zookeeper.jar's manifest Class-Path already names its runtime deps
 * (the Debian build rewrote it to /usr/share/java/*.jar), but we list them explicitly so the
 * command line says what runs. Logging: the package depends on liblog4j1.2-java + libslf4j-java;
 * zookeeper.jar ships only slf4j-api, so without slf4j-log4j12 + log4j-1.2 SLF4J falls back to NOP.
 * jline.jar (zkCli interactive mode only) is named by the manifest but not installed by Debian.
 */
const classpathJars = [
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'slf4j-api.jar',
  'slf4j-log4j12.jar',
  'log4j-1.2.jar',
  'commons-cli.jar',
  'commons-io.jar',
  'metrics-core.jar',
  'netty-buffer.jar',
  'netty-common.jar',
  'netty-handler.jar',
  'netty-transport.jar',
  'netty-transport-native-epoll.jar',
  'snappy-java.jar',
  'jackson-annotations.jar',
  'jackson-core.jar',
  'jackson-databind.jar',
  'jetty9-client.jar',
  'jetty9-http.jar',
  'jetty9-io.jar',
  'jetty9-security.jar',
  'jetty9-server.jar',
  'jetty9-servlet.jar',
  'jetty9-util.jar',
  'findbugs-annotations.jar',
];

/** The Java classpath used to run the real server (only jars present on this machine). */
export function realZooKeeperClasspath(): string {
  return classpathJars
    .map((jar) => join('/usr/share/java', jar))
    .filter((path) => existsSync(path))
    .join(':');
}

let availability: boolean | undefined;

/** True when the Debian zookeeper jars and a working `java` are present. */
export function isRealZooKeeperAvailable(): boolean {
  if (availability === undefined) {
    availability =
      existsSync(realZooKeeperJar) && spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  }
  return availability;
}

export interface RealZooKeeperOptions {
  /** zoo.cfg tickTime; default 2000 (the sample config's value, so sessions negotiate 4000..40000). */
  tickTimeMs?: number;
  /** Extra zoo.cfg lines; they override the harness defaults with the same key. */
  extraConfig?: Record<string, string>;
  /** -Dzookeeper.extendedTypesEnabled=true (TTL nodes). Default: unset (TTL creates get UNIMPLEMENTED). */
  extendedTypesEnabled?: boolean;
  /** -Dzookeeper.DigestAuthenticationProvider.superDigest, e.g. 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=' (password test). */
  superDigest?: string;
  /** 4lw.commands.whitelist; default '*'. */
  fourLetterWhitelist?: string;
  /** zoo.cfg forceSync; default: not written (ZooKeeper's default, yes). false writes forceSync=no. */
  forceSync?: boolean;
  /** Bound on JVM start-up until it serves (`ruok` gives `imok`, `srvr` gives a Mode; ensemble: a leader is elected). Default 30000. */
  startTimeoutMs?: number;
  /** log4j level for the log file in the temp dir; default INFO. Nothing goes to the console. */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Extra JVM arguments, placed before the main class (e.g. ['-Xmx512m']). */
  jvmArgs?: string[];
  /** Ensemble only: give each `server.N` line its client address (`;127.0.0.1:clientPort`), as a dynamic config file holds it. */
  clientAddressInServerLines?: boolean;
}

export interface RealZooKeeper {
  host: string;
  port: number;
  /** 'host:port' for one server; comma-separated for an ensemble. */
  connectString: string;
  /** The temp dir holding zoo.cfg, data, logs; removed by stop(). */
  dataDir: string;
  /** SIGTERM, then SIGKILL after a bound; waits for exit; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); keeps the temp dir so restart() can recover from it. Call stop() afterwards. */
  kill(): Promise<void>;
}

export interface RealZooKeeperServer extends RealZooKeeper {
  /** JVM process id (undefined once exited). */
  readonly pid: number | undefined;
  configFile: string;
  logFile: string;
  /** Wall-clock ms from spawn until serving (`imok`, then `srvr` shows a Mode) for the latest start. */
  readonly startupMs: number;
  /** Stops the JVM if running (SIGTERM) and starts it again on the same dataDir and port. */
  restart(): Promise<void>;
  /** Sends a four-letter word to this server. */
  fourLetterWord(word: string): Promise<string>;
}

/**
 * One member of a real ensemble. Its stop()/kill() only end that JVM (restart() brings it back on
 * the same dataDir); the ensemble's stop() ends all members and removes the shared temp dir.
 */
export interface RealEnsembleMember extends RealZooKeeperServer {
  myid: number;
  quorumPort: number;
  electionPort: number;
  /** 'leader' | 'follower' | 'observer' | 'standalone', from `srvr`; undefined if not serving. */
  mode(): Promise<string | undefined>;
}

export interface RealEnsemble extends RealZooKeeper {
  members: RealEnsembleMember[];
  /** Wall-clock ms from spawning the JVMs until every member serves with one leader. */
  readonly quorumMs: number;
  /** The member whose `srvr` says `Mode: leader`. */
  leader(): Promise<RealEnsembleMember>;
}

const host = '127.0.0.1';
const startTimeoutMsDefault = 30_000;
const stopGraceMs = 10_000;
const pollIntervalMs = 50;

/** Every JVM we started and have not yet seen exit, killed if the Node process exits first. */
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackProcess(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const live of liveProcesses) live.kill('SIGKILL');
    });
  }
  liveProcesses.add(child);
  child.once('exit', () => liveProcesses.delete(child));
}

/** Reserves `count` distinct free loopback ports (all held open together, then released). */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port from listen(0)');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** True if something accepts TCP connections on host:port. */
export function isPortOpen(portHost: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: portHost, port });
    const done = (open: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

function renderConfig(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function renderLog4j(logFile: string, level: string): string {
  return [
    `log4j.rootLogger=${level}, FILE`,
    'log4j.appender.FILE=org.apache.log4j.FileAppender',
    `log4j.appender.FILE.File=${logFile}`,
    'log4j.appender.FILE.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n',
    '',
  ].join('\n');
}

interface JvmSpec {
  dir: string;
  mainClass: string;
  configFile: string;
  logFile: string;
  port: number;
  options: RealZooKeeperOptions;
}

/** One JVM: spawn, wait until ready, stop/kill/restart. */
class JvmServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitDescription: string | undefined;
  startupMs = 0;
  private readonly spec: JvmSpec;

  constructor(spec: JvmSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private get stdoutFile(): string {
    return join(this.spec.dir, 'jvm.stdout');
  }

  private get stderrFile(): string {
    return join(this.spec.dir, 'jvm.stderr');
  }

  spawn(): number {
    const { options, dir } = this.spec;
    const props: string[] = [
      '-Djava.net.preferIPv4Stack=true',
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      `-Dzookeeper.log.dir=${dir}`,
      '-Dzookeeper.admin.enableServer=false',
      `-Dzookeeper.4lw.commands.whitelist=${options.fourLetterWhitelist ?? '*'}`,
      '-Dzookeeper.jmx.log4j.disable=true',
    ];
    if (options.extendedTypesEnabled) props.push('-Dzookeeper.extendedTypesEnabled=true');
    if (options.superDigest !== undefined) {
      props.push(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${options.superDigest}`);
    }
    const args = [...(options.jvmArgs ?? []), ...props, '-cp', realZooKeeperClasspath(), this.spec.mainClass, this.spec.configFile];
    writeFileSync(join(dir, 'jvm.command'), `java ${args.join(' ')}\n`);
    const out = openSync(this.stdoutFile, 'a');
    const err = openSync(this.stderrFile, 'a');
    const started = Date.now();
    let child: ChildProcess;
    try {
      child = spawn('java', args, { cwd: dir, stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.child = child;
    this.exitDescription = undefined;
    trackProcess(child);
    this.exited = new Promise<void>((resolve) => {
      const onGone = (description: string): void => {
        this.exitDescription ??= description;
        resolve();
      };
      child.once('exit', (code, signal) => onGone(`exited with code ${code} signal ${signal}`));
      child.once('error', (error) => onGone(`failed to spawn: ${error.message}`));
    });
    return started;
  }

  /** Polls `word` until `accept(reply)` or the deadline; fails with the JVM's stderr and log tail. */
  async waitFor(word: string, accept: (reply: string) => boolean, deadline: number, what: string): Promise<string> {
    let lastReply = '(no reply)';
    for (;;) {
      if (this.exitDescription !== undefined) {
        throw new Error(`real ZooKeeper JVM ${this.exitDescription} before ${what}\n${this.diagnostics()}`);
      }
      try {
        const reply = await sendFourLetterWord(host, this.spec.port, word, { timeoutMs: 2_000 });
        if (accept(reply)) return reply;
        lastReply = reply;
      } catch (error) {
        lastReply = String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `real ZooKeeper on ${host}:${this.spec.port} not ${what} after the deadline; last ${word}: ${lastReply}\n${this.diagnostics()}`,
        );
      }
      await delay(pollIntervalMs);
    }
  }

  diagnostics(): string {
    return [
      `--- stderr (${this.stderrFile}) ---`,
      tail(this.stderrFile, 30),
      `--- log (${this.spec.logFile}) ---`,
      tail(this.spec.logFile, 40),
    ].join('\n');
  }

  get running(): boolean {
    return this.child !== undefined && this.exitDescription === undefined;
  }

  async terminate(): Promise<void> {
    const child = this.child;
    if (!child || this.exitDescription !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exitDescription !== undefined) return;
    child.kill('SIGKILL');
    await this.exited;
  }
}

function baseConfig(dataDir: string, clientPort: number, options: RealZooKeeperOptions): Record<string, string> {
  const config: Record<string, string> = {
    tickTime: String(options.tickTimeMs ?? 2000),
    dataDir,
    clientPort: String(clientPort),
    clientPortAddress: host,
    // Unlimited connections per IP: benchmarks open many clients from 127.0.0.1 (default is 60).
    maxClientCnxns: '0',
    'admin.enableServer': 'false',
    '4lw.commands.whitelist': options.fourLetterWhitelist ?? '*',
  };
  if (options.forceSync !== undefined) config['forceSync'] = options.forceSync ? 'yes' : 'no';
  return config;
}

function prepareDir(dir: string, config: Record<string, string>, options: RealZooKeeperOptions): JvmSpecFiles {
  mkdirSync(config['dataDir'] ?? join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'zoo.cfg');
  const logFile = join(dir, 'zookeeper.log');
  writeFileSync(configFile, renderConfig(config));
  writeFileSync(join(dir, 'log4j.properties'), renderLog4j(logFile, options.logLevel ?? 'INFO'));
  return { configFile, logFile };
}

interface JvmSpecFiles {
  configFile: string;
  logFile: string;
}

function assertAvailable(): void {
  if (!isRealZooKeeperAvailable()) {
    throw new Error(`real ZooKeeper is not installed (${realZooKeeperJar} or java missing); run scripts/install-test-deps.sh`);
  }
}

function isBindFailure(error: unknown, dirs: string[]): boolean {
  const text = `${String(error)}\n${dirs.map((dir) => tail(join(dir, 'zookeeper.log'), 200)).join('\n')}`;
  return /BindException|Address already in use/.test(text);
}

/** Starts one standalone real ZooKeeper (ZooKeeperServerMain) on a free loopback port. */
export async function startRealZooKeeper(options: RealZooKeeperOptions = {}): Promise<RealZooKeeperServer> {
  assertAvailable();
  // A port freed by listen(0) can be taken by someone else before the JVM binds it; retry then.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'vivarium-real-zk-'));
    try {
      return await startStandaloneIn(dir, options);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      if (attempt >= 3 || !isBindFailure(error, [])) throw error;
    }
  }
}

async function startStandaloneIn(dir: string, options: RealZooKeeperOptions): Promise<RealZooKeeperServer> {
  const [port] = await freeLoopbackPorts(1);
  if (port === undefined) throw new Error('no free port');
  const dataDir = join(dir, 'data');
  const config = { ...baseConfig(dataDir, port, options), ...options.extraConfig };
  const files = prepareDir(dir, config, options);
  const jvm = new JvmServer({ dir, mainClass: 'org.apache.zookeeper.server.ZooKeeperServerMain', port, options, ...files });
  const startTimeoutMs = options.startTimeoutMs ?? startTimeoutMsDefault;

  const start = async (): Promise<void> => {
    const started = jvm.spawn();
    try {
      await waitStandaloneServing(jvm, started + startTimeoutMs);
    } catch (error) {
      await jvm.kill();
      throw error;
    }
    jvm.startupMs = Date.now() - started;
  };
  await start();

  let removed = false;
  return {
    host,
    port,
    connectString: `${host}:${port}`,
    dataDir: dir,
    configFile: files.configFile,
    logFile: files.logFile,
    get pid() {
      return jvm.running ? jvm.pid : undefined;
    },
    get startupMs() {
      return jvm.startupMs;
    },
    async stop() {
      await jvm.terminate();
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      }
    },
    kill: () => jvm.kill(),
    async restart() {
      if (removed) throw new Error('restart() after stop(): the temp dir is gone');
      await jvm.terminate();
      await start();
    },
    fourLetterWord: (word) => sendFourLetterWord(host, port, word),
  };
}

/**
 * `ruok` answers `imok` as soon as the client port is bound, which is before the server serves
 * (`srvr` then says "This ZooKeeper instance is not currently serving requests"). So wait for
 * `imok` and then for `srvr` to report a Mode. If `srvr` is not whitelisted, `imok` is all we can check.
 */
async function waitStandaloneServing(jvm: JvmServer, deadline: number): Promise<void> {
  await jvm.waitFor('ruok', (reply) => reply === 'imok' || notWhitelisted(reply), deadline, 'answering ruok with imok');
  await jvm.waitFor('srvr', (reply) => modeOf(reply) !== undefined || notWhitelisted(reply), deadline, 'serving (srvr Mode)');
}

function notWhitelisted(reply: string): boolean {
  return reply.includes('is not executed because it is not in the whitelist');
}

function modeOf(srvr: string): string | undefined {
  return /^Mode: (\w+)/m.exec(srvr)?.[1];
}

const servingModes = new Set(['leader', 'follower', 'observer', 'standalone']);

/**
 * Starts `size` real ZooKeeper JVMs (QuorumPeerMain) forming one quorum on loopback, and waits
 * until every member serves (`srvr` gives Mode leader/follower) and exactly one says leader.
 */
export async function startRealEnsemble(size = 3, options: RealZooKeeperOptions = {}): Promise<RealEnsemble> {
  assertAvailable();
  for (let attempt = 1; ; attempt++) {
    const root = mkdtempSync(join(tmpdir(), 'vivarium-real-zk-ensemble-'));
    try {
      return await startEnsembleIn(root, size, options);
    } catch (error) {
      const memberDirs = Array.from({ length: size }, (_, index) => join(root, `member-${index + 1}`));
      const retry = attempt < 3 && isBindFailure(error, memberDirs);
      rmSync(root, { recursive: true, force: true });
      if (!retry) throw error;
    }
  }
}

async function startEnsembleIn(root: string, size: number, options: RealZooKeeperOptions): Promise<RealEnsemble> {
  if (!Number.isInteger(size) || size < 1 || size > 9) throw new Error(`ensemble size must be 1..9, got ${size}`);
  const ports = await freeLoopbackPorts(size * 3);
  const plan = Array.from({ length: size }, (_, index) => ({
    myid: index + 1,
    clientPort: ports[index * 3]!,
    quorumPort: ports[index * 3 + 1]!,
    electionPort: ports[index * 3 + 2]!,
    dir: join(root, `member-${index + 1}`),
  }));
  const serverLines = Object.fromEntries(
    plan.map((member) => [
      `server.${member.myid}`,
      `${host}:${member.quorumPort}:${member.electionPort}${options.clientAddressInServerLines === true ? `;${host}:${member.clientPort}` : ''}`,
    ]),
  );
  const startTimeoutMs = options.startTimeoutMs ?? startTimeoutMsDefault;

  const jvms = plan.map((member) => {
    const dataDir = join(member.dir, 'data');
    const config = {
      ...baseConfig(dataDir, member.clientPort, options),
      initLimit: '10',
      syncLimit: '5',
      ...serverLines,
      ...options.extraConfig,
    };
    mkdirSync(member.dir, { recursive: true });
    const files = prepareDir(member.dir, config, options);
    writeFileSync(join(dataDir, 'myid'), `${member.myid}\n`);
    return new JvmServer({
      dir: member.dir,
      mainClass: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      port: member.clientPort,
      options,
      ...files,
    });
  });

  const waitServing = (jvm: JvmServer, deadline: number): Promise<string> =>
    jvm.waitFor('srvr', (reply) => servingModes.has(modeOf(reply) ?? ''), deadline, 'serving (Mode leader/follower)');

  const spawnedAt = Date.now();
  let quorumMs: number;
  try {
    for (const jvm of jvms) jvm.spawn();
    const deadline = spawnedAt + startTimeoutMs;
    const replies = await Promise.all(jvms.map((jvm) => waitServing(jvm, deadline)));
    const leaders = replies.filter((reply) => modeOf(reply) === 'leader').length;
    if (leaders !== 1) throw new Error(`expected one leader, srvr modes: ${replies.map(modeOf).join(', ')}`);
    quorumMs = Date.now() - spawnedAt;
  } catch (error) {
    await Promise.all(jvms.map((jvm) => jvm.kill()));
    throw error;
  }

  let removed = false;
  const members: RealEnsembleMember[] = plan.map((member, index) => {
    const jvm = jvms[index]!;
    return {
      myid: member.myid,
      host,
      port: member.clientPort,
      quorumPort: member.quorumPort,
      electionPort: member.electionPort,
      connectString: `${host}:${member.clientPort}`,
      dataDir: member.dir,
      configFile: join(member.dir, 'zoo.cfg'),
      logFile: join(member.dir, 'zookeeper.log'),
      get pid() {
        return jvm.running ? jvm.pid : undefined;
      },
      get startupMs() {
        return jvm.startupMs;
      },
      stop: () => jvm.terminate(),
      kill: () => jvm.kill(),
      async restart() {
        if (removed) throw new Error('restart() after stop(): the temp dir is gone');
        await jvm.terminate();
        const started = jvm.spawn();
        await waitServing(jvm, started + startTimeoutMs);
        jvm.startupMs = Date.now() - started;
      },
      fourLetterWord: (word) => sendFourLetterWord(host, member.clientPort, word),
      async mode() {
        try {
          return modeOf(await sendFourLetterWord(host, member.clientPort, 'srvr', { timeoutMs: 2_000 }));
        } catch {
          return undefined;
        }
      },
    };
  });

  const first = members[0]!;
  return {
    host,
    port: first.port,
    connectString: members.map((member) => member.connectString).join(','),
    dataDir: root,
    members,
    quorumMs,
    async leader() {
      const modes = await Promise.all(members.map((member) => member.mode()));
      const index = modes.indexOf('leader');
      if (index < 0) throw new Error(`no leader; modes: ${modes.join(', ')}`);
      return members[index]!;
    },
    async stop() {
      await Promise.all(jvms.map((jvm) => jvm.terminate()));
      if (!removed) {
        removed = true;
        rmSync(root, { recursive: true, force: true });
      }
    },
    async kill() {
      await Promise.all(jvms.map((jvm) => jvm.kill()));
    },
  };
}
