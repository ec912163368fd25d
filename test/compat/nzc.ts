// node-zookeeper-client 1.1.3 as the compat suite uses it: a fuller typed view than the shared
// test/support declaration (which covers the harness only), promise helpers that keep the
// error code, and an event queue for watchers. Nothing here sleeps: waits are on events, with deadlines.
import type { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';

export interface NzcStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

export interface NzcId {
  scheme: string;
  id: string;
}

export interface NzcAcl {
  permission: number;
  id: NzcId;
}

export interface NzcEvent {
  type: number;
  name: string;
  path: string;
}

export interface NzcError extends Error {
  code: number;
}

type Cb<T> = (error: NzcError | null, value: T) => void;
type Watcher = (event: NzcEvent) => void;

export interface NzcTransaction {
  create(path: string, data?: Buffer | null, acls?: NzcAcl[], mode?: number): NzcTransaction;
  check(path: string, version?: number): NzcTransaction;
  setData(path: string, data: Buffer | null, version?: number): NzcTransaction;
  remove(path: string, version?: number): NzcTransaction;
  commit(callback: (error: NzcError | null, results: Array<{ type: number; err?: number; path?: string; stat?: NzcStat }>) => void): void;
}

export interface NzcClient extends EventEmitter {
  connect(): void;
  close(): void;
  getSessionId(): Buffer;
  getSessionTimeout(): number;
  getState(): { name: string; code: number };
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer | null | undefined, acls: NzcAcl[], mode: number, callback: Cb<string>): void;
  remove(path: string, version: number, callback: (error: NzcError | null) => void): void;
  setData(path: string, data: Buffer | null, version: number, callback: Cb<NzcStat>): void;
  getData(path: string, watcher: Watcher | undefined, callback: (error: NzcError | null, data: Buffer | undefined, stat: NzcStat) => void): void;
  setACL(path: string, acls: NzcAcl[], version: number, callback: Cb<NzcStat>): void;
  getACL(path: string, callback: (error: NzcError | null, acls: NzcAcl[], stat: NzcStat) => void): void;
  exists(path: string, watcher: Watcher | undefined, callback: Cb<NzcStat | undefined>): void;
  getChildren(path: string, watcher: Watcher | undefined, callback: (error: NzcError | null, children: string[], stat: NzcStat) => void): void;
  mkdirp(path: string, callback: Cb<string>): void;
  removeRecursive(path: string, version: number, callback: (error: NzcError | null) => void): void;
  transaction(): NzcTransaction;
  /** Internal, used to drop the TCP connection from the client side. */
  connectionManager: { socket?: { destroy(): void } };
}

interface NzcLibrary {
  createClient(connectString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): NzcClient;
  ACL: (new (permission: number, id: NzcId) => NzcAcl) & { OPEN_ACL_UNSAFE: NzcAcl[]; READ_ACL_UNSAFE: NzcAcl[]; CREATOR_ALL_ACL: NzcAcl[] };
  Id: new (scheme: string, id: string) => NzcId;
  Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  Exception: Record<string, number>;
}

export const nzc = zookeeper as unknown as NzcLibrary;
export const { CreateMode, Permission } = nzc;
export const Code = nzc.Exception;

export const OPEN = nzc.ACL.OPEN_ACL_UNSAFE;
export const acl = (permission: number, scheme: string, id: string): NzcAcl => new nzc.ACL(permission, new nzc.Id(scheme, id));

/** Runs a callback API: resolves with its value, rejects with the client's error (which carries `code`). */
export function call<T>(invoke: (callback: (error: NzcError | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, value) => (error ? reject(error) : resolve(value))));
}

/** The error code an operation ends with (0 for success). */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    return code;
  }
}

export const sessionIdOf = (client: NzcClient): bigint => client.getSessionId().readBigInt64BE();
export const ownerOf = (stat: NzcStat): bigint => stat.ephemeralOwner.readBigInt64BE();

/** Resolves when `client` emits `event`, or rejects after the deadline. */
export function once(client: NzcClient, event: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, onEvent);
      reject(new Error(`no '${event}' from node-zookeeper-client within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once(event, onEvent);
  });
}

/** Watch events in arrival order; `next()` waits for one, with a deadline. */
export class EventQueue {
  private readonly events: NzcEvent[] = [];
  private waiter: (() => void) | undefined;

  /** A watcher function for getData/exists/getChildren. */
  readonly watcher = (event: NzcEvent): void => {
    this.events.push(event);
    this.waiter?.();
  };

  get pending(): readonly NzcEvent[] {
    return this.events;
  }

  async next(timeoutMs = 10_000): Promise<NzcEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.events.shift();
      if (event !== undefined) return event;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no watch event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }
}

/** A plain summary of an event: 'NODE_DATA_CHANGED /a'. */
export const describeEvent = (event: NzcEvent): string => `${event.name} ${event.path}`;
