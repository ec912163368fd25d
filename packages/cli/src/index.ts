export { parseCliArgs, usage, UsageError, type CliCommand, type StartOptions } from './args.ts';
export { cliVersion, exitBadConfig, exitFailure, exitOk, processCliIo, readTextFileOrUndefined, runCli, type CliIo } from './cli.ts';
export { parseJavaProperties, type PropertyEntry } from './java-properties.ts';
export { parseQuorumServerLine, quorumServerLineFormat, type QuorumAddress, type QuorumServerSpec } from './quorum-server-line.ts';
export {
  allInterfacesAddress,
  toWireServerOptions,
  type StartWireServer,
  type ToWireServerOptionsExtras,
} from './wire-options.ts';
export {
  parseZooCfg,
  resolveZooCfg,
  zooKeeperFourLetterWords,
  ZooCfgError,
  type EnsembleCfg,
  type ReadTextFile,
  type ResolvedZooCfg,
  type ResolveZooCfgOptions,
  type ZooCfg,
  type ZooCfgProfile,
} from './zoo-cfg.ts';
