import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * What ZooKeeper 3.8 writes when a reconfig commits on a member started from
 * `zoo.cfg` (checked on 3.8: QuorumPeerConfig.writeDynamicConfig and
 * editStaticConfig): `zoo.cfg.dynamic.<version hex>` beside zoo.cfg, holding
 * the configuration's server lines (no `version=` line, no trailing newline),
 * and zoo.cfg rewritten without its quorum lines, pointing to that file with an
 * absolute `dynamicConfigFile=`. Older dynamic files are left in place, and the
 * first rewrite keeps the original as `zoo.cfg.bak`.
 *
 * Differences from ZooKeeper, on purpose: zoo.cfg keeps its other lines in their
 * order (ZooKeeper writes them in hash order) and keeps clientPort and
 * clientPortAddress (ZooKeeper drops them when the server lines carry the client
 * address). As ZooKeeper, a member started with reconfigEnabled from server.N
 * lines in zoo.cfg writes `zoo.cfg.dynamic.100000000` at once (see cli.ts).
 */
export function dynamicConfigFileName(configPath: string, version: bigint): string {
  return join(dirname(resolve(configPath)), `${basename(configPath)}.dynamic.${version.toString(16)}`);
}

/** The dynamic file's text: the server lines of /zookeeper/config. */
export function dynamicConfigText(configText: string): string {
  return configText.split('\n').filter((line) => line.startsWith('server.')).join('\n');
}

const quorumKey = /^\s*(server|group|weight)\.\d+\s*[=:]|^\s*dynamicConfigFile\s*[=:]/;

/** zoo.cfg's text without its quorum lines (server.N, group.N, weight.N, dynamicConfigFile), then `dynamicConfigFile=<path>`. */
export function staticConfigPointingTo(zooCfgText: string, dynamicFile: string): string {
  const kept = zooCfgText.split(/\r?\n/).filter((line) => !quorumKey.test(line));
  while (kept.length > 0 && kept.at(-1)?.trim() === '') kept.pop();
  return [...kept, `dynamicConfigFile=${dynamicFile}`, ''].join('\n');
}

/** Write the dynamic config file for a committed configuration and point zoo.cfg at it (each file replaced by rename). */
export function writeDynamicConfig(configPath: string, configText: string, version: bigint, readTextFile: (path: string) => string | undefined): string {
  const dynamicFile = dynamicConfigFileName(configPath, version);
  writeAtomically(dynamicFile, dynamicConfigText(configText));
  const current = readTextFile(configPath) ?? '';
  const backup = `${resolve(configPath)}.bak`;
  if (!existsSync(backup)) writeFileSync(backup, current);
  writeAtomically(configPath, staticConfigPointingTo(current, dynamicFile));
  return dynamicFile;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
