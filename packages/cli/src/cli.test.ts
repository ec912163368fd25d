import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@vivarium/store';
import { cliVersion, exitBadConfig, exitFailure, exitOk, readTextFileOrUndefined, runCli, type CliIo } from './cli.ts';
import type { RunMemberOptions } from '@vivarium/server';
import type { StartWireServer } from './wire-options.ts';

interface Harness {
  io: CliIo;
  out: string[];
  err: string[];
  /** Resolves with the `serving` line once the server is up. */
  serving: Promise<string>;
  /** What SIGTERM/SIGINT do for the real process. */
  stop(signal?: string): void;
}

function harness(options: { files?: Record<string, string>; startWireServer?: StartWireServer } = {}): Harness {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  let announce: (line: string) => void = () => undefined;
  const serving = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const io: CliIo = {
    stdout: (line) => {
      out.push(line);
      if (line.startsWith('vivarium: serving ')) announce(line);
    },
    stderr: (line) => err.push(line),
    waitForStop: () => stopped,
    readTextFile: (path) => options.files?.[path] ?? readTextFileOrUndefined(path),
    ...(options.startWireServer ? { startWireServer: options.startWireServer } : {}),
  };
  return { io, out, err, serving, stop: (signal = 'SIGTERM') => stop(signal) };
}

