/**
 * The queue under the simulator's seeded fault schedule, on the ensemble
 * fixture and the manual clock: producers put uniquely named items while
 * consumers take them (two in the lock-safe consume() mode, one with take()),
 * and the schedule partitions and crashes members, drops, delays and
 * duplicates messages, expires sessions and cuts clients off (busy consumers
 * first, often mid-handler, until their sessions expire). Afterwards the
 * queue is drained. Seeds: RECIPES_SEEDS; a failure prints its replay line.
 *
 * What must hold: no item is removed twice (a put is never added twice, even
 * when its reply is lost and a consumer takes the item before the producer
 * looks for it: seed 3 found that); every item whose put was
 * acknowledged is removed exactly once (or its removal is reported uncertain
 * to its consumer, with the item in hand); an item is processed twice only if
 * its first consumer was told its claim was lost (or the outcome uncertain).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { describeFaultReport, runFaultSchedule } from '@vivarium/simulation';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { SeededChoices } from '../../test-support/intervals.ts';
import { faultSeeds, withReplay } from '../../test-support/fault-seeds.ts';
import { counterIdSource } from '../support/id-source.ts';
import { DistributedQueue, QueueClaimLostError, QueueItemUncertainError, QueuePutUncertainError } from './distributed-queue.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

// 9, 15 and 34 found engine bugs (a createSession applied twice, an acknowledged write lost at a leader change, a
// member that never rejoined): kept as regressions.
const seeds = faultSeeds([1, 2, 3, 4, 5, 6, 9, 15, 34]);
const sessionsLostBySeed: number[] = [];
const decode = (data: Uint8Array | null) => (data === null ? '' : new TextDecoder().decode(data));

interface Actor {
  name: string;
  client: ZooKeeperClient;
  queue: DistributedQueue;
  generation: number;
  busy: boolean;
}

describe('DistributedQueue under the seeded fault schedule (vivarium fixture, manual clock)', () => {
  for (const seed of seeds) {
    it(`no item removed twice or lost (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const choices = new SeededChoices(seed);
      const sleep = (ms: number) => new Promise<void>((resolve) => backend.scheduler.setTimer(ms, resolve));
      const acknowledged = new Set<string>();
      const putUncertain = new Set<string>();
      const removals = new Map<string, number>();
      const processed = new Map<string, number>();
      const warned = new Set<string>();
      const uncertain = new Set<string>();
      const errors: string[] = [];
      let sessionsLost = 0;
      let stopping = false;
      const removed = (payload: string) => removals.set(payload, (removals.get(payload) ?? 0) + 1);

      const connect = (actor: Actor) => {
        actor.client = backend.openClient({ member: choices.int(1, 3) });
        actor.generation++;
        actor.queue = new DistributedQueue(actor.client, '/faults/queue', { scheduler: backend.scheduler, idSource: counterIdSource(`${actor.name}#${actor.generation}-`) });
      };
      const actorOf = (name: string): Actor => {
        const actor = { name, generation: 0, busy: false } as Actor;
        connect(actor);
        return actor;
      };
      const renewIfLost = (actor: Actor) => {
        if (!stopping && (actor.client.state === 'expired' || actor.client.state === 'closed')) {
          sessionsLost++;
          actor.client.terminate();
          connect(actor);
        }
      };
      const expected = (error: unknown, actor: Actor) => {
        const text = String(error);
        if (error instanceof QueueItemUncertainError || error instanceof QueueClaimLostError) warned.add(decode(error.item.data));
        if (error instanceof QueueItemUncertainError) uncertain.add(decode(error.item.data));
        // The put's reply was lost and the item was already gone: it may or may not have been added (putUncertain).
        else if (error instanceof QueuePutUncertainError) return;
        else if (!/SESSIONEXPIRED|CONNECTIONLOSS|client is closed/.test(text)) errors.push(`${actor.name}: ${text}`);
      };

      const producers = [actorOf('producer-0'), actorOf('producer-1')];
      const consumers = [actorOf('consumer-0'), actorOf('consumer-1'), actorOf('taker-2')];
      let next = 0;
      const produce = async (actor: Actor) => {
        while (!stopping) {
          renewIfLost(actor);
          const payload = `${actor.name}/${next++}`;
          try {
            await actor.client.waitForConnected();
            await actor.queue.put(new TextEncoder().encode(payload));
            acknowledged.add(payload);
          } catch (error) {
            putUncertain.add(payload);
            expected(error, actor);
          }
          await sleep(choices.int(50, 250));
        }
      };
      const consume = async (actor: Actor) => {
        while (!stopping) {
          renewIfLost(actor);
          try {
            await actor.client.waitForConnected();
            if (actor.name.startsWith('taker')) {
              const item = await actor.queue.take({ timeoutMs: 2000 });
              if (item !== undefined) removed(decode(item.data));
            } else {
              let payload = '';
              const done = await actor.queue.consume(async (item) => {
                payload = decode(item.data);
                processed.set(payload, (processed.get(payload) ?? 0) + 1);
                actor.busy = true;
                await sleep(choices.int(50, 600));
                actor.busy = false;
              }, { timeoutMs: 2000 });
              if (done) removed(payload);
            }
          } catch (error) {
            actor.busy = false;
            expected(error, actor);
            // Back off, as a real consumer would: a session the leader is closing answers every call with
            // SESSIONEXPIRED until the close commits, and a loop without a pause would spin at one instant of time.
            await sleep(choices.int(20, 200));
          }
        }
      };
      const loops = [...producers.map(produce), ...consumers.map(consume)];

      let report;
      try {
        await backend.run(3000);
        report = await runFaultSchedule(backend.fixture, {
          seed,
          steps: 60,
          stepMs: 500,
          atLeastOnce: ['expireSession', 'cutClient'],
          // Busy consumers first (a claim in hand is where an item can be lost or taken twice), then anyone.
          clients: () => {
            const busy = consumers.filter((a) => a.busy).map((a) => a.client);
            return busy.length > 0 ? busy : [...producers, ...consumers].map((a) => a.client);
          },
        });
      } finally {
        stopping = true;
      }
      const faults = describeFaultReport(report);
      await backend.drive(Promise.all(loops), 120_000);

      // Drain what is left with a healthy consumer (claims of dead sessions are gone by now).
      await backend.run(backend.sessionTimeoutMs * 2);
      const drainer = new DistributedQueue(await backend.client(), '/faults/queue', { scheduler: backend.scheduler });
      for (;;) {
        const item = await backend.drive(drainer.poll());
        if (item === undefined) break;
        removed(decode(item.data));
      }
      expect(errors, faults).toEqual([]);
      const twice = [...removals].filter(([, n]) => n > 1);
      expect(twice, `removed twice; ${faults}`).toEqual([]);
      // Only an uncertain removal may have gone unrecorded (it was ours, but unconfirmed); a lost claim left the item queued.
      const lost = [...acknowledged].filter((p) => !removals.has(p) && !uncertain.has(p));
      expect(lost, `acknowledged but never removed; ${faults}`).toEqual([]);
      const unknown = [...removals.keys()].filter((p) => !acknowledged.has(p) && !putUncertain.has(p));
      expect(unknown, `removed but never put; ${faults}`).toEqual([]);
      const reprocessed = [...processed].filter(([p, n]) => n > 1 && !warned.has(p));
      expect(reprocessed, `processed twice without a warning; ${faults}`).toEqual([]);
      expect(acknowledged.size, faults).toBeGreaterThan(50);
      sessionsLostBySeed.push(sessionsLost);
    }), 60_000);
  }

  // Not per seed: an expiry can be undone when the leader loses its quorum before the close commits.
  it.skipIf(seeds.length < 3)('across the seeds, producers and consumers lost sessions and came back with new ones', () => {
    expect(sessionsLostBySeed.some((n) => n > 0)).toBe(true);
  });
});
