/**
 * The `ip` auth scheme (ZooKeeper's IPAuthenticationProvider; IPv6 arrived in 3.8.4/3.9.2 with
 * ZOOKEEPER-4240, checked against 3.9.5).
 *
 * ZooKeeper's rules kept here:
 * - An address with a ':' is IPv6, else one with a '.' is IPv4, else it is no address.
 * - IPv4 is four dot-separated decimal numbers 0..255, each read by Java's Integer.parseInt:
 *   leading zeros are decimal ("010" is 10) and a sign is allowed ("+1", "-0").
 * - IPv6 groups are at most 4 characters read by Integer.parseInt(group, 16) (so "-1" is ffff);
 *   a single "::" stands for at least one zero group.
 * - An ACL id is `address` or `address/bits`, bits 0..32 (IPv4) or 0..128 (IPv6); without bits the
 *   whole address must match. Both sides are masked to `bits` and compared byte for byte, and an
 *   IPv4 client never matches an IPv6 ACL, nor the reverse (`matches` compares lengths).
 * - An ACL id whose IPv6 address ends in a dotted IPv4 tail ("::ffff:10.0.0.1") is invalid: ZooKeeper's
 *   IPv6 parser reads only hex groups. (Client addresses may have such a tail; see below.)
 * - A scope/zone suffix ("fe80::1%eth0") is not an address: such an ACL is invalid and such a
 *   client matches no ip ACL, as in ZooKeeper.
 * - Not copied: Java's parseInt also takes non-ASCII digits (fullwidth, Arabic-Indic ...); only
 *   ASCII digits are accepted here.
 *
 * IPv4-mapped clients: a JVM listening on a dual-stack socket reports an IPv4 peer as an
 * Inet4Address, so ZooKeeper sees "1.2.3.4", never "::ffff:1.2.3.4". Node reports "::ffff:1.2.3.4"
 * on such a socket. `normalizeClientAddress` (and `ipAclMatches` for the client side) turns a
 * mapped address back into IPv4, so the client matches IPv4 ACLs and no IPv6 ACL, as on ZooKeeper.
 */

/**
 * The 4 (IPv4) or 16 (IPv6) bytes of a client address, or undefined when it is not one.
 * This is the full parser: an IPv6 address may end in a dotted IPv4 tail ("::ffff:1.2.3.4").
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return parseAddress(text, true);
}

function parseAddress(text: string, allowIpv4Tail: boolean): Uint8Array | undefined {
  if (text.indexOf(':') !== -1) return parseIpv6(text, allowIpv4Tail);
  if (text.indexOf('.') === -1) return undefined;
  const bytes = new Uint8Array(4);
  return parseIpv4(text, bytes, 0) ? bytes : undefined;
}

/** Whether `id` is a valid ip ACL id: an IPv4 or IPv6 address with an optional `/bits`. */
export function isValidIpAcl(id: string): boolean {
  return parseIpAcl(id) !== undefined;
}

/**
 * Whether a connection whose ip id is `clientAddress` matches the ip ACL id `aclId`.
 * An invalid ACL id or client address matches nothing.
 */
