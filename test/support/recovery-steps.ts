/**
 * The workload of the durable-prefix properties (Engine on InMemoryStorage in
 * @vivarium/store, Engine on FileStorage in test/storage): writes from two
 * sessions, snapshot points and clock advances, the same on every storage.
 *
 * The engine and clock are taken by shape, so the store's own tests can pass
 * the classes from its sources and test/storage the ones from the package.
 */
import fc from 'fast-check';
import { OpCode, type Request } from '@vivarium/protocol';

export type RecoveryStep =
  | { kind: 'create'; slot: number; name: number; mode: number }
  | { kind: 'set'; name: number }
  | { kind: 'delete'; name: number }
  | { kind: 'snapshot' }
  | { kind: 'advance'; ms: number };

export const recoveryStepArb: fc.Arbitrary<RecoveryStep> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('create' as const), slot: fc.nat(1), name: fc.nat(6), mode: fc.constantFrom(0, 1, 2, 3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), name: fc.nat(6) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), name: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 9000 }) }) },
);

const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** What runRecoverySteps needs of an Engine. */
export interface StepEngine {
  openConnection(options: { remoteAddress: string; sink: () => undefined }): number;
  connect(connection: number, request: { protocolVersion: number; lastZxidSeen: bigint; timeOutMs: number; sessionId: bigint; passwd: Uint8Array; readOnly: boolean }): unknown;
  sessionOf(connection: number): unknown;
  submit(connection: number, xid: number, request: Request): unknown;
  takeSnapshot(): unknown;
}

/** Open two sessions on `engine`, then play `steps`: slot 0 and 1 create, 0 sets, 1 deletes. */
export function runRecoverySteps(engine: StepEngine, clock: { advance(ms: number): unknown }, steps: readonly RecoveryStep[]): void {
  const connections = [0, 1].map(() => {
    const id = engine.openConnection({ remoteAddress: '127.0.0.1', sink: () => undefined });
    engine.connect(id, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    return id;
  });
  const send = (slot: number, request: Request): void => {
    if (engine.sessionOf(connections[slot] as number) === undefined) return;
    try {
      engine.submit(connections[slot] as number, 1, request);
    } catch {
      // A connection closed by expiry: nothing more to send on it.
    }
  };
  for (const step of steps) {
    if (step.kind === 'create') send(step.slot, { type: OpCode.create, path: `/n${step.name}`, data: new Uint8Array([step.name]), acl: openAcl, flags: step.mode });
    else if (step.kind === 'set') send(0, { type: OpCode.setData, path: `/n${step.name}`, data: null, version: -1 });
    else if (step.kind === 'delete') send(1, { type: OpCode.delete, path: `/n${step.name}`, version: -1 });
    else if (step.kind === 'snapshot') engine.takeSnapshot();
    else clock.advance(step.ms);
  }
}
