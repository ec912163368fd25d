/**
 * The durable-prefix property on FileStorage, in a temp dir: any sequence of
 * writes, snapshot points and expiries, then a crash of one of three kinds,
 * recovers exactly the state of the durable prefix.
 *
 *   drop   appends not yet flushed are lost (the process died before writing them)
 *   torn   the last batch was being written: the last log file is cut at any byte
 *          offset past the last flush point, sometimes followed by garbage
 *   clean  the member closed normally
 *
 * For `torn`, the durable prefix is the last flush before the batch plus every txn
 * of the batch whose record lies wholly before the cut.
 */
import { readFileSync, rmSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '@vivarium/protocol';
import { FileStorage } from '@vivarium/server';
import { Database, Engine, ManualClock, SeededRandom, type Snapshot, type Txn } from '@vivarium/store';
import { propertySeed } from '../support/property-seed.ts';
import { recoveryStepArb, runRecoverySteps } from '../support/recovery-steps.ts';
import { comparable, openAcl, tempDir } from './helpers.ts';

/** Captures the engine's state every time the log becomes durable. */
class WatchedFileStorage extends FileStorage {
  durableState: Snapshot | undefined;
  capture: (() => Snapshot) | undefined;
  override flush(): void {
    super.flush();
    if (this.capture !== undefined) this.durableState = this.capture();
  }
}

type Crash =
  | { kind: 'drop'; unflushed: number }
  | { kind: 'torn'; batch: number; cutPerMille: number; garbage: Uint8Array }
  | { kind: 'clean' };

const crashArb: fc.Arbitrary<Crash> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), unflushed: fc.integer({ min: 0, max: 3 }) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('torn' as const), batch: fc.integer({ min: 1, max: 4 }), cutPerMille: fc.integer({ min: 0, max: 1000 }), garbage: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 40 })) }) },
  fc.record({ kind: fc.constant('clean' as const) }),
);

/** Record end offsets of a log file (after its 20-byte header). */
function recordEnds(path: string): number[] {
  const bytes = readFileSync(path);
  const ends: number[] = [];
  let offset = 20;
  while (offset + 8 <= bytes.length) {
    offset += 8 + bytes.readUInt32BE(offset);
    ends.push(offset);
  }
  return ends;
}

describe('FileStorage recovery property', () => {
  it('any writes, snapshot points and crash recover exactly the durable prefix', () => {
    const seed = propertySeed(0xf11e, 'file storage recovery');
    fc.assert(
      fc.property(fc.array(recoveryStepArb, { maxLength: 30 }), fc.integer({ min: 2, max: 12 }), crashArb, (steps, snapCount, crash) => {
        const dataDir = tempDir('vivarium-prop-');
        try {
          const clock = new ManualClock();
          // forceSync off: this property is about bytes on disk, which fsync does not change (crash.test.ts covers forceSync on).
          const storage = new WatchedFileStorage({ dataDir, forceSync: false });
          const engine = new Engine({ clock, random: new SeededRandom(5), tickTimeMs: 1000, snapCount, storage });
          clock.subscribe(engine);
          storage.capture = () => engine.database.toSnapshot();
          runRecoverySteps(engine, clock, steps);

          // What is durable now, as a database we can extend with the crash batch.
          storage.flush();
          const durable = storage.durableState ?? engine.database.toSnapshot();
          const expected = Database.fromSnapshot(durable);
          // The crash batch: txns straight to storage (sessions, so each one changes the state).
          const batchOf = (count: number): Txn[] =>
            Array.from({ length: count }, (_, i) => {
              const zxid = durable.lastZxid + 1n + BigInt(i);
              return { zxid, timeMs: clock.nowMs(), sessionId: 0x4242n + zxid, body: { type: 'createSession' as const, sessionId: 0x4242n + zxid, timeoutMs: 10_000, passwd: new Uint8Array(16).fill(i) } };
            });
          if (crash.kind === 'drop') {
            for (const txn of batchOf(crash.unflushed)) storage.append(txn);
            storage.crash();
          } else if (crash.kind === 'clean') {
            engine.close();
          } else {
            const before = storage.files().logs.at(-1);
            const sizeBefore = before === undefined ? 0 : statSync(before).size;
            const batch = batchOf(crash.batch);
            for (const txn of batch) storage.append(txn);
            storage.flush();
            storage.crash();
            const last = storage.files().logs.at(-1) as string;
            const from = last === before ? sizeBefore : 0;
            const size = statSync(last).size;
            const cut = from + Math.floor(((size - from) * crash.cutPerMille) / 1000);
            // The batch's records are the file's last ones; each one wholly before the cut survives.
            const ends = recordEnds(last).slice(-batch.length);
            truncateSync(last, cut);
            if (crash.garbage.length > 0) appendFileSync(last, crash.garbage);
            for (const [i, txn] of batch.entries()) if ((ends[i] as number) <= cut && cut >= 20) expected.applyTxn(txn);
          }

          const lines: string[] = [];
          const reopened = new FileStorage({ dataDir, forceSync: false, log: (line) => lines.push(line) });
          const restarted = new Engine({ clock, random: new SeededRandom(5), tickTimeMs: 1000, snapCount, storage: reopened });
          restarted.checkInvariants();
          expect(comparable(restarted.database.toSnapshot())).toEqual(comparable(expected.toSnapshot()));
          // The recovered member keeps going, and a clean restart gives back the same state again.
          const id = restarted.openConnection({ remoteAddress: '127.0.0.1', sink: () => undefined });
          restarted.connect(id, { protocolVersion: 0, lastZxidSeen: restarted.lastProcessedZxid, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
          restarted.submit(id, 1, { type: OpCode.create, path: '/after', data: null, acl: openAcl, flags: 0 });
          const after = comparable(restarted.database.toSnapshot());
          restarted.close();
          const third = new Engine({ clock, random: new SeededRandom(5), tickTimeMs: 1000, snapCount, storage: new FileStorage({ dataDir, forceSync: false }) });
          expect(comparable(third.database.toSnapshot())).toEqual(after);
          third.close();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { seed, numRuns: 150 },
    );
  });
});
