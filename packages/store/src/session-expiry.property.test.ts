/**
 * No session expires before T or after T + tick after its last touch, for
 * random tick times, timeouts and touch schedules (ZooKeeper's bucketed expiry).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '@vivarium/protocol';
import { ManualClock } from './clock.ts';
import { Engine } from './engine.ts';
import { SeededRandom } from './random.ts';
import { propertySeed } from '../../../test/support/property-seed.ts';

describe('session expiry bounds', () => {
  it('a session dies in (lastTouch + T, lastTouch + T + tick]', () => {
    const seed = propertySeed(7, 'session expiry bounds');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        (tickMs, timeoutTicks, startOffsetMs, touchGapsFraction, stepMs) => {
          const clock = new ManualClock(1_000_000 + startOffsetMs);
          const engine = new Engine({ clock, random: new SeededRandom(seed), tickTimeMs: tickMs });
          clock.subscribe(engine);
          const requestedMs = timeoutTicks * tickMs;
          let expiredAtMs: number | undefined;
          const connectionId = engine.openConnection({
            remoteAddress: '127.0.0.1',
            sink: (outputs) => {
              for (const output of outputs) if (output.kind === 'close') expiredAtMs = clock.nowMs();
            },
          });
          engine.connect(connectionId, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: requestedMs, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
          let lastTouchMs = clock.nowMs();
          // Touch at gaps shorter than the timeout: the session must survive all of them.
          for (const fraction of touchGapsFraction) {
            const gapMs = Math.floor((fraction / 1000) * requestedMs);
            clock.advance(gapMs);
            expect(expiredAtMs, `expired during a gap of ${gapMs} ms < timeout ${requestedMs} ms`).toBeUndefined();
            engine.submit(connectionId, -2, { type: OpCode.ping });
            lastTouchMs = clock.nowMs();
          }
          // Then leave it idle, in uneven steps, until it dies.
          while (expiredAtMs === undefined && clock.nowMs() < lastTouchMs + requestedMs + 2 * tickMs) clock.advance(stepMs);
          expect(expiredAtMs).toBeDefined();
          expect(expiredAtMs as number).toBeGreaterThan(lastTouchMs + requestedMs);
          expect(expiredAtMs as number).toBeLessThanOrEqual(lastTouchMs + requestedMs + tickMs);
          engine.checkInvariants();
        },
      ),
      { seed, numRuns: 500 },
    );
  });
});
