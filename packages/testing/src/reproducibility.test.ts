/**
 * Same seed + same steps = same trace hash; a different seed gives a different
 * one. The hash covers the network's deliveries (with their times), every
 * member's events and state, and the seeded values the test saw (session ids,
 * granted timeouts), so it moves with the seed even when message order does not.
 */
import { describe, expect, it } from 'vitest';
import { createEnsemble, createServer } from '@vivarium/testing';

/** One scripted run against an ensemble: writes, a leader crash, an expiry; the outcome of every call is recorded too. */
async function ensembleRun(seed: number, faults: boolean, extraWrite = false): Promise<{ hash: string; outcomes: string }> {
  const zk = await createEnsemble({ seed, members: 3, tickTimeMs: 1000 });
  const outcomes: string[] = [];
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await zk.drive(call(), { maxMs: 20_000 });
      outcomes.push(`${what} ok`);
    } catch (error) {
      outcomes.push(`${what} ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  try {
    // Random delays (which reorder), duplicates and drops: every draw comes from the seed.
    if (faults) zk.setDefaultFaults({ delayMinMs: 0, delayMaxMs: 30, duplicateProbability: 0.05, dropProbability: 0.01 });
    const writer = await zk.client();
    const other = await zk.client({ member: 1 });
    for (let i = 0; i < 12; i++) await attempt(`create ${i}`, () => writer.create(`/n${i}`, new Uint8Array([i])));
    if (extraWrite) await attempt('extra', () => writer.create('/extra', null));
    await zk.clock.advance(3000);
    const leader = zk.leader();
    leader?.crash();
    await zk.waitForLeader();
    for (let i = 0; i < 4; i++) await attempt(`set ${i}`, () => other.setData('/n1', new Uint8Array([i])));
    leader?.restart();
    await zk.clock.advance(5000);
    await zk.expireSession(writer);
    zk.checkSafety();
    return { hash: zk.traceHash, outcomes: outcomes.join('\n') };
  } finally {
    await zk.close();
  }
}

async function serverRun(seed: number): Promise<string> {
  const server = await createServer({ seed });
  const a = await server.client({ sessionTimeoutMs: 6000 });
  const b = await server.client();
  await a.create('/lock-', null, { mode: 'ephemeralSequential' });
  await b.create('/data', new Uint8Array([1, 2, 3]));
  server.crashClient(a);
  await server.clock.advance(10_000);
  const hash = server.traceHash;
  await server.close();
  return hash;
}

describe('trace hash', () => {
  it('an ensemble with no faults: same seed, same hash; another seed, another hash', async () => {
    const first = await ensembleRun(101, false);
    const again = await ensembleRun(101, false);
    const other = await ensembleRun(102, false);
    expect(again.hash).toBe(first.hash);
    expect(again.outcomes).toBe(first.outcomes);
    expect(other.hash).not.toBe(first.hash);
  });

  it('an ensemble with seeded delays, duplicates and drops: same seed, same hash and the same outcomes', async () => {
    const first = await ensembleRun(7, true);
    const again = await ensembleRun(7, true);
    const other = await ensembleRun(8, true);
    expect(again.hash).toBe(first.hash);
    expect(again.outcomes).toBe(first.outcomes);
    expect(other.hash).not.toBe(first.hash);
  });

  it('another step gives another hash', async () => {
    const plain = await ensembleRun(101, false);
    const extra = await ensembleRun(101, false, true);
    expect(extra.hash).not.toBe(plain.hash);
  });

  it('two runs interleaved in one process give the hashes they give alone: nothing is shared', async () => {
    const alone = [await ensembleRun(31, true), await ensembleRun(32, false)];
    const together = await Promise.all([ensembleRun(31, true), ensembleRun(32, false)]);
    expect(together.map((r) => r.hash)).toEqual(alone.map((r) => r.hash));
  });

  it('a standalone server: same seed, same hash; another seed, another hash', async () => {
    expect(await serverRun(5)).toBe(await serverRun(5));
    expect(await serverRun(6)).not.toBe(await serverRun(5));
  });

  it('a fixture given no seed draws one and reports it', async () => {
    const server = await createServer();
    expect(Number.isInteger(server.seed)).toBe(true);
    expect(server.describeSeed()).toContain(`seed ${server.seed}`);
    await server.close();
  });
});
