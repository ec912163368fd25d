// Compat: ZooKeeper's own Java CLI, zkCli.sh from the Debian package (the Java client: 45-byte
// ConnectRequest with the readOnly byte, xids renumbered, SetWatches2 for persistent watches),
// against Vivarium. Each JVM start costs about a second, so commands are batched: one zkCli process
// reads many commands on stdin (one session). After every command the batch runs `ls /zkcli-mark-N`,
// whose "Node does not exist" line splits the output into one segment per command.
//
// The expected outputs were taken from the real ZooKeeper 3.8.0 running the same batches (they match
// line for line apart from zxids, times and session ids), except where noted: `whoami` lists a
// connection's auth ids in hash-set order on ZooKeeper and in insertion order on Vivarium, so its
// lines are compared as a set; children lists are compared as sets as well (differential.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startWireServer, type RunningWireServer, type WireServerOptions } from '@vivarium/server';
import { afterEach, describe, expect, it } from 'vitest';
import { zkCliPath } from '../support/real-zookeeper.ts';
import { call, CreateMode, nzc, OPEN, type NzcClient } from './nzc.ts';

const available = existsSync(zkCliPath) && existsSync('/usr/share/java/zookeeper.jar');
const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU='; // password 'test'
const digestUP = 'u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ='; // digest of u:p
const zkCliDeadlineMs = 40_000;

let server: RunningWireServer | undefined;
const jvms = new Set<ChildProcess>();
const clients: NzcClient[] = [];

afterEach(async () => {
  for (const jvm of jvms) jvm.kill('SIGKILL');
  await Promise.all([...jvms].map((jvm) => new Promise((resolve) => (jvm.exitCode !== null || jvm.signalCode !== null ? resolve(undefined) : jvm.once('exit', resolve)))));
  jvms.clear();
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

async function startServer(options: WireServerOptions = {}): Promise<RunningWireServer> {
  server = await startWireServer({ clientPortAddress: '127.0.0.1', superDigest, extendedTypesEnabled: true, maxClientCnxns: 0, ...options });
  return server;
}

interface ZkCliRun {
  /** Output of command i (0-based), async WATCHER blocks removed and trimmed. */
  segments: string[];
  /** Watch events the CLI printed, in order: 'NodeDataChanged /a'. */
  events: string[];
  output: string;
}

// The CLI's event thread prints `\nWATCHER::` and `\nWatchedEvent ...` as two lines, which the main
// thread's output may interleave with; so events are taken out line by line, and blank lines dropped.
const watchedEventLine = /^WatchedEvent state:(\w+) type:(\w+) path:(\S+)$/;

/** Runs one zkCli.sh process (one session) over `commands`, fed on stdin, and splits its output per command. */
function runZkCli(connectString: string, commands: readonly string[]): Promise<ZkCliRun> {
  // A marker before the first command too: the banner and the first command's output stay apart.
  const script = `ls /zkcli-mark-0\n${commands.map((command, index) => `${command}\nls /zkcli-mark-${index + 1}\n`).join('')}quit\n`;
  return new Promise((resolve, reject) => {
    // One pipe for stdout and stderr keeps the CLI's error lines in order with its output.
    const jvm = spawn('sh', ['-c', 'exec "$0" -server "$1" 2>&1', zkCliPath, connectString], { stdio: ['pipe', 'pipe', 'ignore'] });
    jvms.add(jvm);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      jvm.kill('SIGKILL');
      reject(new Error(`zkCli.sh did not finish within ${zkCliDeadlineMs} ms; output so far:\n${Buffer.concat(chunks).toString()}`));
    }, zkCliDeadlineMs);
    jvm.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    jvm.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    jvm.once('exit', () => {
      clearTimeout(timer);
      jvms.delete(jvm);
      const output = Buffer.concat(chunks).toString().split('\n').filter((line) => !line.startsWith('SLF4J:')).join('\n');
      const events: string[] = [];
      const kept: string[] = [];
      for (const line of output.split('\n')) {
        const event = watchedEventLine.exec(line);
        if (event) events.push(`${event[2]} ${event[3]}`);
        else if (line !== 'WATCHER::' && line !== '') kept.push(line);
      }
      const parts = kept.join('\n').split(/^Node does not exist: \/zkcli-mark-\d+$/m);
      if (parts.length !== commands.length + 2) {
        reject(new Error(`zkCli output has ${parts.length - 1} markers for ${commands.length} commands:\n${output}`));
        return;
      }
      // parts[0] is the banner, parts[i + 1] command i's output, the last part what quit printed.
      resolve({ segments: parts.slice(1, 1 + commands.length).map((part) => part.trim()), events, output });
    });
    jvm.stdin?.end(script);
  });
}