export function ipAclMatches(aclId: string, clientAddress: string): boolean {
  const acl = parseIpAcl(aclId);
  if (acl === undefined) return false;
  const client = clientBytesOf(clientAddress);
  if (client === undefined || client.length !== acl.address.length) return false;
  const bits = acl.bits;
  const fullBytes = bits >> 3;
  for (let i = 0; i < fullBytes; i++) if (client[i] !== acl.address[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (client[fullBytes]! & mask) === (acl.address[fullBytes]! & mask);
}

/**
 * The ip id ZooKeeper would record for a peer address as Node reports it (Java's
 * `InetAddress.getHostAddress()`): IPv4 stays dotted; an IPv4-mapped IPv6 address becomes its
 * IPv4 form; other IPv6 addresses become eight lower-case hex groups without leading zeros and
 * without "::" ("::1" -> "0:0:0:0:0:0:0:1"), keeping any "%zone" suffix. Text that is no address
 * is returned unchanged.
 */
export function normalizeClientAddress(address: string): string {
  const percent = address.indexOf('%');
  const bare = percent === -1 ? address : address.slice(0, percent);
  const bytes = parseIpAddress(bare);
  if (bytes === undefined) return address;
  if (bytes.length === 4) return percent === -1 ? formatIpv4(bytes, 0) : address;
  if (isIpv4Mapped(bytes)) return formatIpv4(bytes, 12);
  let text = '';
  for (let i = 0; i < 16; i += 2) {
    if (i > 0) text += ':';
    text += ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
  }
  return percent === -1 ? text : text + address.slice(percent);
}

interface IpAcl {
  readonly address: Uint8Array;
  readonly bits: number;
}

function parseIpAcl(id: string): IpAcl | undefined {
  const slash = id.indexOf('/');
  const address = parseAddress(slash === -1 ? id : id.slice(0, slash), false);
  if (address === undefined) return undefined;
  const maxBits = address.length * 8;
  if (slash === -1) return { address, bits: maxBits };
  const bits = parseDecimal(id, slash + 1, id.length, maxBits);
  return bits === undefined ? undefined : { address, bits };
}

/** The client side of a match: a mapped IPv6 client counts as the IPv4 address it carries. */
function clientBytesOf(clientAddress: string): Uint8Array | undefined {
  const bytes = parseIpAddress(clientAddress);
  return bytes !== undefined && bytes.length === 16 && isIpv4Mapped(bytes) ? bytes.subarray(12) : bytes;
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function formatIpv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]!}.${bytes[offset + 1]!}.${bytes[offset + 2]!}.${bytes[offset + 3]!}`;
}

/**
 * text[start, end) as Java's Integer.parseInt reads it (an optional sign, then ASCII decimal
 * digits), when the value lies in 0..max; undefined otherwise. So "010" is 10 and "+8" and "-0"
 * are accepted, as ZooKeeper accepts them.
 */
function parseDecimal(text: string, start: number, end: number, max: number): number | undefined {
  const sign = text.charCodeAt(start);
  const negative = sign === 0x2d;
  const first = negative || sign === 0x2b ? start + 1 : start;
  if (first >= end) return undefined;
  let value = 0;
  for (let i = first; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
    if (value > max || (negative && value !== 0)) return undefined;
  }
  return value;
}

/** Parses dotted IPv4 text into out[offset..offset+4). */
function parseIpv4(text: string, out: Uint8Array, offset: number): boolean {
  let start = 0;
  for (let part = 0; part < 4; part++) {
    let end = text.indexOf('.', start);
    if (part === 3) {
      if (end !== -1) return false;
      end = text.length;
    } else if (end === -1) {
      return false;
    }
    const value = parseDecimal(text, start, end, 255);
    if (value === undefined) return false;
    out[offset + part] = value;
    start = end + 1;
  }
  return true;
}

function parseIpv6(text: string, allowIpv4Tail: boolean): Uint8Array | undefined {
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const headGroups = head.length === 0 ? [] : head.split(':');
  const tailGroups = tail.length === 0 ? [] : tail.split(':');

  // Only the address's last group may be a dotted IPv4 tail, worth two groups.
  const lastGroups = gap === -1 ? headGroups : tailGroups;
  const last = lastGroups[lastGroups.length - 1];
  const hasIpv4Tail = allowIpv4Tail && last !== undefined && last.indexOf('.') !== -1;
  const groupCount = headGroups.length + tailGroups.length + (hasIpv4Tail ? 1 : 0);
  if (gap === -1 ? groupCount !== 8 : groupCount > 7) return undefined;

  const bytes = new Uint8Array(16);
  if (!writeGroups(headGroups, bytes, 0, gap === -1 && hasIpv4Tail)) return undefined;
  const tailStart = 16 - (tailGroups.length + (gap !== -1 && hasIpv4Tail ? 1 : 0)) * 2;
  if (!writeGroups(tailGroups, bytes, tailStart, gap !== -1 && hasIpv4Tail)) return undefined;
  return bytes;
}

/** Writes hex groups from `offset`; when `ipv4Last`, the final group is dotted IPv4 (4 bytes). */
function writeGroups(groups: readonly string[], bytes: Uint8Array, offset: number, ipv4Last: boolean): boolean {
  let at = offset;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (ipv4Last && g === groups.length - 1) return parseIpv4(group, bytes, at);
    const value = parseHexGroup(group);
    if (value === undefined) return false;
    bytes[at++] = value >> 8;
    bytes[at++] = value & 0xff;
  }
  return true;
}

/**
 * One IPv6 group as ZooKeeper reads it: at most 4 characters, parsed by Integer.parseInt(group, 16),
 * which allows a sign; the group is the value's low 16 bits, so "-1" is ffff.
 */
function parseHexGroup(group: string): number | undefined {
  if (group.length === 0 || group.length > 4) return undefined;
  const sign = group.charCodeAt(0);
  const negative = sign === 0x2d;
  const first = negative || sign === 0x2b ? 1 : 0;
  if (first === group.length) return undefined;
  let value = 0;
  for (let i = first; i < group.length; i++) {
    const c = group.charCodeAt(i);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return undefined;
    value = (value << 4) | digit;
  }
  return negative ? -value & 0xffff : value;
}
