/**
 * The README's example, run as a test; the last test checks that the README
 * shows the `#region` word for word.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// #region fault-schedule
import { createEnsemble } from '@vivarium/testing';
import { describeFaultReport, runFaultSchedule } from '@vivarium/simulation';

/** A service that registers itself (an ephemeral node) and keeps registering after each session it loses. */
async function registrationUnderFaults(seed: number): Promise<{ registrations: number; registeredAfterHeal: boolean; faults: string }> {
  const zk = await createEnsemble({ seed, tickTimeMs: 1000, syncLimitTicks: 2, initLimitTicks: 5 });
  const setup = await zk.client();
  await setup.create('/services', null);
  let registrations = 0;
  let stopping = false;
  let current = zk.openClient({ sessionTimeoutMs: 6000 });
  const service = (async () => {
    while (!stopping) {
      if (current.state === 'expired' || current.state === 'closed') current = zk.openClient({ sessionTimeoutMs: 6000 });
      try {
        await current.waitForConnected();
        if ((await current.exists('/services/api')) === null) {
          await current.create('/services/api', null, { mode: 'ephemeral' });
          registrations++;
        }
      } catch {
        // The faults at work (CONNECTIONLOSS, SESSIONEXPIRED, NODEEXISTS from a create whose reply was lost): look again.
      }
      await new Promise<void>((resolve) => zk.scheduler.setTimer(250, resolve)); // simulated time
    }
  })();
  // From the seed: which faults are on and how often they strike; then a heal and 10 s to recover.
  const report = await runFaultSchedule(zk, { steps: 40, stepMs: 500, atLeastOnce: ['cutClient'] });
  const registeredAfterHeal = (await setup.exists('/services/api')) !== null;
  stopping = true;
  await zk.drive(service);
  await zk.close();
  return { registrations, registeredAfterHeal, faults: describeFaultReport(report) };
}
// #endregion

describe('README example', () => {
  it('a service stays registered once the faults are healed', async () => {
    const { registrations, registeredAfterHeal, faults } = await registrationUnderFaults(3);
    expect(registeredAfterHeal, faults).toBe(true);
    expect(registrations, faults).toBeGreaterThanOrEqual(1);
  });

  it('the README shows the example word for word', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const region = /^\/\/ #region fault-schedule\n([\s\S]*?)^\/\/ #endregion$/m.exec(source)?.[1]?.trimEnd();
    const block = /^<!-- example: fault-schedule -->\n```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1]?.trimEnd();
    expect(region).toBeDefined();
    expect(block).toBe(region);
  });
});
