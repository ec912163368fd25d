import { ZooKeeperError } from '@vivarium/protocol';
/**
 * reconfig on a multi-process ensemble: three `vivarium start --config zooN.cfg` processes with
 * reconfigEnabled=true and a super digest. Removing a member commits on the others and each writes
 * its dynamic config file as ZooKeeper 3.8 does: `zooN.cfg.dynamic.<version hex>` beside zooN.cfg
 * with the server lines of the new configuration, and zooN.cfg rewritten (no server lines) to point
 * at it with dynamicConfigFile=. A member restarted from the rewritten zoo.cfg serves the new
 * configuration. Real processes: every child is SIGKILLed in afterEach; every wait has a deadline.
 * Runs the built CLI (npm run build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectZooKeeper, type ZooKeeperClient } from '@vivarium/client';
import { freePorts } from '@vivarium/server';
import { sendFourLetterWord } from '../support/four-letter-word.ts';

const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const decoder = new TextDecoder();

interface MemberProcess {
  id: number;
  clientPort: number;
  config: string;
  child: ChildProcess | undefined;
  output: string[];
}

const children: ChildProcess[] = [];
const clients: ZooKeeperClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function writeConfigs(dir: string): Promise<MemberProcess[]> {
  const ports = await freePorts(9);
  const members = [1, 2, 3].map((id) => ({ id, clientPort: ports[id - 1]!, quorumPort: ports[2 + id]!, electionPort: ports[5 + id]!, config: join(dir, `zoo${id}.cfg`), child: undefined, output: [] }));
  const serverLines = members.map((m) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort};127.0.0.1:${m.clientPort}`).join('\n');
  for (const m of members) {
    const dataDir = join(dir, `data${m.id}`);
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
    writeFileSync(m.config, [
      'tickTime=100', 'initLimit=20', 'syncLimit=10', `dataDir=${dataDir}`, `clientPort=${m.clientPort}`, 'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*', 'reconfigEnabled=true', 'DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=', serverLines, '',
    ].join('\n'));
  }
  return members;
}

async function launch(member: MemberProcess): Promise<void> {
  const child = spawn(process.execPath, [cli, 'start', '--config', member.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  member.child = child;
  member.output = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') member.output.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await until(() => member.output.some((line) => line.startsWith('vivarium: serving ')) || child.exitCode !== null, `member ${member.id} to start`, 15_000);
  if (child.exitCode !== null) throw new Error(`member ${member.id} exited with ${child.exitCode}:\n${member.output.join('\n')}`);
}

async function stop(member: MemberProcess): Promise<void> {
  const child = member.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function mode(member: MemberProcess): Promise<string | undefined> {
  try {
    return /Mode: (\w+)/.exec(await sendFourLetterWord('127.0.0.1', member.clientPort, 'srvr', { timeoutMs: 2000 }))?.[1];
  } catch {
    return undefined;
  }
}

async function connect(member: MemberProcess): Promise<ZooKeeperClient> {
  const client = await connectZooKeeper(`127.0.0.1:${member.clientPort}`, { sessionTimeoutMs: 10_000, reconnectDelayMs: 50 });
  clients.push(client);
  return client;
}

describe('reconfig on a multi-process ensemble started from zoo.cfg', () => {
  it('writes zoo.cfg.dynamic.<version> and points zoo.cfg at it; a restarted member serves the new configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vivarium-reconfig-'));
    dirs.push(dir);
    const members = await writeConfigs(dir);
    await Promise.all(members.map((m) => launch(m)));
    // Every member synced, not just a leader elected: a reconfig needs a synced quorum of the new configuration
    // (the kept member may still be syncing right after the election, and ZooKeeper would answer -13 too).
    await until(async () => {
      const roles = await Promise.all(members.map((m) => mode(m)));
      return roles.filter((m) => m === 'leader').length === 1 && roles.every((m) => m === 'leader' || m === 'follower');
    }, 'one leader and every member synced');
    const modes = await Promise.all(members.map((m) => mode(m)));
    const leader = members[modes.indexOf('leader')]!;
    const removed = members.find((m) => m !== leader)!;
    const kept = members.filter((m) => m !== removed);

    const admin = await connect(leader);
    await admin.addAuthInfo('digest', 'super:test');
    const before = decoder.decode((await admin.getData('/zookeeper/config')).data ?? new Uint8Array(0));
    expect(before.split('\n')).toHaveLength(4);
    // At startup, as ZooKeeper: the server lines moved to zooN.cfg.dynamic.100000000, zooN.cfg pointing to it.
    for (const member of members) {
      expect(readFileSync(`${member.config}.dynamic.100000000`, 'utf8')).toBe(before.split('\n').slice(0, -1).join('\n'));
      expect(readFileSync(member.config, 'utf8')).toContain(`\ndynamicConfigFile=${member.config}.dynamic.100000000\n`);
    }
    // A member can say "follower" just before it finishes syncing; like an operator, retry while the new
    // configuration has no synced quorum yet (NEWCONFIGNOQUORUM, -13), within a deadline.
    const deadline = Date.now() + 15_000;
    let answer: Awaited<ReturnType<ZooKeeperClient['reconfig']>> | undefined;
    while (answer === undefined) {
      try {
        answer = await admin.reconfig({ leaving: [removed.id] });
      } catch (error) {
        if (!(error instanceof ZooKeeperError && error.code === -13) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const { data, stat } = answer;
    const after = decoder.decode(data ?? new Uint8Array(0));
    const version = stat.mzxid.toString(16);
    expect(after.split('\n').at(-1)).toBe(`version=${version}`);
    expect(after).not.toContain(`server.${removed.id}=`);
    const serverLines = after.split('\n').slice(0, -1).join('\n');

    for (const member of kept) {
      const dynamicFile = `${member.config}.dynamic.${version}`;
      await until(() => existsSync(dynamicFile) && readFileSync(member.config, 'utf8').includes(`dynamicConfigFile=${dynamicFile}\n`), `member ${member.id}'s dynamic config file`);
      expect(readFileSync(dynamicFile, 'utf8')).toBe(serverLines);
      const zooCfg = readFileSync(member.config, 'utf8');
      expect(zooCfg).toContain(`\ndynamicConfigFile=${dynamicFile}\n`);
      expect(zooCfg).not.toMatch(/^server\./m);
      expect(zooCfg).toContain('reconfigEnabled=true');
      expect(existsSync(`${member.config}.bak`)).toBe(true);
    }
    // As on ZooKeeper 3.8, the removed member writes it too (it committed the configuration that left it out).
    await until(() => existsSync(`${removed.config}.dynamic.${version}`), `member ${removed.id}'s dynamic config file`);
    expect(readFileSync(`${removed.config}.dynamic.${version}`, 'utf8')).toBe(serverLines);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);

    // A kept follower restarts from its rewritten zoo.cfg (and the dynamic file) and serves the new configuration.
    const follower = kept.find((m) => m !== leader)!;
    await stop(follower);
    await launch(follower);
    await until(async () => {
      const probe = await connect(follower).catch(() => undefined);
      if (probe === undefined) return false;
      await probe.sync('/');
      return decoder.decode((await probe.getData('/zookeeper/config')).data ?? new Uint8Array(0)) === after;
    }, `member ${follower.id} to serve the new configuration after a restart`);
    await admin.create('/after-restart', null);
    // Started again from the rewritten zoo.cfg with an empty dataDir (its configuration, version from the file's name, then synced).
    const fresh = { ...follower, child: undefined, output: [] };
    await stop(follower);
    rmSync(join(dir, `data${follower.id}`, 'version-2'), { recursive: true, force: true });
    await launch(fresh);
    await until(async () => {
      const probe = await connect(fresh).catch(() => undefined);
      if (probe === undefined) return false;
      await probe.sync('/');
      return decoder.decode((await probe.getData('/zookeeper/config')).data ?? new Uint8Array(0)) === after && (await probe.exists('/after-restart')) !== null;
    }, `member ${fresh.id} to serve the new configuration from an empty dataDir`);
  }, 90_000);

  it('a removed member keeps running; re-added, it rejoins and serves the new configuration and later writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vivarium-reconfig-readd-'));
    dirs.push(dir);
    const members = await writeConfigs(dir);
    await Promise.all(members.map((m) => launch(m)));
    await until(async () => {
      const roles = await Promise.all(members.map((m) => mode(m)));
      return roles.filter((m) => m === 'leader').length === 1 && roles.every((m) => m === 'leader' || m === 'follower');
    }, 'one leader and every member synced');
    const modes = await Promise.all(members.map((m) => mode(m)));
    const leader = members[modes.indexOf('leader')]!;
    const removed = members.find((m) => m !== leader)!;
    const admin = await connect(leader);
    await admin.addAuthInfo('digest', 'super:test');
    const before = decoder.decode((await admin.getData('/zookeeper/config')).data ?? new Uint8Array(0));
    const removedLine = before.split('\n').find((line) => line.startsWith(`server.${removed.id}=`))!;
    /** reconfig, retried while the new configuration has no synced quorum yet (-13), as an operator would. */
    const reconfig = async (request: Parameters<ZooKeeperClient['reconfig']>[0]) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          return await admin.reconfig(request);
        } catch (error) {
          if (!(error instanceof ZooKeeperError && error.code === -13) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await reconfig({ leaving: [removed.id] });
    // Out of the configuration, the process runs on (as ZooKeeper 3.8's does) and serves no one.
    await until(async () => (await mode(removed)) === undefined, `member ${removed.id} to stop serving`);
    expect(removed.child?.exitCode ?? null).toBeNull();
    await admin.create('/while-removed', null);

    const readded = await reconfig({ joining: [removedLine] });
    const after = decoder.decode(readded.data ?? new Uint8Array(0));
    expect(after).toContain(`${removedLine}\n`);
    await until(async () => {
      const probe = await connectZooKeeper(`127.0.0.1:${removed.clientPort}`, { sessionTimeoutMs: 10_000, initialConnectTimeoutMs: 2000 }).catch(() => undefined);
      if (probe === undefined) return false;
      try {
        await probe.sync('/');
        return decoder.decode((await probe.getData('/zookeeper/config')).data ?? new Uint8Array(0)) === after && (await probe.exists('/while-removed')) !== null;
      } catch {
        return false;
      } finally {
        await probe.close().catch(() => undefined);
      }
    }, `member ${removed.id} to serve again with the configuration that re-added it`);
    await admin.create('/after-readd', null);
    const probe = await connect(removed);
    await probe.sync('/');
    expect(await probe.exists('/after-readd')).not.toBeNull();
    expect(await mode(removed)).toBe('follower');
  }, 90_000);
});
