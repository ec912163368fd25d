export { createServer, ServerFixture, type ServerFixtureOptions } from './server-fixture.ts';
export { createEnsemble, EnsembleFixture, type EnsembleFixtureOptions, type TransportKind } from './ensemble-fixture.ts';
export { FixtureMember } from './fixture-member.ts';
export type { ClockKind, DriveOptions, FixtureClock, FixtureResources, FixtureTcpOptions } from './fixture-base.ts';
export type { FixtureClientOptions } from './fixture-clients.ts';
export { FixtureError, FixtureLeakError } from './fixture-error.ts';
export type { LinkFaults } from '@vivarium/transport';
export type { ZooKeeperClient, SessionState } from '@vivarium/client';
export { EventType, ErrorCode, ZooKeeperError } from '@vivarium/protocol';
