/**
 * A fault workload for anything that is held (a lock, a lease, leadership):
 * actors on their own fixture clients acquire, hold for a while and release,
 * on the manual clock, while the simulator's seeded fault schedule
 * (runFaultSchedule) partitions and crashes members, drops and delays
 * messages, expires sessions and cuts clients off (the holders first: that is
 * where safety is at stake), then heals for a liveness phase. Each actor's
 * holding intervals are recorded in simulated time; the caller asserts on how
 * many ever overlapped. An actor whose session ends opens a new client: a new
 * session generation, recorded under its own name.
 */
import type { ZooKeeperClient } from '@vivarium/client';
import { runFaultSchedule, type FaultScheduleOptions, type FaultScheduleReport } from '@vivarium/simulation';
import type { VivariumBackend } from './vivarium-backend.ts';
import { IntervalRecorder, SeededChoices } from './intervals.ts';

/** What the workload needs from a recipe. */
export interface Holdable {
  acquire(timeoutMs: number): Promise<boolean>;
  release(): Promise<void>;
  /** True while the recipe says this actor may act as a holder. */
  isHolding(): boolean;
  /** Called on every change of isHolding(). */
  onChange(listener: () => void): void;
}

export interface WorkloadOptions {
  backend: VivariumBackend;
  seed: number;
  actors: number;
  make: (client: ZooKeeperClient, actor: string) => Holdable;
  acquireTimeoutMs?: number;
  /** When given: once every actor has stopped, no participant node may be left under this path. */
  nodesGoneUnder?: string;
  /** Settings for the fault schedule (its seed is the workload's). */
  schedule?: Omit<FaultScheduleOptions, 'seed' | 'clients'>;
}

export interface WorkloadResult {
  recorder: IntervalRecorder;
  acquisitions: number;
  /** Sessions that ended under an actor (it then opened a new client). */
  sessionsLost: number;
  errors: string[];
  report: FaultScheduleReport;
}

/** The schedule the held-recipe tests share: 60 steps of 500 ms with a session expired and a client cut at least once. */
export const holdSchedule: Omit<FaultScheduleOptions, 'seed' | 'clients'> = { steps: 60, stepMs: 500, atLeastOnce: ['expireSession', 'cutClient'], livenessMs: 10_000 };

interface Actor {
  name: string;
  client: ZooKeeperClient;
  generation: number;
  holdable: Holdable | undefined;
}

export async function runHoldWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const { backend } = options;
  const fixture = backend.fixture;
  const choices = new SeededChoices(options.seed);
  const recorder = new IntervalRecorder(() => backend.nowMs());
  const errors: string[] = [];
  let acquisitions = 0;
  let sessionsLost = 0;
  let stopping = false;
  const sleep = (ms: number) => new Promise<void>((resolve) => backend.scheduler.setTimer(ms, resolve));
  const actors: Actor[] = [];

  const connect = (actor: Actor): void => {
    actor.client = backend.openClient({ member: choices.int(1, fixture.members.length) });
    actor.generation++;
    const key = `${actor.name}#${actor.generation}`;
    const holdable = options.make(actor.client, key);
    actor.holdable = holdable;
    holdable.onChange(() => {
      if (holdable.isHolding()) recorder.start(key);
      else recorder.stop(key);
    });
  };

  const loop = async (actor: Actor): Promise<void> => {
    while (!stopping) {
      const client = actor.client;
      if (client.state === 'expired' || client.state === 'closed') {
        if (stopping) return;
        sessionsLost++;
        client.terminate();
        connect(actor);
        continue;
      }
      try {
        await client.waitForConnected();
        const holdable = actor.holdable as Holdable;
        const acquired = await holdable.acquire(options.acquireTimeoutMs ?? 4000);
        if (acquired) {
          acquisitions++;
          await sleep(choices.int(100, 900));
          if (fixture.isClientCut(client) || client.state !== 'connected') {
            // Cut off while holding: keep acting as holder for as long as the recipe lets it (the dangerous case).
            await new Promise<void>((resolve) => {
              if (!holdable.isHolding()) return resolve();
              const cancel = backend.scheduler.setTimer(backend.sessionTimeoutMs * 3, resolve);
              holdable.onChange(() => {
                if (holdable.isHolding()) return;
                cancel();
                resolve();
              });
            });
          }
          await holdable.release();
        }
      } catch (error) {
        const text = String(error);
        // Expected under faults: the session ended, or the lost node was noticed while waiting.
        if (!/SESSIONEXPIRED|CONNECTIONLOSS|disappeared|client is closed|its session ended/.test(text)) errors.push(`${actor.name}: ${text}`);
      }
      await sleep(choices.int(10, 300));
    }
  };

  for (let i = 0; i < options.actors; i++) {
    const actor: Actor = { name: `actor-${i}`, client: undefined as unknown as ZooKeeperClient, generation: 0, holdable: undefined };
    connect(actor);
    actors.push(actor);
  }
  const loops = actors.map((actor) => loop(actor));

  let report: FaultScheduleReport;
  try {
    await backend.run(2000);
    report = await runFaultSchedule(fixture, {
      ...holdSchedule,
      ...options.schedule,
      seed: options.seed,
      // The holders first: a fault on a waiter tests little.
      clients: () => {
        const holders = actors.filter((a) => a.holdable?.isHolding() === true).map((a) => a.client);
        return holders.length > 0 ? holders : actors.map((a) => a.client);
      },
    });
  } finally {
    // Also when the schedule failed: actors left running would act in the next test's time.
    stopping = true;
  }
  await backend.drive(Promise.all(loops), 120_000);
  recorder.closeAll();
  if (options.nodesGoneUnder !== undefined) {
    const under = options.nodesGoneUnder;
    const checker = await backend.client();
    // The nodes of sessions that ended are removed when the servers expire them: within a session timeout or two.
    const left = await backend.eventually(() => checker.getChildren(under).catch(() => [] as string[]), (children) => children.length === 0, 20_000).catch(() => undefined);
    if (left === undefined) errors.push(`nodes left under ${under}: ${(await backend.drive(checker.getChildren(under))).join(', ')}`);
  }
  return { recorder, acquisitions, sessionsLost, errors, report };
}