/** Send a four-letter word and read the reply to end of stream (bounded). */
function fourLetterWord(host: string, port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host, port }, () => socket.write(word));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no reply to ${word}`)));
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function hostAndPort(servingLine: string): { host: string; port: number } {
  const match = /^vivarium: serving (.+):(\d+) \(standalone\)$/.exec(servingLine);
  if (!match) throw new Error(`unexpected serving line: ${servingLine}`);
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

const tempDir = mkdtempSync(join(tmpdir(), 'vivarium-cli-test-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

describe('vivarium --help / --version', () => {
  it('prints the usage and exits 0', async () => {
    const h = harness();
    expect(await runCli(['--help'], h.io)).toBe(exitOk);
    expect(h.out.join('\n')).toMatch(/vivarium start \[options\]/);
    expect(h.out.join('\n')).toMatch(/--config <zoo\.cfg>/);
  });

  it('prints the package version', async () => {
    const h = harness();
    expect(await runCli(['--version'], h.io)).toBe(exitOk);
    expect(h.out).toEqual([`vivarium ${cliVersion()}`]);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad command line exits 2 with a usage hint', async () => {
    const h = harness();
    expect(await runCli(['start', '--bogus'], h.io)).toBe(exitBadConfig);
    expect(h.err.join('\n')).toMatch(/--bogus/);
    expect(h.err.join('\n')).toMatch(/vivarium --help/);
  });
});

describe('vivarium start, in-process with the real wire server', () => {
  it('serves on the given port, prints the connect string, and stops cleanly on SIGTERM', async () => {
    const h = harness();
    const exit = runCli(['start', '--port', '0', '--host', '127.0.0.1', '--seed', '1'], h.io);
    const { host, port } = hostAndPort(await h.serving);
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    // The embedded default enables every four-letter word.
    expect(await fourLetterWord(host, port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(host, port, 'conf')).toMatch(/clientPort=/);
    h.stop('SIGTERM');
    expect(await exit).toBe(exitOk);
    expect(h.out.slice(1)).toEqual(['vivarium: SIGTERM received, shutting down', 'vivarium: stopped']);
    expect(h.err).toEqual([]);
    expect(await canConnect(host, port)).toBe(false);
  });

  it('without --host listens on loopback (the embedded default) and stops on SIGINT', async () => {
    const h = harness();
    const exit = runCli(['start', '--port', '0'], h.io);
    const { host, port } = hostAndPort(await h.serving);
    expect(['127.0.0.1', '::1']).toContain(host);
    expect(await fourLetterWord('127.0.0.1', port, 'ruok')).toBe('imok');
    h.stop('SIGINT');
    expect(await exit).toBe(exitOk);
  });

  it('runs a zoo.cfg with ZooKeeper whitelist rules, --set overriding the file', async () => {
    const cfg = join(tempDir, 'zoo.cfg');
    writeFileSync(cfg, `tickTime=200\nclientPort=2181\ndataDir=${tempDir}\n4lw.commands.whitelist=stat\nadmin.serverPort=8080\n`);
    const h = harness();
    const exit = runCli(['start', '--config', cfg, '--set', 'clientPort=0', '--host', '127.0.0.1', '--set', '4lw.commands.whitelist=ruok, conf'], h.io);
    const { host, port } = hostAndPort(await h.serving);
    expect(await fourLetterWord(host, port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(host, port, 'srvr')).toMatch(/Zookeeper version/);
    expect(await fourLetterWord(host, port, 'stat')).toMatch(/not in the whitelist/);
    const conf = await fourLetterWord(host, port, 'conf');
    expect(conf).toMatch(/tickTime=200/);
    expect(conf).toContain(`dataDir=${tempDir}`);
    h.stop();
    expect(await exit).toBe(exitOk);
    expect(h.err).toEqual([`vivarium: notice: ${cfg}:5: admin.serverPort=8080 ignored (a ZooKeeper server setting Vivarium does not need)`]);
  });

  it('a port already in use fails start-up with exit 1', async () => {
    const first = harness();
    const running = runCli(['start', '--port', '0', '--host', '127.0.0.1'], first.io);
    const { port } = hostAndPort(await first.serving);
    const second = harness();
    expect(await runCli(['start', '--port', String(port), '--host', '127.0.0.1'], second.io)).toBe(exitFailure);
    expect(second.err.join('\n')).toMatch(/cannot start: .*EADDRINUSE/);
    first.stop();
    expect(await running).toBe(exitOk);
  });
});

describe('vivarium start: refusals', () => {
  it('--config bad.cfg exits 2 naming the key, the value and the line', async () => {
    const cfg = join(tempDir, 'bad.cfg');
    writeFileSync(cfg, '# a bad config\ndataDir=/tmp\ntickTime=abc\n');
    const h = harness();
    expect(await runCli(['start', '--config', cfg], h.io)).toBe(exitBadConfig);
    expect(h.err).toEqual([`vivarium: bad configuration: ${cfg}:3: invalid tickTime: "abc" (expected a positive integer (milliseconds))`]);
    expect(h.out).toEqual([]);
  });

  it('a bad --set value exits 2 naming the key', async () => {
    const h = harness();
    expect(await runCli(['start', '--set', 'clientPort=70000'], h.io)).toBe(exitBadConfig);
    expect(h.err.join('\n')).toMatch(/--set: invalid clientPort: "70000"/);
  });

  it('a bad --port exits 2 naming clientPort', async () => {
    const h = harness();
    expect(await runCli(['start', '--port', 'http'], h.io)).toBe(exitBadConfig);
    expect(h.err.join('\n')).toMatch(/--port: invalid clientPort: "http"/);
  });

  it('an unreadable config file exits 2', async () => {
    const h = harness();
    expect(await runCli(['start', '--config', join(tempDir, 'missing.cfg')], h.io)).toBe(exitBadConfig);
    expect(h.err.join('\n')).toMatch(/cannot read config file .*missing\.cfg/);
  });

  it('--ensemble 3 serves three members, each on its own client port, one leads, and SIGTERM stops it cleanly', async () => {
    const h = harness();
    const running = runCli(['start', '--ensemble', '3', '--port', '0', '--tick-time', '100', '--seed', '7'], h.io);
    const line = await h.serving;
    const match = /^vivarium: serving (\S+) \(ensemble of 3, member (\d) leads, seed 7\)$/.exec(line);
    expect(match).not.toBeNull();
    const endpoints = (match?.[1] ?? '').split(',');
    expect(endpoints).toHaveLength(3);
    const modes = await Promise.all(endpoints.map((endpoint) => {
      const [host, port] = endpoint.split(':');
      return fourLetterWord(host as string, Number(port), 'srvr');
    }));
    const roles = modes.map((text) => /Mode: (\w+)/.exec(text)?.[1]).sort();
    expect(roles).toEqual(['follower', 'follower', 'leader']);
    h.stop();
    expect(await running).toBe(exitOk);
    expect(h.out.at(-1)).toBe('vivarium: stopped');
  });

  it('a zoo.cfg describing an ensemble runs the member named by dataDir/myid, with its peers from the server.N lines', async () => {
    const files = {
      '/zk/zoo.cfg': 'tickTime=200\ndataDir=/zk/data\ninitLimit=5\nsyncLimit=2\nclientPort=2181\nserver.1=a:2888:3888\nserver.2=b:2889:3889\nserver.3=c:2890:3890:observer\nserver.4=d:2891:3891\n',
      '/zk/data/myid': '2\n',
    };
    let received: RunMemberOptions | undefined;
    let closed = false;
    const h = harness({ files, startWireServer: () => Promise.reject(new Error('must not start standalone')) });
    h.io.runMember = async (options) => {
      received = options;
      return { connectString: '0.0.0.0:2181', close: async () => { closed = true; } };
    };
    const running = runCli(['start', '--config', '/zk/zoo.cfg'], h.io);
    expect(await h.serving).toBe('vivarium: serving 0.0.0.0:2181 (member 2 of an ensemble of 3 participants and 1 observers)');
    expect(received).toMatchObject({
      myId: 2,
      initLimitTicks: 5,
      syncLimitTicks: 2,
      tickTimeMs: 200,
      clientPort: 2181,
      dataDir: '/zk/data',
      servers: [
        { id: 1, host: 'a', quorumPort: 2888, electionPort: 3888, role: 'participant' },
        { id: 2, host: 'b', quorumPort: 2889, electionPort: 3889, role: 'participant' },
        { id: 3, host: 'c', quorumPort: 2890, electionPort: 3890, role: 'observer' },
        { id: 4, host: 'd', quorumPort: 2891, electionPort: 3891, role: 'participant' },
      ],
    });
    h.stop();
    expect(await running).toBe(exitOk);
    expect(closed).toBe(true);
  });

  it('an ensemble member whose invariant breaks ends the command with exit 1', async () => {
    const files = {
      '/zk/zoo.cfg': 'dataDir=/zk/data\ninitLimit=5\nsyncLimit=2\nserver.1=a:2888:3888\nserver.2=b:2888:3888\nserver.3=c:2888:3888\n',
      '/zk/data/myid': '1\n',
    };
    const h = harness({ files });
    h.io.runMember = async (options) => {
      setTimeout(() => options.onFatal?.(new Error('commit without a proposal')), 10);
      return { connectString: '0.0.0.0:2181', close: async () => undefined };
    };
    expect(await runCli(['start', '--config', '/zk/zoo.cfg'], h.io)).toBe(exitFailure);
    expect(h.err.join('\n')).toMatch(/broken invariant/);
  });

  it('a myid that names no server.N line exits 2', async () => {
    const files = {
      '/zk/zoo.cfg': 'dataDir=/zk/data\ninitLimit=5\nsyncLimit=2\nserver.1=a:2888:3888\nserver.2=b:2888:3888\n',
      '/zk/data/myid': '7\n',
    };
    const h = harness({ files });
    h.io.runMember = () => Promise.reject(new Error('must not run'));
    expect(await runCli(['start', '--config', '/zk/zoo.cfg'], h.io)).toBe(exitBadConfig);
    expect(h.err.join('\n')).toMatch(/invalid myid: 7/);
  });

  it("a ConfigError from the wire server's own checks exits 2", async () => {
    const h = harness({ startWireServer: () => Promise.reject(new ConfigError('frameBytesMax', 12, 'an integer in 1024..2147483647')) });
    expect(await runCli(['start'], h.io)).toBe(exitBadConfig);
    expect(h.err).toEqual(['vivarium: bad configuration: invalid frameBytesMax: 12 (expected an integer in 1024..2147483647)']);
  });
});

describe('vivarium start with a stand-in server', () => {
  it('hands the mapped options to startWireServer and awaits close() before exiting 0', async () => {
    let closed = false;
    let received: unknown;
    const h = harness({
      startWireServer: async (options) => {
        received = options;
        return {
          host: '127.0.0.1',
          port: 2181,
          connectString: '127.0.0.1:2181',
          close: async () => {
            await new Promise((resolve) => setImmediate(resolve));
            closed = true;
          },
        };
      },
    });
    const exit = runCli(['start', '--seed', '9', '--tick-time', '100'], h.io);
    expect(await h.serving).toBe('vivarium: serving 127.0.0.1:2181 (standalone)');
    expect(received).toMatchObject({ clientPort: 2181, clientPortAddress: undefined, fourLetterWordWhitelist: '*', tickTimeMs: 100, seed: 9 });
    expect(closed).toBe(false);
    h.stop();
    expect(await exit).toBe(exitOk);
    expect(closed).toBe(true);
  });

  it('an error from close() exits 1', async () => {
    const h = harness({
      startWireServer: async () => ({ host: 'h', port: 1, connectString: 'h:1', close: () => Promise.reject(new Error('stuck')) }),
    });
    const exit = runCli(['start'], h.io);
    await h.serving;
    h.stop();
    expect(await exit).toBe(exitFailure);
    expect(h.err.join('\n')).toMatch(/error while shutting down: stuck/);
  });
});
