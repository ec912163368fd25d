/**
 * A fault workload for anything that is held (a lock, a lease, leadership):
 * actors on their own cuttable clients acquire, hold for a while and release,
 * on the manual clock, while the test cuts holders off until their sessions
 * expire, briefly cuts links, crashes the leader and isolates members. Each
 * actor's holding intervals are recorded in simulated time; the caller asserts
 * on how many ever overlapped.
 */
import type { ZooKeeperClient } from '@vivarium/client';
import type { CuttableLink, VivariumBackend } from './vivarium-backend.ts';
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

export type Fault = 'expireHolder' | 'cutBriefly' | 'crashLeader' | 'isolateMember' | 'calm';

export interface WorkloadOptions {
  backend: VivariumBackend;
  seed: number;
  actors: number;
  /** Phases of faults, in the order given (shuffled by the seed). */
  faults: Fault[];
  make: (client: ZooKeeperClient, actor: string) => Holdable;
  acquireTimeoutMs?: number;
  /** When given: once every actor has stopped, no participant node may be left under this path. */
  nodesGoneUnder?: string;
}

export interface WorkloadResult {
  recorder: IntervalRecorder;
  acquisitions: number;
  /** Sessions that ended under an actor (it then opened a new client). */
  sessionsLost: number;
  errors: string[];
  faultsApplied: Fault[];
}

interface Actor {
  name: string;
  client: ZooKeeperClient;
  link: CuttableLink;
  generation: number;
  holdable: Holdable | undefined;
  /** Keep holding until the recipe says we no longer hold (set on a fault's victim). */
  greedy: boolean;
}

export async function runHoldWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const { backend } = options;
  const choices = new SeededChoices(options.seed);
  const recorder = new IntervalRecorder(() => backend.nowMs());
  const errors: string[] = [];
  let acquisitions = 0;
  let sessionsLost = 0;
  let stopping = false;
  const sleep = (ms: number) => new Promise<void>((resolve) => backend.scheduler.setTimer(ms, resolve));
  const actors: Actor[] = [];

  const connect = (actor: Actor): void => {
    const opened = backend.openLinkedClient({ member: choices.int(1, backend.ensemble.members.length) });
    actor.client = opened.client;
    actor.link = opened.link;
    actor.generation++;
    const key = `${actor.name}#${actor.generation}`;
    const holdable = options.make(opened.client, key);
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
          if (actor.greedy) {
            // The victim of a cut keeps acting as holder for as long as the recipe lets it.
            await new Promise<void>((resolve) => {
              if (!holdable.isHolding()) resolve();
              else holdable.onChange(() => { if (!holdable.isHolding()) resolve(); });
              backend.scheduler.setTimer(backend.sessionTimeoutMs * 3, resolve);
            });
            actor.greedy = false;
          }
          await holdable.release();
        }
      } catch (error) {
        const text = String(error);
        // Expected under faults: the session ended, or the lost node was noticed while waiting.
        if (!/SESSIONEXPIRED|CONNECTIONLOSS|disappeared|client is closed/.test(text)) errors.push(`${actor.name}: ${text}`);
      }
      await sleep(choices.int(10, 300));
    }
  };

  for (let i = 0; i < options.actors; i++) {
    const actor: Actor = { name: `actor-${i}`, client: undefined as unknown as ZooKeeperClient, link: undefined as unknown as CuttableLink, generation: 0, holdable: undefined, greedy: false };
    connect(actor);
    actors.push(actor);
  }
  const loops = actors.map((actor) => loop(actor));

  const faults = [...options.faults];
  for (let i = faults.length - 1; i > 0; i--) {
    const j = choices.int(0, i);
    [faults[i], faults[j]] = [faults[j] as Fault, faults[i] as Fault];
  }
  const applied: Fault[] = [];
  await backend.run(3000);
  for (const fault of faults) {
    const holder = actors.find((a) => a.holdable?.isHolding() === true);
    switch (fault) {
      case 'expireHolder': {
        const victim = holder ?? choices.pick(actors);
        victim.greedy = true;
        victim.link.cut();
        // Past the session timeout: the servers expire the session while the client cannot tell.
        await backend.run(backend.sessionTimeoutMs * 2);
        victim.link.restore();
        break;
      }
      case 'cutBriefly': {
        const victim = holder ?? choices.pick(actors);
        victim.greedy = true;
        victim.link.cut();
        await backend.run(Math.floor(backend.sessionTimeoutMs * 0.8));
        victim.link.restore();
        break;
      }
      case 'crashLeader': {
        const leader = backend.ensemble.leader();
        leader?.crash();
        await backend.run(4000);
        leader?.restart();
        break;
      }
      case 'isolateMember': {
        const member = choices.pick(backend.ensemble.members);
        backend.ensemble.isolate(member.id);
        await backend.run(5000);
        backend.ensemble.heal();
        break;
      }
      case 'calm':
        break;
    }
    applied.push(fault);
    await backend.run(3000);
    // ZAB safety once per phase (checking after every step costs more than the recipes themselves).
    backend.ensemble.checkSafety();
  }
  await backend.run(3000);
  stopping = true;
  await backend.drive(Promise.all(loops), 120_000);
  recorder.closeAll();
  if (options.nodesGoneUnder !== undefined) {
    const under = options.nodesGoneUnder;
    const checker = await backend.client();
    const left = await backend.eventually(() => checker.getChildren(under).catch(() => [] as string[]), (children) => children.length === 0, 20_000).catch(() => undefined);
    if (left === undefined) errors.push(`nodes left under ${under}: ${(await backend.drive(checker.getChildren(under))).join(', ')}`);
  }
  for (const actor of actors) actor.client.terminate();
  return { recorder, acquisitions, sessionsLost, errors, faultsApplied: applied };
}
