import type { Random } from '@vivarium/store';
import { validatePath } from '@vivarium/store';

/** One server address of a connect string. */
export interface HostAndPort {
  /** A host name or IP address; an IPv6 address without its brackets. */
  host: string;
  port: number;
}

export interface ParsedConnectString {
  /** The servers, in the order written (or shuffled, when a Random was given). */
  hosts: HostAndPort[];
  /** The chroot suffix, or undefined when there is none (or it is just "/"). */
  chroot: string | undefined;
}

export interface ParseConnectStringOptions {
  /**
   * Shuffle the hosts with this generator, as the Java client's StaticHostProvider does
   * (so clients spread over an ensemble). Without it the hosts keep their written order.
   */
  random?: Random;
}

/** ZooKeeper's client port, used when a host names none. */
export const defaultClientPort = 2181;

/**
 * Parses `host1:port1,host2:port2[,...][/chroot]` as the Java client's ConnectStringParser does:
 * - the chroot is everything from the first '/', and must be a valid znode path ("/" alone means none);
 * - hosts are split on ',', each trimmed, empty entries skipped;
 * - `[v6addr]` or `[v6addr]:port` is an IPv6 address (NetUtils.getIPV6HostAndPort);
 * - otherwise the port follows the last ':'; no port, or a ':' at the end, means 2181.
 * Unlike Java, a bad port or an empty host is refused here rather than at connect time.
 */
export function parseConnectString(connectString: string, options: ParseConnectStringOptions = {}): ParsedConnectString {
  const fail = (why: string): never => {
    throw new TypeError(`invalid ZooKeeper connect string ${JSON.stringify(connectString)}: ${why}`);
  };
  if (typeof connectString !== 'string') fail('not a string');

  let hostList = connectString;
  let chroot: string | undefined;
  const slash = connectString.indexOf('/');
  if (slash >= 0) {
    const suffix = connectString.slice(slash);
    hostList = connectString.slice(0, slash);
    if (suffix !== '/') {
      try {
        validatePath(suffix);
      } catch (error) {
        fail(`bad chroot: ${error instanceof Error ? error.message : String(error)}`);
      }
      chroot = suffix;
    }
  }

  const hosts: HostAndPort[] = [];
  for (const rawEntry of hostList.split(',')) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    hosts.push(parseHostAndPort(entry, fail));
  }
  if (hosts.length === 0) fail('no host');

  const random = options.random;
  if (random !== undefined) {
    // Fisher-Yates with the injected generator: the same seed gives the same order.
    for (let i = hosts.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      const swap = hosts[i] as HostAndPort;
      hosts[i] = hosts[j] as HostAndPort;
      hosts[j] = swap;
    }
  }
  return { hosts, chroot };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function parseHostAndPort(entry: string, fail: (why: string) => never): HostAndPort {
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.lastIndexOf(']');
    if (close < 0) fail(`${JSON.stringify(entry)} starts with '[' but has no matching ']'`);
    host = entry.slice(1, close);
    if (host === '') fail(`${JSON.stringify(entry)} has an empty IPv6 address`);
    if (entry.length > close + 1) {
      if (entry[close + 1] !== ':') fail(`${JSON.stringify(entry)} does not have ':' after ']'`);
      portText = entry.slice(close + 2);
      if (portText === '') fail(`${JSON.stringify(entry)} has no port after ':'`);
    }
  } else {
    const colon = entry.lastIndexOf(':');
    host = colon >= 0 ? entry.slice(0, colon) : entry;
    // A ':' at the very end is ignored, as in Java: the default port applies.
    if (colon >= 0 && colon < entry.length - 1) portText = entry.slice(colon + 1);
    if (host === '') fail(`${JSON.stringify(entry)} has an empty host`);
  }
  let port = defaultClientPort;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) fail(`${JSON.stringify(entry)} has a bad port ${JSON.stringify(portText)}`);
    port = Number(portText);
    if (port < 1 || port > 65535) fail(`${JSON.stringify(entry)} has port ${port}, outside 1..65535`);
  }
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 address: the inverse of one connect-string entry. */
export function formatHostAndPort(address: HostAndPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
