/**
 * Any sequence of operations, snapshot points and a crash recovers to the
 * state of the durable prefix: what the engine had made durable by its last
 * flush, which is also everything any client was told about.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '@vivarium/protocol';
import { ManualClock } from './clock.ts';
import { Engine } from './engine.ts';
import { InMemoryStorage } from './in-memory-storage.ts';
import { SeededRandom } from './random.ts';
import type { Snapshot } from './snapshot.ts';
import { propertySeed } from '../../../test/support/property-seed.ts';
import { recoveryStepArb, runRecoverySteps } from '../../../test/support/recovery-steps.ts';

const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** Records the engine's state every time the log becomes durable. */
class WatchedStorage extends InMemoryStorage {
  durableState: Snapshot | undefined;
  capture: (() => Snapshot) | undefined;
  override flush(): void {
    super.flush();
    if (this.capture !== undefined) this.durableState = this.capture();
  }
}

function comparable(snapshot: Snapshot | undefined): unknown {
  return snapshot === undefined ? undefined : { ...snapshot, nodes: [...snapshot.nodes].sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

describe('recovery from storage', () => {
  it('a crash at any point recovers exactly the durable prefix; sessions come back with their passwords', () => {
    const seed = propertySeed(4242, 'engine recovery');
    fc.assert(
      fc.property(fc.array(recoveryStepArb, { maxLength: 40 }), fc.integer({ min: 2, max: 12 }), (steps, snapCount) => {
        const clock = new ManualClock();
        const storage = new WatchedStorage();
        const engine = new Engine({ clock, random: new SeededRandom(5), tickTimeMs: 1000, snapCount, storage });
        clock.subscribe(engine);
        storage.capture = () => engine.database.toSnapshot();
        runRecoverySteps(engine, clock, steps);
        const expected = storage.durableState;
        // The crash: whatever was appended but not flushed is gone.
        storage.crash();
        const restarted = new Engine({ clock, random: new SeededRandom(5), tickTimeMs: 1000, snapCount, storage });
        restarted.checkInvariants();
        if (expected === undefined) expect(restarted.lastProcessedZxid).toBe(0n);
        else expect(comparable(restarted.database.toSnapshot())).toEqual(comparable(expected));
        // Every recovered session is live again with a full timeout and its password.
        for (const session of restarted.database.sessions.values()) {
          const id = restarted.openConnection({ remoteAddress: '127.0.0.1', sink: () => undefined });
          let timeOutMs = -1;
          const probe = restarted.openConnection({ remoteAddress: '127.0.0.1', sink: (outputs) => { for (const o of outputs) if (o.kind === 'connected') timeOutMs = o.response.timeOutMs; } });
          restarted.connect(probe, { protocolVersion: 0, lastZxidSeen: restarted.lastProcessedZxid, timeOutMs: session.timeoutMs, sessionId: session.sessionId, passwd: session.passwd, readOnly: false });
          expect(timeOutMs).toBe(session.timeoutMs);
          restarted.closeConnection(id);
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('group commit', () => {
  it('a batch of writes is flushed once, and no reply leaves before that flush', () => {
    const clock = new ManualClock();
    const storage = new InMemoryStorage();
    const engine = new Engine({ clock, random: new SeededRandom(1), storage });
    const seen: Array<{ kind: string; flushes: number }> = [];
    const id = engine.openConnection({ remoteAddress: '127.0.0.1', sink: (outputs) => { for (const o of outputs) seen.push({ kind: o.kind, flushes: storage.flushCount }); } });
    engine.connect(id, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    const before = storage.flushCount;
    seen.length = 0;
    engine.batch(() => {
      for (let i = 0; i < 50; i++) engine.submit(id, i + 1, { type: OpCode.create, path: `/g${i}`, data: null, acl, flags: 0 });
      expect(seen).toEqual([]);
    });
    expect(storage.flushCount).toBe(before + 1);
    expect(seen).toHaveLength(50);
    expect(seen.every((s) => s.kind === 'reply' && s.flushes === before + 1)).toBe(true);
    expect(storage.durableLog().length).toBe(51);
  });
});
