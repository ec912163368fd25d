/**
 * The shared counter under faults, on an in-process ensemble and the manual
 * clock: three actors add(1) in a loop while links are cut (one until its
 * session expires) and the leader crashes. Every confirmed add() counts
 * exactly once; only adds reported uncertain (or refused with the session)
 * may or may not have landed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { SeededChoices } from '../../test-support/intervals.ts';
import { counterIdSource } from '../support/id-source.ts';
import { CountUpdateUncertainError, SharedCount } from './shared-count.ts';

describe('SharedCount under faults (vivarium, manual clock)', () => {
  const open: VivariumBackend[] = [];
  afterEach(async () => {
    for (const backend of open.splice(0)) await backend.close();
  });

  it('every confirmed add() counts exactly once across link cuts, session expiry and a leader crash', async () => {
    const backend = await new VivariumBackend({ seed: 5 }).start();
    open.push(backend);
    const choices = new SeededChoices(5);
    let confirmed = 0;
    let uncertain = 0;
    let refused = 0;
    let stopping = false;
    const errors: string[] = [];
    const setup = new SharedCount(await backend.client(), '/faults/counter', 0, { scheduler: backend.scheduler });
    await backend.drive(setup.start());
    setup.close();
    const actors = [0, 1, 2].map((i) => ({ i, ...backend.openLinkedClient({ member: i + 1 }) }));
    const loop = async (actor: (typeof actors)[number]) => {
      let generation = 0;
      while (!stopping) {
        if (actor.client.state === 'expired' || actor.client.state === 'closed') {
          actor.client.terminate();
          Object.assign(actor, backend.openLinkedClient({ member: choices.int(1, 3) }));
          generation++;
        }
        const counter = new SharedCount(actor.client, '/faults/counter', 0, { scheduler: backend.scheduler, idSource: counterIdSource(`a${actor.i}.${generation}-`) });
        try {
          await actor.client.waitForConnected();
          await counter.add(1);
          confirmed++;
        } catch (error) {
          if (error instanceof CountUpdateUncertainError) uncertain++;
          else if (/SESSIONEXPIRED|client is closed/.test(String(error))) refused++;
          else errors.push(String(error));
        }
        await new Promise<void>((resolve) => backend.scheduler.setTimer(choices.int(10, 200), resolve));
      }
    };
    const loops = actors.map(loop);
    await backend.run(2000);
    actors[0]!.link.cut();
    await backend.run(backend.sessionTimeoutMs * 2);
    actors[0]!.link.restore();
    await backend.run(2000);
    actors[1]!.link.cut();
    await backend.run(1500);
    actors[1]!.link.restore();
    backend.ensemble.leader()?.crash();
    await backend.run(5000);
    for (const member of backend.ensemble.members) if (!member.isRunning) member.restart();
    await backend.run(3000);
    stopping = true;
    await backend.drive(Promise.all(loops), 60_000);
    const reader = new SharedCount(await backend.client(), '/faults/counter', 0, { scheduler: backend.scheduler });
    const final = (await backend.drive(reader.read())).value;
    for (const actor of actors) actor.client.terminate();
    expect(errors).toEqual([]);
    expect(confirmed).toBeGreaterThan(50);
    expect(final).toBeGreaterThanOrEqual(confirmed);
    expect(final).toBeLessThanOrEqual(confirmed + uncertain + refused);
    expect(uncertain + refused).toBeLessThan(5);
  }, 60_000);
});
