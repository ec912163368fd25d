export { createServer, type ClientConnectOptions, type ServerOptions, type VivariumServer } from './create-server.ts';
export { SystemClock } from './system-clock.ts';
export { driveWithManualClock, driveWithSystemClock, type EngineDriver } from './engine-driver.ts';
export { startWireServer, type RunningWireServer } from './wire/wire-server.ts';
export { fourLetterWords, type FourLetterWord, type WireServerOptions } from './wire/wire-server-options.ts';
export { WireConnection, type WireConnectionOptions, type WireConnectionSink } from './wire/wire-connection.ts';
export { answerFourLetterWord, reportedVersion, zookeeperCompatibleVersion, type FourLetterContext } from './wire/four-letter-words.ts';
export { createEnsemble, Ensemble, EnsembleMember, type EnsembleClientOptions, type EnsembleOptions } from './ensemble/create-ensemble.ts';
export { listenForClients, type ClientListener, type ClientListenerOptions } from './wire/client-listener.ts';