/** `cZxid = 0x2` ... lines of a stat printout, as a map. */
function statOf(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^(\w+) = (.*)$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** `[a, b]` as a sorted list (children and ephemerals are sets). */
function listOf(text: string): string[] {
  const match = /^\[(.*)\]$/m.exec(text);
  if (!match) throw new Error(`no [list] in ${JSON.stringify(text)}`);
  return match[1] === '' ? [] : match[1]!.split(', ').sort();
}

const lineSet = (text: string): string[] => text.split('\n').sort();

async function connectNzc(connectString: string): Promise<NzcClient> {
  const client = nzc.createClient(connectString, { sessionTimeout: 30_000, spinDelay: 100, retries: 0 });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node-zookeeper-client did not connect')), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

describe.skipIf(!available)('zkCli.sh (ZooKeeper 3.8 Java CLI) against Vivarium', () => {
  it('one session: create of every kind, get/set/stat with versions, ls -s/-R, ACLs, addauth, watches, whoami, sync, ephemerals, delete/deleteall', { timeout: 60_000 }, async () => {
    const running = await startServer();
    const commands = [
      'create /zc data1',
      'create /zc data1',
      'create -e /zc/eph e',
      'create -s /zc/seq- s',
      'create -e -s /zc/eseq- s',
      'create -c /zc/cont',
      'create -t 60000 /zc/ttl t',
      'create /zc/eph/child',
      'create /nope/x',
      'get -s /zc',
      'set /zc data2',
      'set -v 0 /zc data3',
      'set -s -v 1 /zc data3',
      'get /zc',
      'stat /zc/eph',
      'stat /zc/ttl',
      'ls /zc',
      'ls -s /zc',
      'ls -R /zc',
      'getAcl /zc',
      'addauth digest u:p',
      'create /zc/secret s auth:u:p:cdrwa',
      'getAcl /zc/secret',
      `setAcl /zc/cont digest:${digestUP}:cdrwa,world:anyone:r`,
      'getAcl /zc/cont',
      'setAcl -v 5 /zc/cont world:anyone:cdrwa',
      'addWatch /zc/seq-0000000001',
      'addWatch -m PERSISTENT_RECURSIVE /zc',
      'set /zc/seq-0000000001 x',
      'create /zc/cont/a',
      'whoami',
      'sync /zc',
      'getEphemerals',
      'getEphemerals /zc/eseq',
      'getAllChildrenNumber /zc',
      'delete /zc/seq-0000000001',
      'delete /zc',
      'delete -v 9 /zc/ttl',
      'stat /nope',
      'removewatches /zc -a',
      'set /zc x',
      'create /keep k',
      'create /keep/secret s auth:u:p:cdrwa',
      'deleteall /zc',
      'ls /',
    ];
    const run = await runZkCli(running.connectString, commands);
    const out = (command: string): string => {
      const index = commands.indexOf(command);
      if (index < 0) throw new Error(`no command ${command}`);
      return run.segments[index]!;
    };
    expect(run.output).toContain('Welcome to ZooKeeper!');

    // create, every kind, and its errors
    expect(run.segments.slice(0, 9)).toEqual([
      'Created /zc',
      'Node already exists: /zc',
      'Created /zc/eph',
      'Created /zc/seq-0000000001',
      'Created /zc/eseq-0000000002',
      'Created /zc/cont',
      'Created /zc/ttl',
      'Ephemerals cannot have children: /zc/eph/child',
      'Node does not exist: /nope/x',
    ]);

    // get -s: data, then the stat
    const getS = out('get -s /zc');
    expect(getS.split('\n')[0]).toBe('data1');
    const created = statOf(getS);
    expect(Object.fromEntries([...created].filter(([key]) => !/Zxid|time/.test(key)))).toEqual({
      cversion: '5',
      dataVersion: '0',
      aclVersion: '0',
      ephemeralOwner: '0x0',
      dataLength: '5',
      numChildren: '5',
    });
    expect(created.get('cZxid')).toBe(created.get('mZxid'));
    expect(created.get('ctime')).toMatch(/^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \w+ \d{4}$/);
    expect(BigInt(created.get('pZxid')!)).toBeGreaterThan(BigInt(created.get('cZxid')!));

    // set with versions
    expect(out('set /zc data2')).toBe('');
    expect(out('set -v 0 /zc data3')).toBe('version No is not valid : /zc');
    const setS = statOf(out('set -s -v 1 /zc data3'));
    expect(setS.get('dataVersion')).toBe('2');
    expect(setS.get('cZxid')).toBe(created.get('cZxid'));
    expect(BigInt(setS.get('mZxid')!)).toBeGreaterThan(BigInt(created.get('mZxid')!));
    expect(out('get /zc')).toBe('data3');

    // stat: the ephemeral carries its session, the TTL node 0
    expect(statOf(out('stat /zc/eph')).get('ephemeralOwner')).toMatch(/^0x[0-9a-f]{2,}$/);
    expect(statOf(out('stat /zc/eph')).get('ephemeralOwner')).not.toBe('0x0');
    expect(statOf(out('stat /zc/ttl')).get('ephemeralOwner')).toBe('0x0');

    // ls, ls -s, ls -R
    const children = ['cont', 'eph', 'eseq-0000000002', 'seq-0000000001', 'ttl'];
    expect(listOf(out('ls /zc'))).toEqual(children);
    expect(listOf(out('ls -s /zc'))).toEqual(children);
    expect(statOf(out('ls -s /zc')).get('numChildren')).toBe('5');
    expect(lineSet(out('ls -R /zc'))).toEqual(['/zc', ...children.map((child) => `/zc/${child}`)].sort());

    // ACLs and addauth
    expect(out('getAcl /zc')).toBe("'world,'anyone\n: cdrwa");
    expect(out('addauth digest u:p')).toBe('');
    expect(out('create /zc/secret s auth:u:p:cdrwa')).toBe('Created /zc/secret');
    expect(out('getAcl /zc/secret')).toBe(`'digest,'${digestUP}\n: cdrwa`);
    expect(out(`setAcl /zc/cont digest:${digestUP}:cdrwa,world:anyone:r`)).toBe('');
    expect(out('getAcl /zc/cont')).toBe(`'digest,'${digestUP}\n: cdrwa\n'world,'anyone\n: r`);
    expect(out('setAcl -v 5 /zc/cont world:anyone:cdrwa')).toBe('version No is not valid : /zc/cont');

    // persistent and recursive watches (addWatch), and their events
    expect(out('addWatch /zc/seq-0000000001')).toBe('');
    expect(out('addWatch -m PERSISTENT_RECURSIVE /zc')).toBe('');
    expect(out('create /zc/cont/a')).toBe('Created /zc/cont/a');

    expect(lineSet(out('whoami'))).toEqual(['Auth scheme: User', 'digest: u', 'ip: 127.0.0.1']);
    expect(out('sync /zc')).toBe('Sync is OK');
    expect(listOf(out('getEphemerals'))).toEqual(['/zc/eph', '/zc/eseq-0000000002']);
    expect(listOf(out('getEphemerals /zc/eseq'))).toEqual(['/zc/eseq-0000000002']);
    expect(out('getAllChildrenNumber /zc')).toBe('7');

    // delete and its errors
    expect(out('delete /zc/seq-0000000001')).toBe('');
    expect(out('delete /zc')).toBe('Node not empty: /zc');
    expect(out('delete -v 9 /zc/ttl')).toBe('version No is not valid : /zc/ttl');
    expect(out('stat /nope')).toBe('Node does not exist: /nope');

    // removewatches: after it, a change to /zc fires nothing.
    expect(out('removewatches /zc -a')).toBe('');
    expect(out('set /zc x')).toBe('');
    // (Connection-state events, type None, are left out: the Closed one may not be printed before the JVM exits.)
    expect(run.events.filter((event) => !event.startsWith('None '))).toEqual([
      'NodeDataChanged /zc/seq-0000000001', // one frame for the persistent and the recursive watch
      'NodeCreated /zc/cont/a', // recursive
      'NodeDeleted /zc/seq-0000000001',
      'PersistentWatchRemoved /zc', // made by the client on removewatches
    ]);

    expect(out('deleteall /zc')).toBe('');
    expect(listOf(out('ls /'))).toEqual(['keep', 'zookeeper']);
    // quit closed the session: its ephemerals went with /zc; the server saw a clean close.
    expect(running.engine.database.tree.get('/zc')).toBeUndefined();
    expect(running.engine.database.tree.get('/keep/secret')).toBeDefined();
  });

  it('a second session: no auth, then super; TTL bounds checked by the CLI', { timeout: 60_000 }, async () => {
    const running = await startServer();
    const owner = await connectNzc(running.connectString);
    owner.addAuthInfo('digest', Buffer.from('u:p'));
    await call<string>((cb) => owner.create('/keep', Buffer.from('k'), OPEN, CreateMode.PERSISTENT, cb));
    await call<string>((cb) => owner.create('/keep/secret', Buffer.from('s'), nzc.ACL.CREATOR_ALL_ACL, CreateMode.PERSISTENT, cb));
    const commands = [
      'get /keep/secret',
      'getAcl /keep/secret',
      'setAcl /keep/secret world:anyone:cdrwa',
      'whoami',
      'addauth digest super:test',
      'get /keep/secret',
      'getAcl /keep/secret',
      'whoami',
      'create -t 100 /t x',
      'create -t 0 /t0 x',
      'deleteall /keep',
      'ls /keep',
    ];
    const run = await runZkCli(running.connectString, commands);
    expect(run.segments.slice(0, 3)).toEqual(['Insufficient permission : /keep/secret', 'Insufficient permission : /keep/secret', 'Insufficient permission : /keep/secret']);
    expect(run.segments[3]).toBe('Auth scheme: User\nip: 127.0.0.1');
    expect(run.segments[4]).toBe('');
    expect(run.segments[5]).toBe('s');
    expect(run.segments[6]).toBe(`'digest,'${digestUP}\n: cdrwa`);
    // Intended difference (hash-set order on ZooKeeper): compared as a set.
    expect(lineSet(run.segments[7]!)).toEqual(['Auth scheme: User', 'digest: super', 'ip: 127.0.0.1', 'super: ']);
    expect(run.segments[8]).toBe('Created /t');
    expect(run.segments[9]).toBe('ttl must be positive and cannot be larger than: 1099511627775');
    expect(run.segments[10]).toBe('');
    expect(run.segments[11]).toBe('Node does not exist: /keep');
    expect(running.engine.database.tree.get('/t')).toBeDefined();
  });

  it('a chroot connect string, and TTL nodes refused without extendedTypesEnabled', { timeout: 60_000 }, async () => {
    const running = await startServer({ extendedTypesEnabled: false });
    const helper = await connectNzc(running.connectString);
    await call<string>((cb) => helper.create('/app', undefined, OPEN, CreateMode.PERSISTENT, cb));
    const commands = ['create /x 1', 'create -s /s- 2', 'create -t 1000 /t x', 'create -c /c', 'ls /', 'get /x', 'ls -R /'];
    const run = await runZkCli(`${running.connectString}/app`, commands);
    expect(run.segments[0]).toBe('Created /x');
    expect(run.segments[1]).toBe('Created /s-0000000001');
    expect(run.segments[2]).toBe('KeeperErrorCode = Unimplemented for /t');
    expect(run.segments[3]).toBe('Created /c');
    expect(listOf(run.segments[4]!)).toEqual(['c', 's-0000000001', 'x']);
    expect(run.segments[5]).toBe('1');
    expect(lineSet(run.segments[6]!)).toEqual(['/', '/c', '/s-0000000001', '/x']);
    // The server never saw the chroot: the nodes live under /app.
    const tree = running.engine.database.tree;
    expect(['/app/x', '/app/s-0000000001', '/app/c'].map((path) => tree.get(path) !== undefined)).toEqual([true, true, true]);
    expect(tree.get('/x')).toBeUndefined();
  });
});
