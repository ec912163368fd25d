import type { ReconfigRequest } from '@vivarium/protocol';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';

/** One member line of a dynamic configuration: `server.N=host:quorumPort:electionPort[:role];[clientHost:]clientPort`. */
export interface ConfigServer {
  id: number;
  observer: boolean;
  /** The canonical line, as /zookeeper/config shows it. */
  line: string;
}

/** Members of a configuration, by id, and who votes. */
export interface EnsembleMembership {
  voters: number[];
  observers: number[];
}

/** Parse the member lines of a /zookeeper/config text (the `version=` line and anything else skipped). */
export function parseConfigServers(text: string): ConfigServer[] {
  const servers: ConfigServer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('server.')) continue;
    servers.push(parseServerLine(line));
  }
  return servers.sort((a, b) => a.id - b.id);
}

export function membershipOf(servers: readonly ConfigServer[]): EnsembleMembership {
  return { voters: servers.filter((s) => !s.observer).map((s) => s.id), observers: servers.filter((s) => s.observer).map((s) => s.id) };
}

/** The text /zookeeper/config holds: one line per member by id, then the version in hex, no trailing newline. */
export function configText(servers: readonly string[], version: bigint): string {
  return [...servers, `version=${version.toString(16)}`].join('\n');
}

function badArguments(message: string): ZooKeeperError {
  return new ZooKeeperError(ErrorCode.badArguments, { detail: message });
}

/**
 * One `server.N=spec` entry, checked the way ZooKeeper's QuorumServer parses it:
 * three ports are required (quorum, election, client), the role is participant
 * (default) or observer. A client spec without a host gets ZooKeeper's 0.0.0.0.
 */
export function parseServerLine(entry: string): ConfigServer {
  const eq = entry.indexOf('=');
  if (eq < 0 || entry.indexOf('=', eq + 1) >= 0) throw badArguments('Wrong format of server string');
  const key = entry.slice(0, eq).trim();
  const value = entry.slice(eq + 1).trim();
  const idText = key.slice(key.lastIndexOf('.') + 1);
  if (!key.startsWith('server.') || !/^\d+$/.test(idText)) throw badArguments(`bad server id in ${JSON.stringify(key)}`);
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id < 1 || id > 254) throw badArguments(`server id ${idText} out of range`);
  const [serverSpec = '', clientSpec, ...rest] = value.split(';');
  if (rest.length > 0 || clientSpec === undefined || clientSpec === '') throw badArguments('Wrong format of server string - each server should have 3 ports specified');
  const parts = serverSpec.split(':');
  if (parts.length !== 3 && parts.length !== 4) throw badArguments('Wrong format of server string - each server should have 3 ports specified');
  const [host = '', quorumPort = '', electionPort = '', role = 'participant'] = parts;
  if (host === '' || !isPort(quorumPort) || !isPort(electionPort)) throw badArguments(`bad server address ${JSON.stringify(serverSpec)}`);
  if (role !== 'participant' && role !== 'observer') throw badArguments(`unknown role ${JSON.stringify(role)}`);
  const clientParts = clientSpec.split(':');
  if (clientParts.length > 2) throw badArguments(`bad client address ${JSON.stringify(clientSpec)}`);
  const clientHost = clientParts.length === 2 ? (clientParts[0] as string) : '0.0.0.0';
  const clientPort = clientParts.at(-1) as string;
  if (clientHost === '' || !isPort(clientPort)) throw badArguments(`bad client address ${JSON.stringify(clientSpec)}`);
  return { id, observer: role === 'observer', line: `server.${id}=${host}:${Number(quorumPort)}:${Number(electionPort)}:${role};${clientHost}:${Number(clientPort)}` };
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535;
}

/**
 * The configuration a reconfig asks for, from the current one (PrepRequestProcessor):
 * non-incremental when `newMembers` is given (commas or newlines between entries),
 * otherwise the current members minus `leavingServers` (ids) plus `joiningServers`
 * (a joiner already present is replaced: that is how a role changes). Throws
 * BADARGUMENTS for malformed input or fewer than two voters (standaloneEnabled), MARSHALLINGERROR
 * for a non-numeric leaving id.
 */
export function nextConfigServers(current: readonly ConfigServer[], request: Pick<ReconfigRequest, 'joiningServers' | 'leavingServers' | 'newMembers'>): ConfigServer[] {
  let next: Map<number, ConfigServer>;
  if (request.newMembers !== null) {
    next = new Map();
    for (const entry of splitList(request.newMembers.replaceAll(',', '\n').split('\n'))) {
      const server = parseServerLine(entry);
      next.set(server.id, server);
    }
  } else {
    next = new Map(current.map((s) => [s.id, s]));
    for (const leaving of splitList((request.leavingServers ?? '').split(','))) {
      // ZooKeeper parses each id with Long.parseLong; its NumberFormatException ends in PrepRequestProcessor's
      // catch-all, which answers MARSHALLINGERROR (checked on 3.8).
      if (!/^\d+$/.test(leaving)) throw new ZooKeeperError(ErrorCode.marshallingError, { detail: `bad leaving server id ${JSON.stringify(leaving)}` });
      next.delete(Number(leaving));
    }
    for (const joiner of splitList((request.joiningServers ?? '').split(','))) {
      const server = parseServerLine(joiner);
      next.delete(server.id);
      next.set(server.id, server);
    }
  }
  const servers = [...next.values()].sort((a, b) => a.id - b.id);
  if (servers.filter((s) => !s.observer).length < 2) throw badArguments('Reconfig failed - new configuration must include at least 2 followers');
  return servers;
}

function splitList(items: readonly string[]): string[] {
  return items.map((item) => item.trim()).filter((item) => item !== '');
}
