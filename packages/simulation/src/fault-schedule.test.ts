/**
 * The seeded fault schedule on an ensemble fixture: one seed gives one run
 * (the same faults, the same trace hash), seeds draw different swarms, the
 * kinds asked for strike at least once, and the ensemble serves again after
 * the heal.
 */
import { describe, expect, it } from 'vitest';
import { createEnsemble, FixtureError } from '@vivarium/testing';
import { drawFaultRates, runFaultSchedule, scheduleFaultKinds, strikesAt, type FaultScheduleReport } from './fault-schedule.ts';
import { faultKinds } from './simulation.ts';
import { SeededRandom } from '@vivarium/store';

/** A fixture with two busy clients, the schedule over it; what it reported and the fixture's trace hash. */
async function scheduledRun(seed: number, options: Parameters<typeof runFaultSchedule>[1] = {}): Promise<{ report: FaultScheduleReport; traceHash: string; written: number }> {
  const zk = await createEnsemble({ seed, tickTimeMs: 1000, syncLimitTicks: 2, initLimitTicks: 5 });
  try {
    const clients = [zk.openClient({ sessionTimeoutMs: 6000 }), zk.openClient({ member: 2, sessionTimeoutMs: 6000 })];
    let written = 0;
    let stopping = false;
    // Each client writes as long as the schedule runs: its own session, its own node.
    const loops = clients.map(async (client, i) => {
      while (!stopping && client.state !== 'expired' && client.state !== 'closed') {
        await client.waitForConnected().then(() => client.create(`/w-${i}-`, null, { mode: 'persistentSequential' })).then(() => { written++; }, () => undefined);
        await new Promise<void>((resolve) => zk.scheduler.setTimer(200, resolve));
      }
    });
    const report = await runFaultSchedule(zk, { steps: 30, ...options });
    stopping = true;
    await zk.drive(Promise.all(loops));
    const probe = await zk.client();
    await probe.create('/after', null);
    return { report, traceHash: zk.traceHash, written };
  } finally {
    await zk.close();
  }
}

describe('runFaultSchedule', () => {
  it('one seed, one run: the same faults at the same times and the same trace hash', async () => {
    const first = await scheduledRun(21);
    const again = await scheduledRun(21);
    expect(again.report.events).toEqual(first.report.events);
    expect(again.traceHash).toBe(first.traceHash);
    expect(first.report.events.length).toBeGreaterThan(0);
    expect(first.written).toBeGreaterThan(10);
  }, 30_000);

  it('seeds draw different swarms: which kinds are on, and how often they strike', () => {
    const draw = (seed: number) => drawFaultRates(new SeededRandom(seed), { rateMax: 0.12, allowed: scheduleFaultKinds, required: [] });
    const rates = [1, 2, 3, 4, 5].map(draw);
    expect(new Set(rates.map((r) => JSON.stringify(r))).size).toBe(5);
    for (const r of rates) for (const kind of scheduleFaultKinds) expect(r[kind]).toBeLessThanOrEqual(0.12);
    // Every seed leaves some kinds off: a swarm, not every fault at once.
    expect(rates.every((r) => scheduleFaultKinds.some((kind) => r[kind] === 0))).toBe(true);
  });

  it('uses the simulator’s fault names, plus the two on sessions', () => {
    expect(scheduleFaultKinds.filter((kind) => kind !== 'expireSession' && kind !== 'cutClient').every((kind) => (faultKinds as readonly string[]).includes(kind))).toBe(true);
  });

  it('kinds asked for strike at least once; kinds not allowed never', async () => {
    const { report } = await scheduledRun(4, { faults: ['crash', 'restart', 'cutClient', 'partitionHalves'], atLeastOnce: ['crash', 'cutClient'] });
    expect(report.counts.crash).toBeGreaterThanOrEqual(1);
    expect(report.counts.cutClient).toBeGreaterThanOrEqual(1);
    for (const kind of scheduleFaultKinds) if (!['crash', 'restart', 'cutClient', 'partitionHalves'].includes(kind)) expect(report.counts[kind], kind).toBe(0);
    expect(report.events.every((e) => ['crash', 'restart', 'cutClient', 'partitionHalves'].includes(e.kind))).toBe(true);
  }, 30_000);

  it('strikesAt is a pure function of the random state, the rates and the forced kinds', () => {
    const rates = Object.fromEntries(scheduleFaultKinds.map((kind) => [kind, 0])) as Parameters<typeof strikesAt>[1];
    expect(strikesAt(new SeededRandom(1), rates, [])).toEqual([]);
    expect(strikesAt(new SeededRandom(1), rates, ['heal'])).toEqual(['heal']);
    rates.drop = 1;
    expect(strikesAt(new SeededRandom(1), rates, [])).toEqual(['drop']);
  });

  it('refuses what it cannot do, naming the seed', async () => {
    const zk = await createEnsemble({ seed: 33 });
    try {
      await expect(runFaultSchedule(zk, { faults: ['meteor' as never] })).rejects.toThrow(FixtureError);
      await expect(runFaultSchedule(zk, { steps: 0 })).rejects.toThrow(/steps.*seed 33/);
    } finally {
      await zk.close();
    }
  });
});
