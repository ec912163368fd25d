/** One quorum address of a `server.N` line: where the member talks to the leader and votes. */
export interface QuorumAddress {
  host: string;
  quorumPort: number;
  electionPort: number;
}

/**
 * A parsed `server.N=host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]`
 * line. Kept for the ensemble issue; a standalone Vivarium does not use it yet.
 */
export interface QuorumServerSpec {
  id: number;
  /** One entry, or several when multiAddress.enabled allows `addr|addr`. */
  addresses: readonly QuorumAddress[];
  role: 'participant' | 'observer';
  /** Undefined: all interfaces (ZooKeeper's 0.0.0.0), or no client address at all when clientPort is undefined. */
  clientHost: string | undefined;
  clientPort: number | undefined;
}

/** Thrown for a malformed line; the caller turns it into a ConfigError naming the key. */
export type Reject = (expected: string) => never;

export const quorumServerLineFormat = 'host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]';

/** Split `host:port:...` or `[ipv6]:port:...` into its parts, as ZooKeeper's ConfigUtils does. */
export function splitHostAndPorts(text: string, reject: Reject): string[] {
  if (!text.startsWith('[')) return text.split(':');
  const close = text.indexOf(']');
  if (close < 0) reject(`an IPv6 address closed by ']'`);
  const host = text.slice(1, close);
  const rest = text.slice(close + 1);
  if (rest === '') return [host];
  if (!rest.startsWith(':')) reject(`':' after the IPv6 address [${host}]`);
  return [host, ...rest.slice(1).split(':')];
}

/** A Java Integer.parseInt-style port in 0..65535. */
export function parsePort(text: string, what: string, reject: Reject): number {
  const port = Number(text);
  if (!/^[+-]?\d+$/.test(text) || port < 0 || port > 65535) reject(`${what} in 0..65535`);
  return port;
}

export function parseRole(text: string, reject: Reject): 'participant' | 'observer' {
  const role = text.toLowerCase();
  if (role === 'participant' || role === 'observer') return role;
  return reject(`a role of participant or observer`);
}

/**
 * Parse the value of a `server.N` line. `id` is N, already checked by the caller.
 * `multiAddressEnabled` mirrors ZooKeeper: `a|b` addresses are refused unless it is set.
 */
export function parseQuorumServerLine(id: number, value: string, multiAddressEnabled: boolean, reject: Reject): QuorumServerSpec {
  const sections = value.split(';');
  if (sections.length > 2) reject(quorumServerLineFormat);
  const [serverSection = '', clientSection] = sections;
  const addressTexts = serverSection.split('|');
  if (addressTexts.length > 1 && !multiAddressEnabled) reject(`one address (several need multiAddress.enabled=true)`);
  const addresses: QuorumAddress[] = [];
  let role: 'participant' | 'observer' | undefined;
  for (const addressText of addressTexts) {
    const parts = splitHostAndPorts(addressText.trim(), reject);
    if (parts.length < 3 || parts.length > 4) reject(quorumServerLineFormat);
    const [host = '', quorumPortText = '', electionPortText = '', roleText] = parts;
    if (host === '') reject(`a host name in ${quorumServerLineFormat}`);
    const addressRole = roleText === undefined ? 'participant' : parseRole(roleText, reject);
    if (role !== undefined && role !== addressRole) reject('the same role for every address');
    role = addressRole;
    addresses.push({
      host,
      quorumPort: parsePort(quorumPortText, 'the quorum port', reject),
      electionPort: parsePort(electionPortText, 'the election port', reject),
    });
  }
  let clientHost: string | undefined;
  let clientPort: number | undefined;
  if (clientSection !== undefined) {
    const parts = splitHostAndPorts(clientSection.trim(), reject);
    if (parts.length === 1) clientPort = parsePort(parts[0] ?? '', 'the client port', reject);
    else if (parts.length === 2) {
      clientHost = parts[0];
      clientPort = parsePort(parts[1] ?? '', 'the client port', reject);
    } else reject(`a client address of port or host:port`);
    if (addresses.some((address) => address.electionPort === clientPort)) reject('a client port different from the election port');
  }
  return { id, addresses, role: role ?? 'participant', clientHost, clientPort };
}
