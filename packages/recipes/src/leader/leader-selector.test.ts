import { expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { LeaderSelector, type LeaderSelectorOptions } from './leader-selector.ts';

/** A takeLeadership that holds until told to step down (or until its signal aborts). */
function steward() {
  const terms: string[] = [];
  let stepDown: (() => void) | undefined;
  let active = 0;
  let maxActive = 0;
  return {
    terms,
    get maxActive() { return maxActive; },
    stepDown: () => stepDown?.(),
    take: (name: string) => (signal: AbortSignal) => new Promise<void>((resolve) => {
      terms.push(name);
      active++;
      maxActive = Math.max(maxActive, active);
      const done = (): void => {
        active--;
        stepDown = undefined;
        resolve();
      };
      stepDown = done;
      signal.addEventListener('abort', done, { once: true });
    }),
  };
}

forEachBackend('LeaderSelector', ({ backend, path }) => {
  function selectorOf(client: ZooKeeperClient, take: (signal: AbortSignal) => Promise<void>, options: LeaderSelectorOptions = {}): LeaderSelector {
    return new LeaderSelector(client, path('selector'), take, { scheduler: backend().scheduler, ...options });
  }

  it('hands leadership round the participants, one term at a time (autoRequeue)', async () => {
    const b = backend();
    const s = steward();
    const selectors = [await b.client(), await b.client(), await b.client()].map((client, i) => selectorOf(client, s.take(`s${i}`), { id: `s${i}` }));
    for (const selector of selectors) {
      selector.start();
      await b.eventually(() => selector.participants(), (p) => p.some((x) => x.id === selector.id));
    }
    for (let term = 1; term <= 6; term++) {
      await b.until(() => s.terms.length === term, undefined, `term ${term}`);
      expect(selectors.filter((x) => x.hasLeadership)).toHaveLength(1);
      s.stepDown();
    }
    expect(s.terms).toEqual(['s0', 's1', 's2', 's0', 's1', 's2']);
    expect(s.maxActive).toBe(1);
    await b.drive(Promise.all(selectors.map((x) => x.close())));
    expect(selectors.every((x) => x.state === 'closed' && !x.hasLeadership)).toBe(true);
    expect(await b.drive(selectors[0]!.participants())).toEqual([]);
  });

  it('without autoRequeue a selector leads once until requeue(); interruptLeadership ends a term', async () => {
    const b = backend();
    const s = steward();
    const selector = selectorOf(await b.client(), s.take('only'), { autoRequeue: false });
    selector.start();
    await b.until(() => selector.hasLeadership, undefined, 'leading');
    expect(selector.requeue()).toBe(false);
    selector.interruptLeadership();
    await b.until(() => !selector.hasLeadership, undefined, 'term over');
    await b.run(200);
    expect(s.terms).toEqual(['only']);
    expect(selector.requeue()).toBe(true);
    await b.until(() => selector.hasLeadership, undefined, 'leading again');
    expect(selector.terms).toBe(2);
    await b.drive(selector.close());
  });

  it('a dropped connection ends the term (signal aborted); the selector queues again and leads after the reconnect', async () => {
    const b = backend();
    const s = steward();
    const client = await b.client();
    const selector = selectorOf(client, s.take('a'));
    selector.start();
    await b.until(() => selector.hasLeadership, undefined, 'leading');
    client.disconnect();
    expect(selector.hasLeadership).toBe(false);
    await b.until(() => s.terms.length === 2 && selector.hasLeadership, undefined, 'leading again');
    await b.drive(selector.close());
  });

  it('stops (lost) when its session ends, and another participant takes over', async () => {
    const b = backend();
    const s = steward();
    const [c1, c2] = [await b.client(), await b.client()];
    const first = selectorOf(c1, s.take('first'));
    first.start();
    await b.until(() => first.hasLeadership, undefined, 'first leads');
    const second = selectorOf(c2, s.take('second'));
    second.start();
    await b.drive(b.expireSession(c1));
    await b.until(() => second.hasLeadership, undefined, 'second leads');
    await b.until(() => first.state === 'lost', undefined, 'first lost');
    expect(first.hasLeadership).toBe(false);
    expect(s.maxActive).toBe(1);
    await b.drive(first.close());
    await b.drive(second.close());
  });
});
