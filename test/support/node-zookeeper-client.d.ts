// Minimal types for node-zookeeper-client 1.1.3 (it ships none): only what test/support uses.
// Longs (zxids, times, session ids) arrive as 8-byte big-endian Buffers.
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export interface Stat {
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

  export interface Id {
    scheme: string;
    id: string;
  }

  export interface ACL {
    permission: number;
    id: Id;
  }

  /** Errors carry ZooKeeper's numeric code. */
  export interface Exception extends Error {
    code: number;
    getCode(): number;
  }

  type Callback<T> = (error: Exception | null, value: T) => void;
  type Watcher = (event: unknown) => void;

  export interface Transaction {
    create(path: string, data?: Buffer, acls?: ACL[], mode?: number): Transaction;
    check(path: string, version?: number): Transaction;
    setData(path: string, data: Buffer | null, version?: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(callback: (error: Exception | null, results: Array<{ type: number; err?: number }>) => void): void;
  }

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    /** The connection state: name is e.g. 'SYNC_CONNECTED', 'DISCONNECTED', 'EXPIRED'. */
    getState(): { name: string; code: number };
    addAuthInfo(scheme: string, auth: Buffer): void;
    create(path: string, data: Buffer | undefined, acls: ACL[], mode: number, callback: Callback<string>): void;
    remove(path: string, version: number, callback: (error: Exception | null) => void): void;
    setData(path: string, data: Buffer | null, version: number, callback: Callback<Stat>): void;
    getData(path: string, callback: (error: Exception | null, data: Buffer | undefined, stat: Stat) => void): void;
    getData(path: string, watcher: Watcher, callback: (error: Exception | null, data: Buffer | undefined, stat: Stat) => void): void;
    getACL(path: string, callback: (error: Exception | null, acls: ACL[], stat: Stat) => void): void;
    exists(path: string, callback: Callback<Stat | undefined>): void;
    exists(path: string, watcher: Watcher, callback: Callback<Stat | undefined>): void;
    getChildren(path: string, callback: (error: Exception | null, children: string[], stat: Stat) => void): void;
    transaction(): Transaction;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    /** Reattach to an existing session (8-byte big-endian id and its 16-byte password). */
    sessionId?: Buffer;
    sessionPassword?: Buffer;
    spinDelay?: number;
    retries?: number;
  }

  const zookeeper: {
    createClient(connectString: string, options?: ClientOptions): Client;
    ACL: { OPEN_ACL_UNSAFE: ACL[]; CREATOR_ALL_ACL: ACL[]; READ_ACL_UNSAFE: ACL[] };
    CreateMode: { PERSISTENT: 0; EPHEMERAL: 1; PERSISTENT_SEQUENTIAL: 2; EPHEMERAL_SEQUENTIAL: 3 };
    Exception: Record<string, number>;
  };
  export default zookeeper;
}
