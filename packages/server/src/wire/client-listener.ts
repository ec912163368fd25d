import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { juteMaxBufferDefault } from '@vivarium/protocol';
import { ConfigError, type Clock, type Engine } from '@vivarium/store';
import { fourLetterWordResponder, isFourLetterWord, type FourLetterContext } from './four-letter-words.ts';
import { WireConnection } from './wire-connection.ts';
import type { WireServerOptions } from './wire-server-options.ts';

/** A listening client port. */
export interface ClientListener {
  /** The address clients should use (the first one listened on). */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for any ZooKeeper client. */
  readonly connectString: string;
  /** Live client connections. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

/** The WireServerOptions keys that configure a client port; the others configure the member behind it. */
const listenerOptionKeys = [
  'clientPort', 'clientPortAddress', 'maxClientCnxns', 'frameBytesMax', 'outstandingRequestsMax', 'outputBytesMax',
  'fourLetterWordWhitelist', 'readOnlyModeEnabled', 'dataDir', 'dataLogDir', 'log',
] as const satisfies readonly (keyof WireServerOptions)[];

export type ListenerOptions = Pick<WireServerOptions, (typeof listenerOptionKeys)[number]>;

/** The client-port options set in `options`; unset ones are left out rather than copied as undefined. */
export function listenerOptionsOf(options: WireServerOptions): ListenerOptions {
  const picked: Record<string, unknown> = {};
  for (const key of listenerOptionKeys) if (options[key] !== undefined) picked[key] = options[key];
  return picked as ListenerOptions;
}

export interface ClientListenerOptions extends ListenerOptions {
  /** The member's engine as of now: a restarted member has a new one, and new connections go to it. */
  engine: () => Engine | undefined;
  clock: Clock;
  /** What srvr/stat/mntr report. */
  mode: () => 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';
}

interface ResolvedWireOptions {
  clientPort: number;
  listenAddresses: string[];
  maxClientCnxns: number;
  frameBytesMax: number;
  outstandingRequestsMax: number;
  outputBytesMax: number;
  whitelist: '*' | ReadonlySet<string>;
  readOnlyModeEnabled: boolean;
  dataDir: string;
  dataLogDir: string;
  log: (line: string) => void;
}

function integerIn(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new ConfigError(key, value, `an integer in ${min}..${max}`);
  return value;
}

function resolveWireOptions(options: Omit<ClientListenerOptions, 'engine' | 'clock' | 'mode'>): ResolvedWireOptions {
  const whitelistOption = options.fourLetterWordWhitelist ?? '*';
  let whitelist: '*' | ReadonlySet<string>;
  if (whitelistOption === '*') whitelist = '*';
  else {
    for (const word of whitelistOption) if (!isFourLetterWord(word)) throw new ConfigError('fourLetterWordWhitelist', word, 'a four-letter word Vivarium answers');
    whitelist = new Set(whitelistOption);
  }
  const address = options.clientPortAddress;
  // Embedded default: loopback on both families. An explicit any-address listens everywhere.
  const listenAddresses = address === undefined ? ['127.0.0.1', '::1'] : [address];
  return {
    clientPort: integerIn('clientPort', options.clientPort ?? 0, 0, 65535),
    listenAddresses,
    maxClientCnxns: integerIn('maxClientCnxns', options.maxClientCnxns ?? 60, 0, 1_000_000),
    frameBytesMax: integerIn('frameBytesMax', options.frameBytesMax ?? juteMaxBufferDefault, 1024, 0x7fffffff),
    outstandingRequestsMax: integerIn('outstandingRequestsMax', options.outstandingRequestsMax ?? 1000, 1, 1_000_000),
    outputBytesMax: integerIn('outputBytesMax', options.outputBytesMax ?? 64 * 1024 * 1024, 1024, 0x7fffffff),
    whitelist,
    readOnlyModeEnabled: options.readOnlyModeEnabled ?? false,
    dataDir: options.dataDir ?? '',
    dataLogDir: options.dataLogDir ?? options.dataDir ?? '',
    log: options.log ?? (() => undefined),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Serve the ZooKeeper client protocol on TCP for one member: any ZooKeeper
 * client connects unchanged. Used by a standalone server and by each member of
 * an ensemble.
 */
export async function listenForClients(options: ClientListenerOptions): Promise<ClientListener> {
  const wire = resolveWireOptions(options);
  const clock = options.clock;
  const connections = new Map<Socket, WireConnection & { remotePort: number }>();
  const connectionsPerAddress = new Map<string, number>();
  let packetsReceivedClosed = 0;
  let packetsSentClosed = 0;
  let boundPort = wire.clientPort;

  const context: FourLetterContext = {
    get engine() {
      return options.engine() as Engine;
    },
    connections: () => connections.values(),
    packetsReceived: () => packetsReceivedClosed + [...connections.values()].reduce((n, c) => n + c.packetsReceived, 0),
    packetsSent: () => packetsSentClosed + [...connections.values()].reduce((n, c) => n + c.packetsSent, 0),
    get mode() {
      return options.mode();
    },
    get readOnly() {
      return options.engine()?.isReadOnly ?? false;
    },
    get serving() {
      const engine = options.engine();
      return engine !== undefined && (engine.isServing || engine.isReadOnly);
    },
    get clientPort() {
      return boundPort;
    },
    dataDir: wire.dataDir,
    dataLogDir: wire.dataLogDir,
    maxClientCnxns: wire.maxClientCnxns,
    nowMs: () => clock.nowMs(),
  };
  const fourLetterWord = fourLetterWordResponder(wire.whitelist, context);

  const onSocket = (socket: Socket): void => {
    const remoteAddress = normalizeAddress(socket.remoteAddress ?? '0.0.0.0');
    const engine = options.engine();
    if (engine === undefined) {
      // The member is down: refuse, the client tries another server.
      socket.destroy();
      return;
    }
    const perAddress = connectionsPerAddress.get(remoteAddress) ?? 0;
    if (wire.maxClientCnxns !== 0 && perAddress >= wire.maxClientCnxns) {
      // ZooKeeper refuses the connection by closing it; the client retries.
      wire.log(`too many connections from ${remoteAddress} (maxClientCnxns=${wire.maxClientCnxns}); closing`);
      socket.destroy();
      return;
    }
    connectionsPerAddress.set(remoteAddress, perAddress + 1);
    socket.setNoDelay(true);
    const connection = Object.assign(
      new WireConnection(
        {
          engine,
          remoteAddress,
          frameBytesMax: wire.frameBytesMax,
          outstandingRequestsMax: wire.outstandingRequestsMax,
          fourLetterWord,
          log: wire.log,
          sink: {
            write: (bytes) => {
              if (socket.destroyed) return;
              socket.write(bytes);
              if (socket.writableLength > wire.outputBytesMax) {
                wire.log(`client ${remoteAddress} is not reading (${socket.writableLength} bytes queued > outputBytesMax); closing`);
                socket.destroy();
              }
            },
            end: () => socket.end(),
          },
        },
        clock.nowMs(),
      ),
      { remotePort: socket.remotePort ?? 0 },
    );
    connections.set(socket, connection);
    socket.on('data', (chunk: Buffer) => {
      try {
        connection.receive(chunk);
      } catch (error) {
        // A bug on one connection must not take the server down: report it and drop that connection.
        wire.log(`internal error on connection from ${remoteAddress}: ${error instanceof Error ? error.stack : String(error)}`);
        connection.close();
        socket.destroy();
      }
    });
    const forget = (): void => {
      if (!connections.has(socket)) return;
      connections.delete(socket);
      packetsReceivedClosed += connection.packetsReceived;
      packetsSentClosed += connection.packetsSent;
      const count = (connectionsPerAddress.get(remoteAddress) ?? 1) - 1;
      if (count <= 0) connectionsPerAddress.delete(remoteAddress);
      else connectionsPerAddress.set(remoteAddress, count);
      connection.transportClosed();
    };
    socket.on('close', forget);
    socket.on('error', () => socket.destroy());
  };

  const servers: Server[] = [];
  const listenedOn: string[] = [];
  try {
    for (const address of wire.listenAddresses) {
      const server = createNetServer({ noDelay: true }, onSocket);
      try {
        boundPort = await listen(server, address, boundPort);
        servers.push(server);
        listenedOn.push(address);
      } catch (error) {
        // The embedded default also tries ::1; a machine without IPv6 loopback serves IPv4 only.
        const code = (error as NodeJS.ErrnoException).code;
        if (options.clientPortAddress === undefined && address === '::1' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        throw error;
      }
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }

  const host = listenedOn[0] === '::1' || listenedOn[0] === '::' ? '::1' : listenedOn[0] === '0.0.0.0' ? '127.0.0.1' : (listenedOn[0] as string);
  const hostForConnectString = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    host,
    port: boundPort,
    connectString: `${hostForConnectString}:${boundPort}`,
    get connectionCount() {
      return connections.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      const closing = servers.map(closeServer);
      for (const [socket, connection] of connections) {
        connection.close();
        socket.destroy();
      }
      await Promise.all(closing);
    },
  };
}

/** Node reports IPv4 peers on a dual-stack socket as ::ffff:a.b.c.d; ZooKeeper (Java) sees a.b.c.d. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
