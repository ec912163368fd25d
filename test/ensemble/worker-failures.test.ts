/**
 * Members in worker threads that die on their own: a worker that exits is a
 * crashed member (state 'down', listed in failures, checkSafety names it),
 * never a hung test; the rest of the ensemble carries on and the member comes
 * back with its files. A worker that cannot start fails waitForLeader with
 * the reason. Real threads and time: every wait has a deadline.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { createEnsemble, type RealtimeEnsemble } from '@vivarium/server';

const open: RealtimeEnsemble[] = [];
const clients: ZooKeeperClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const ensemble of open.splice(0)) await ensemble.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const timing = { tickTimeMs: 100, initLimitTicks: 20, syncLimitTicks: 10, maxSessionTimeoutMs: 30_000 };

describe('worker members that die on their own', () => {
  it('a worker that exits is reported as a crashed member; the others carry on; it restarts from its files', async () => {
    const ensemble = createEnsemble({ ...timing, transport: 'worker', seed: 21 });
    open.push(ensemble);
    const leader = await ensemble.waitForLeader(20_000);
    const victim = ensemble.members.find((m) => m.id !== leader.id);
    if (victim === undefined) throw new Error('no follower');
    const survivor = ensemble.members.find((m) => m.id !== leader.id && m.id !== victim.id) as typeof victim;
    const client = await ensemble.client({ member: survivor.id });
    clients.push(client);
    await client.create('/before', new Uint8Array([1]));

    victim.exitUnexpectedly(7);
    await until(() => victim.state === 'down', 'the member to read as down');
    expect(ensemble.failures.map((f) => f.member)).toEqual([victim.id]);
    expect(String(ensemble.failures[0]?.error)).toMatch(/exited \(code 7\)/);
    await expect(ensemble.checkSafety()).rejects.toThrow(new RegExp(`member ${victim.id} failed`));
    // Questions to a dead member are answered at once, not left to hang.
    expect((await victim.inspect()).state).toBe('down');
    expect(await victim.readNode('/before')).toBeUndefined();

    await client.create('/while-down', new Uint8Array([2]));
    await victim.restart();
    await until(async () => (await victim.inspect()).isServing, 'the member to come back');
    await until(async () => (await victim.readNode('/while-down')) !== undefined, 'the member to catch up');
    expect((await victim.readNode('/before'))?.data).toEqual(new Uint8Array([1]));
  }, 60_000);

  it('a worker that cannot start fails waitForLeader with its reason, within the deadline', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vivarium-worker-fail-'));
    dirs.push(dataDir);
    // Member 2's dataDir is a file: its FileStorage cannot open it.
    writeFileSync(join(dataDir, 'member-2'), 'not a directory');
    mkdirSync(join(dataDir, 'member-1'));
    const ensemble = createEnsemble({ ...timing, transport: 'worker', seed: 22, dataDir });
    open.push(ensemble);
    const started = Date.now();
    await expect(ensemble.waitForLeader(20_000)).rejects.toThrow(/member 2's worker exited/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ensemble.failures.map((f) => f.member)).toContain(2);
  }, 60_000);
});
