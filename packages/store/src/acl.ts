/**
 * Auth schemes and ACL decisions, as ZooKeeper makes them (checked against 3.8.4 and 3.9.5):
 * ProviderRegistry, ZooKeeperServer.checkACL and processPacket (auth), PrepRequestProcessor.fixupACL,
 * FinalRequestProcessor (getACL, whoAmI) and AuthUtil.getClientInfos.
 *
 * The registry holds exactly the two providers a default ZooKeeper registers: `ip` and `digest`.
 * `world`, `super` and `auth` are NOT providers there, which is why addauth with them fails, an ACL
 * `world:<not anyone>` or `super:...` is INVALIDACL, and `auth` expansion skips `super` ids.
 */
import type { Acl, Id } from '@vivarium/protocol';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { digestOfAuthBytes, digestUserOf, isValidDigestAcl } from './auth-digest.ts';
import { ipAclMatches, isValidIpAcl, normalizeClientAddress } from './auth-ip.ts';

/**
 * A connection's auth ids, in the order they were added. Every connection starts with
 * `{scheme:'ip', id: address}`; digest auth adds `{scheme:'digest', id:'user:<hash>'}`, and a
 * super-digest match also adds `{scheme:'super', id:''}`.
 *
 * ZooKeeper keeps these in a ConcurrentHashMap-backed Set (ServerCnxn.authInfo): no duplicates, but
 * iterated in hash order. Vivarium uses insertion order (see `withAuthIds`), so `auth` expansion in
 * fixupAcl and the WhoAmI list come out in the order the ids were added; ZooKeeper's order differs
 * and is not something clients can rely on.
 */
export type AuthIds = readonly Id[];

/** What a scheme's provider decides (ZooKeeper's AuthenticationProvider, minus handleAuthentication). */
interface AuthSchemeProvider {
  /** Whether `auth` ACL entries expand to this scheme's ids (isAuthenticated). */
  readonly isAuthenticated: boolean;
  isValid(aclId: string): boolean;
  matches(authId: string, aclId: string): boolean;
  /** The user WhoAmI reports (getUserName; the default is the id itself). */
  userOf(authId: string): string;
}

const providers: ReadonlyMap<string, AuthSchemeProvider> = new Map<string, AuthSchemeProvider>([
  // IPAuthenticationProvider: isAuthenticated() is false, so `auth` never expands to the ip id.
  [
    'ip',
    { isAuthenticated: false, isValid: isValidIpAcl, matches: (authId, aclId) => ipAclMatches(aclId, authId), userOf: (id) => id },
  ],
  // DigestAuthenticationProvider: matches is plain string equality.
  [
    'digest',
    { isAuthenticated: true, isValid: isValidDigestAcl, matches: (authId, aclId) => authId === aclId, userOf: digestUserOf },
  ],
]);

/** The auth ids a new connection from `clientAddress` starts with (NIOServerCnxn/NettyServerCnxn). */
export function connectionAuthIds(clientAddress: string): Id[] {
  return [{ scheme: 'ip', id: normalizeClientAddress(clientAddress) }];
}

/**
 * The connection's ids after adding `added`, keeping ZooKeeper's set semantics (an id already
 * present is not added twice) and insertion order.
 */
export function withAuthIds(current: AuthIds, added: readonly Id[]): Id[] {
  const result = current.slice();
  for (const id of added) {
    if (!result.some((held) => held.scheme === id.scheme && held.id === id.id)) result.push(id);
  }
  return result;
}

export interface AuthenticateOptions {
  /** `zookeeper.DigestAuthenticationProvider.superDigest`, e.g. "super:D/InIHSb7yEEbrWz8b9l71RjZJU=". */
  superDigest?: string;
  /** The connection's peer address, for `addauth ip`. */
  clientAddress?: string;
}

/**
 * The ids a successful addauth adds, or undefined for AUTHFAILED (the server then replies -115
 * and closes the connection; ZooKeeperServer.processPacket).
 *
 * - `digest` always succeeds: `[super, digest]` when the digest equals `superDigest` (the super
 *   id first, as DigestAuthenticationProvider builds the list), else `[digest]`.
 * - `ip` succeeds: IPAuthenticationProvider.handleAuthentication ignores the auth bytes and adds
 *   the connection's own address, which the connection already holds. Without `clientAddress`
 *   this returns [] (success, nothing new).
 * - Anything else (`world`, `super`, `auth`, `sasl`, unknown) has no provider: AUTHFAILED.
 */
export function authenticate(scheme: string, auth: Uint8Array, options: AuthenticateOptions): Id[] | undefined {
  if (scheme === 'digest') {
    const digest = digestOfAuthBytes(auth);
    const digestId: Id = { scheme: 'digest', id: digest };
    return options.superDigest !== undefined && digest === options.superDigest
      ? [{ scheme: 'super', id: '' }, digestId]
      : [digestId];
  }
  if (scheme === 'ip') {
    return options.clientAddress === undefined ? [] : connectionAuthIds(options.clientAddress);
  }
  return undefined;
}

export interface CheckAclOptions {
  /** `zookeeper.skipACL=yes`: every check passes. */
  skipAcl: boolean;
}

