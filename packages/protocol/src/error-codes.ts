/**
 * ZooKeeper's error codes (KeeperException.Code), the one registry in Vivarium.
 * Errors cross workers and the wire as these numbers, so they are decoded by code.
 */
export const ErrorCode = {
  ok: 0,
  systemError: -1,
  runtimeInconsistency: -2,
  dataInconsistency: -3,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  unknownSession: -12,
  newConfigNoQuorum: -13,
  reconfigInProgress: -14,
  apiError: -100,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidCallback: -113,
  invalidAcl: -114,
  authFailed: -115,
  sessionMoved: -118,
  notReadOnly: -119,
  ephemeralOnLocalSession: -120,
  noWatcher: -121,
  requestTimeout: -122,
  reconfigDisabled: -123,
  sessionClosedRequireSaslAuth: -124,
  quotaExceeded: -125,
  throttledOp: -127,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

/** ZooKeeper's own upper-case names, as Java's KeeperException.Code prints them. */
const wireNameByCode = new Map<number, string>([
  [0, 'OK'], [-1, 'SYSTEMERROR'], [-2, 'RUNTIMEINCONSISTENCY'], [-3, 'DATAINCONSISTENCY'],
  [-4, 'CONNECTIONLOSS'], [-5, 'MARSHALLINGERROR'], [-6, 'UNIMPLEMENTED'], [-7, 'OPERATIONTIMEOUT'],
  [-8, 'BADARGUMENTS'], [-12, 'UNKNOWNSESSION'], [-13, 'NEWCONFIGNOQUORUM'], [-14, 'RECONFIGINPROGRESS'],
  [-100, 'APIERROR'], [-101, 'NONODE'], [-102, 'NOAUTH'], [-103, 'BADVERSION'],
  [-108, 'NOCHILDRENFOREPHEMERALS'], [-110, 'NODEEXISTS'], [-111, 'NOTEMPTY'], [-112, 'SESSIONEXPIRED'],
  [-113, 'INVALIDCALLBACK'], [-114, 'INVALIDACL'], [-115, 'AUTHFAILED'], [-118, 'SESSIONMOVED'],
  [-119, 'NOTREADONLY'], [-120, 'EPHEMERALONLOCALSESSION'], [-121, 'NOWATCHER'], [-122, 'REQUESTTIMEOUT'],
  [-123, 'RECONFIGDISABLED'], [-124, 'SESSIONCLOSEDREQUIRESASLAUTH'], [-125, 'QUOTAEXCEEDED'],
  [-127, 'THROTTLEDOP'],
]);

export function errorCodeWireName(code: number): string {
  return wireNameByCode.get(code) ?? `UNKNOWN(${code})`;
}

export function isKnownErrorCode(code: number): boolean {
  return wireNameByCode.has(code);
}

/**
 * An operating error: something ZooKeeper itself reports with a code.
 * Broken invariants are not ZooKeeperErrors; they are assertion failures.
 */
export class ZooKeeperError extends Error {
  readonly code: number;
  readonly path: string | undefined;

  constructor(code: number, options: { path?: string; detail?: string } = {}) {
    const where = options.path === undefined ? '' : ` for ${options.path}`;
    const detail = options.detail === undefined ? '' : `: ${options.detail}`;
    super(`${errorCodeWireName(code)} (${code})${where}${detail}`);
    this.name = 'ZooKeeperError';
    this.code = code;
    this.path = options.path;
  }
}

export function isZooKeeperError(value: unknown, code?: number): value is ZooKeeperError {
  return value instanceof ZooKeeperError && (code === undefined || value.code === code);
}
