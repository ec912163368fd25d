/**
 * Read-only mode (readonlymode.enabled): a member cut off from its quorum
 * keeps serving clients that accept a read-only view, refuses writes with
 * NOTREADONLY and other clients altogether, and returns to normal when the
 * quorum is back; the client then moves to a read-write member.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { createEnsemble, type Ensemble } from '@vivarium/server';
import { sendFourLetterWord } from '../support/four-letter-word.ts';

const open: Ensemble[] = [];
afterEach(async () => {
  for (const ensemble of open.splice(0)) {
    ensemble.checkSafety();
    await ensemble.close();
  }
});

describe('read-only mode', () => {
  it('a partitioned member serves reads to read-only clients, refuses writes and other clients, and heals', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 3, tickTimeMs: 1000, syncLimitTicks: 3, readOnlyModeEnabled: true });
    open.push(ensemble);
    const leader = await ensemble.waitForLeader();
    const setup = await ensemble.client({ member: leader.id });
    await setup.create('/config', new TextEncoder().encode('v1'));
    const cutOff = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    ensemble.isolate(cutOff.id);
    await ensemble.run(8000);
    expect(cutOff.isServing).toBe(false);
    expect(cutOff.engine.isReadOnly).toBe(true);
    const { ports } = await ensemble.serveTcp();
    const isro = await sendFourLetterWord('127.0.0.1', ports[cutOff.id - 1] as number, 'isro');
    expect(isro).toBe('ro');
    expect(await sendFourLetterWord('127.0.0.1', ports[leader.id - 1] as number, 'isro')).toBe('rw');

    // A read-only client gets a session and reads; writes fail with NOTREADONLY.
    const reader = await ensemble.client({ member: cutOff.id, canBeReadOnly: true });
    expect(reader.state).toBe('connectedReadOnly');
    expect((await reader.getData('/config')).data).toEqual(new TextEncoder().encode('v1'));
    const refused = await reader.create('/nope', null).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ZooKeeperError);
    expect((refused as ZooKeeperError).code).toBe(ErrorCode.notReadOnly);

    // A client that did not ask for read-only is turned away by that member.
    const outputs: string[] = [];
    const plain = cutOff.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => outputs.push(...out.map((o) => o.kind)) });
    cutOff.engine.connect(plain, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    expect(outputs).toEqual(['close']);

    // The quorum comes back: the member leaves read-only mode and the client moves to a read-write member.
    ensemble.heal();
    await ensemble.run(6000);
    expect(cutOff.engine.isReadOnly).toBe(false);
    expect(cutOff.isServing).toBe(true);
    expect(reader.state).toBe('connected');
    await reader.create('/now-writable', null);
    for (const member of ensemble.members) expect(member.engine.database.tree.has('/now-writable')).toBe(true);
  });

  it('without readonlymode.enabled a cut-off member serves nobody', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 4, tickTimeMs: 1000, syncLimitTicks: 3 });
    open.push(ensemble);
    const leader = await ensemble.waitForLeader();
    const cutOff = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    ensemble.isolate(cutOff.id);
    await ensemble.run(8000);
    expect(cutOff.engine.isReadOnly).toBe(false);
    const outputs: string[] = [];
    const connection = cutOff.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => outputs.push(...out.map((o) => o.kind)) });
    cutOff.engine.connect(connection, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: true });
    expect(outputs).toEqual(['close']);
    ensemble.heal();
  });
});