/**
 * Whether a connection holding `authIds` may do something needing `needPerm` on a node with `acl`
 * (ZooKeeperServer.checkACL; false means NOAUTH, -102). In order: skipAcl passes; a null or empty
 * ACL passes; any `super` id passes; otherwise some entry with `(perms & needPerm) !== 0` must be
 * `world:anyone` or match one of the connection's ids of the same scheme through that scheme's
 * provider. Entries of schemes without a provider match nothing. `needPerm` may combine bits
 * (getACL asks for READ|ADMIN): any one of them suffices.
 */
export function checkAcl(acl: readonly Acl[] | null, authIds: AuthIds, needPerm: number, options: CheckAclOptions): boolean {
  if (options.skipAcl) return true;
  if (acl === null || acl.length === 0) return true;
  for (const held of authIds) if (held.scheme === 'super') return true;
  for (const entry of acl) {
    if ((entry.perms & needPerm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') return true;
    const provider = providers.get(scheme);
    if (provider === undefined) continue;
    for (const held of authIds) {
      if (held.scheme === scheme && provider.matches(held.id, id)) return true;
    }
  }
  return false;
}

/**
 * Checks and expands an ACL given to create or setACL (PrepRequestProcessor.fixupACL), throwing
 * INVALIDACL (-114):
 * 1. Exact duplicates (same perms, scheme and id) are dropped first, keeping the first occurrence
 *    in its place (removeDuplicates). A null or empty list is INVALIDACL.
 * 2. `world:anyone` is kept. `world` with any other id falls through to the registry, which has no
 *    `world` provider: INVALIDACL.
 * 3. `auth:<anything>` is replaced, in place, by one entry with its perms for each of the
 *    connection's ids whose provider isAuthenticated (digest; not ip; not super, which has no
 *    provider). None: INVALIDACL. The expansion is not de-duplicated again: `auth` next to an
 *    explicit equal digest entry leaves both, as in ZooKeeper.
 * 4. Any other scheme needs a provider whose isValid(id) holds: digest needs exactly one ':'
 *    (ignoring trailing ones), ip an address with optional /bits. `super` and unknown schemes:
 *    INVALIDACL.
 * Perms are not checked: ZooKeeper stores any int, 0 included.
 */
export function fixupAcl(acl: readonly Acl[] | null, authIds: AuthIds, path?: string): Acl[] {
  const invalid = (detail: string): ZooKeeperError => new ZooKeeperError(ErrorCode.invalidAcl, { path, detail });
  if (acl === null || acl.length === 0) throw invalid('empty ACL');

  const seen = new Set<string>();
  const result: Acl[] = [];
  for (const entry of acl as readonly (Acl | null)[]) {
    // The wire can carry null strings; ZooKeeper rejects a null ACL, id or scheme.
    const id = entry?.id as Id | null | undefined;
    if (entry === null || id === null || id === undefined || typeof id.scheme !== 'string' || typeof id.id !== 'string') {
      throw invalid('null ACL entry, id or scheme');
    }
    const key = `${entry.perms}:${id.scheme.length}:${id.scheme}${id.id}`;
    if (seen.has(key)) continue;
    seen.add(key);

    if (id.scheme === 'world' && id.id === 'anyone') {
      result.push({ perms: entry.perms, id: { scheme: id.scheme, id: id.id } });
    } else if (id.scheme === 'auth') {
      let expanded = false;
      for (const held of authIds) {
        if (providers.get(held.scheme)?.isAuthenticated === true) {
          result.push({ perms: entry.perms, id: { scheme: held.scheme, id: held.id } });
          expanded = true;
        }
      }
      if (!expanded) throw invalid('auth scheme used by a connection with no authenticated id');
    } else {
      const provider = providers.get(id.scheme);
      if (provider === undefined) throw invalid(`no provider for scheme ${JSON.stringify(id.scheme)}`);
      if (!provider.isValid(id.id)) throw invalid(`invalid ${id.scheme} id ${JSON.stringify(id.id)}`);
      result.push({ perms: entry.perms, id: { scheme: id.scheme, id: id.id } });
    }
  }
  return result;
}

/**
 * The ACL getACL returns. Without ADMIN on the node (the caller has READ, or the request would
 * have failed), every digest id is masked: FinalRequestProcessor applies Java's
 * `id.replaceAll(":.*", ":x")`, so "user:hash" becomes "user:x"; '.' there stops at line
 * terminators, so text after a newline keeps its own first ':' masked separately, which the
 * regular expression below reproduces. Other schemes are returned as stored.
 */
export function maskAclForReader(acl: readonly Acl[], canAdmin: boolean): readonly Acl[] {
  if (canAdmin) return acl;
  return acl.map((entry) =>
    entry.id.scheme === 'digest'
      ? { perms: entry.perms, id: { scheme: 'digest', id: entry.id.id.replace(javaColonToLineEnd, ':x') } }
      : entry,
  );
}

/** Java's ":.*": a ':' then any characters but \n, \r, \u0085, \u2028 and \u2029. */
const javaColonToLineEnd = /:[^\n\r\u0085\u2028\u2029]*/g;

/**
 * The WhoAmI answer (AuthUtil.getClientInfos): one ClientInfo per auth id, given here as protocol
 * `Id`s with `scheme` = authScheme and `id` = user. The user is the provider's getUserName: the
 * address for ip, the part before the first ':' for digest; a scheme without a provider (super)
 * reports "".
 */
export function whoAmIOf(authIds: AuthIds): Id[] {
  return authIds.map((held) => ({ scheme: held.scheme, id: providers.get(held.scheme)?.userOf(held.id) ?? '' }));
}
