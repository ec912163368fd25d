/**
 * A fixture client's network link: cutClient makes the path between a client
 * and every member go away silently (the client notices only by its read
 * timeout, the servers keep its session until it expires), healClient brings
 * it back; openClient starts a client without driving time; liveClients lists
 * what is open; the fixture's scheduler runs code under test on its clock.
 */
import { describe, expect, it } from 'vitest';
import { EventType, createEnsemble, type SessionState } from '@vivarium/testing';

describe('cutClient / healClient', () => {
  it('a short cut: the client notices after 2/3 of its session timeout, reconnects after the heal, and keeps its session', async () => {
    const zk = await createEnsemble({ seed: 5 });
    try {
      const client = await zk.client({ sessionTimeoutMs: 6000 });
      const states: SessionState[] = [];
      client.onStateChange((state) => states.push(state));
      const session = client.sessionId;
      zk.cutClient(client);
      expect(zk.isClientCut(client)).toBe(true);
      await zk.clock.advance(3900);
      expect(client.state).toBe('connected'); // nothing tells it yet
      await zk.clock.advance(200);
      expect(client.state).not.toBe('connected'); // read timeout: 4000 ms without a word
      zk.healClient(client);
      await zk.drive(client.waitForConnected());
      expect(client.sessionId).toBe(session);
      expect(states).toContain('disconnected');
      expect(await client.exists('/')).not.toBeNull();
    } finally {
      await zk.close();
    }
  });

  it('a cut past the session timeout: the servers expire the session (its ephemeral goes) while the client cannot tell', async () => {
    const zk = await createEnsemble({ seed: 6 });
    try {
      const holder = await zk.client({ sessionTimeoutMs: 6000 });
      const watcher = await zk.client();
      await holder.create('/owned', null, { mode: 'ephemeral' });
      let deleted = false;
      await watcher.exists('/owned', (event) => { deleted = event.type === EventType.nodeDeleted; });
      zk.cutClient(holder);
      await zk.clock.advance(12_000); // the timeout, plus the expiry bucket's rounding (a tick)
      expect(deleted).toBe(true);
      expect(holder.state).toBe('disconnected'); // it gave up on its connection, but does not know why
      zk.healClient(holder);
      await zk.clock.advance(500);
      expect(holder.state).toBe('expired'); // learned on the first connection after the heal
      expect(zk.liveClients()).toEqual([watcher]);
    } finally {
      await zk.close();
    }
  });

  it('close() finishes a client whose link is still cut (no leak, no wait)', async () => {
    const zk = await createEnsemble({ seed: 7 });
    const client = await zk.client();
    zk.cutClient(client);
    await zk.close();
    expect(client.state).toBe('closed');
    expect(zk.resources().clientTimers).toBe(0);
  });

  it('openClient connects as time passes; the scheduler runs code under test on the fixture clock', async () => {
    const zk = await createEnsemble({ seed: 8 });
    try {
      const client = zk.openClient();
      expect(client.state).toBe('connecting');
      let fired = false;
      zk.scheduler.setTimer(1000, () => { fired = true; });
      await zk.clock.advance(999);
      expect(fired).toBe(false);
      await zk.clock.advance(1);
      expect(fired).toBe(true);
      expect(client.state).toBe('connected');
    } finally {
      await zk.close();
    }
  });

  it('a watcher that calls the client while it is told its session closed is refused at once (no request lost, no timer left)', async () => {
    // Regression: during the close, watchers ran while the client still counted as connected; a call they made
    // went into the closed channel, its promise never settled, and the ping timer it armed outlived the client.
    const zk = await createEnsemble({ seed: 9 });
    const client = await zk.client();
    await client.create('/w', null);
    let late: Promise<string> | undefined;
    await client.exists('/w', () => {
      late = client.exists('/w').then(() => 'answered', (error: unknown) => String(error));
    });
    await zk.drive(client.close());
    expect(late).toBeDefined();
    expect(await zk.drive(late!, { maxMs: 1000, what: 'the call made from the watcher' })).toMatch(/CONNECTIONLOSS.*closed/);
    await zk.close();
    expect(zk.resources().clientTimers).toBe(0);
  });
});
