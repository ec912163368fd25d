export { createServer, type ClientConnectOptions, type ServerOptions, type VivariumServer } from './create-server.ts';
export { SystemClock } from './system-clock.ts';
export { driveWithManualClock, driveWithSystemClock, type EngineDriver } from './engine-driver.ts';
