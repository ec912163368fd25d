/**
 * Opening and closing 200 fixtures leaves nothing behind: no socket, no
 * server, no timer (unref'd ones included, which process.getActiveResourcesInfo()
 * does not list: an async_hooks census sees those), and each fixture's own
 * accounting is all zeros.
 */
import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { connectZooKeeper } from '@vivarium/client';
import { createEnsemble, createServer, type FixtureResources } from '@vivarium/testing';

const watchedTypes = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP']);

/** Every timer and socket created while enabled and not yet destroyed, with where it was made. */
function resourceCensus() {
  const live = new Map<number, { type: string; stack: string }>();
  const hook = createHook({
    init(asyncId, type) {
      if (!watchedTypes.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      live.set(asyncId, { type, stack: new Error('created here').stack ?? '' });
      Error.stackTraceLimit = limit;
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  return {
    enable: () => hook.enable(),
    disable: () => hook.disable(),
    /** What is still alive, leaving out what vitest itself made meanwhile. */
    leftovers: () => [...live.values()].filter((r) => r.stack.includes('/packages/')),
  };
}

function countOf(list: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of list) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

const zero: FixtureResources = { openClients: 0, clientTimers: 0, clockSubscribers: 0, listeningPorts: 0, tcpConnections: 0, runningMembers: 0, messagesInFlight: 0 };

/** One fixture of the mix, used the way a test would, then closed; returns its resources after close. */
async function openAndClose(index: number): Promise<FixtureResources> {
  const useTcp = index % 10 === 0;
  const systemClock = index % 10 === 5;
  if (index % 2 === 0) {
    const server = await createServer({ seed: index, ...(systemClock ? { clock: 'system' as const, tickTimeMs: 20 } : {}) });
    const client = await server.client();
    await client.create('/a', null, { mode: 'ephemeral' });
    if (index % 4 === 0) await server.expireSession(client);
    if (useTcp) {
      const tcp = await connectZooKeeper(await server.connectString(), { sessionTimeoutMs: 4000 });
      await tcp.create('/tcp', null);
      // Still connected when the fixture closes: close() must close the port and this connection.
      // The client itself is the test's to close (it would otherwise keep trying to reconnect).
      await server.close();
      await tcp.close();
      return server.resources();
    }
    await server.close();
    return server.resources();
  }
  const ensemble = await createEnsemble({ seed: index, members: 3, ...(systemClock ? { clock: 'system' as const, tickTimeMs: 10 } : { tickTimeMs: 500 }) });
  const client = await ensemble.client();
  await ensemble.drive(client.create('/a', null));
  if (index % 4 === 1) {
    ensemble.leader()?.crash();
    await ensemble.waitForLeader();
  }
  if (useTcp) await ensemble.connectString();
  await ensemble.close();
  return ensemble.resources();
}

describe('leaks', () => {
  it('the census sees an unref\'d timer that getActiveResourcesInfo() does not', () => {
    const census = resourceCensus();
    census.enable();
    const timer = setInterval(() => undefined, 1000);
    timer.unref();
    census.disable();
    expect(census.leftovers().map((r) => r.type)).toEqual(['Timeout']);
    clearInterval(timer);
  });

  it('opening and closing 200 fixtures (servers and ensembles, manual and system clocks, some with TCP) leaves no handles behind', async () => {
    const census = resourceCensus();
    const before = countOf(process.getActiveResourcesInfo());
    census.enable();
    try {
      for (let i = 0; i < 200; i++) {
        const after = await openAndClose(i);
        expect(after, `fixture ${i}`).toEqual(zero);
      }
      // Let sockets finish closing (their close events run on the next turns).
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      // Nothing more than before (vitest's own timers may have come and gone meanwhile).
      const after = countOf(process.getActiveResourcesInfo());
      const added = Object.entries(after).filter(([type, count]) => count > (before[type] ?? 0));
      expect(added).toEqual([]);
      const leftovers = census.leftovers();
      expect(leftovers.map((r) => `${r.type}\n${r.stack}`)).toEqual([]);
    } finally {
      census.disable();
    }
  }, 30_000);
});
