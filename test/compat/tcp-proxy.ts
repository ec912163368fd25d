// A loopback TCP proxy that a test can cut: `cut()` drops every proxied connection and holds new
// ones (accepted, not forwarded: bytes wait in the socket) until `release()` forwards them. So a
// client's reconnect is parked while the test changes data behind its back, with no sleeping.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly port: number;
  private readonly server: Server;
  private readonly target: { host: string; port: number };
  private readonly live = new Set<Socket>();
  private held: Socket[] = [];
  private holding = false;
  private accepted = 0;
  private acceptWaiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(server: Server, target: { host: string; port: number }) {
    this.server = server;
    this.target = target;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const proxy = new TcpProxy(server, target);
    server.on('connection', (socket) => proxy.onConnection(socket));
    return proxy;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Client connections accepted so far (held ones included). */
  get acceptedCount(): number {
    return this.accepted;
  }

  /** Resolves once `count` client connections have been accepted in total. */
  waitForAccepted(count: number): Promise<void> {
    if (this.accepted >= count) return Promise.resolve();
    return new Promise((resolve) => this.acceptWaiters.push({ count, resolve }));
  }

  /** Drop every proxied connection (both sides) and hold new ones until release(). */
  cut(): void {
    this.holding = true;
    for (const socket of this.live) socket.destroy();
    this.live.clear();
  }

  /** Forward the held connections and every new one. */
  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const socket of held) this.forward(socket);
  }

  async close(): Promise<void> {
    for (const socket of [...this.live, ...this.held]) socket.destroy();
    this.live.clear();
    this.held = [];
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    this.accepted++;
    socket.on('error', () => socket.destroy());
    for (const waiter of this.acceptWaiters.filter((w) => this.accepted >= w.count)) {
      this.acceptWaiters.splice(this.acceptWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (this.holding) {
      socket.pause();
      this.held.push(socket);
      socket.once('close', () => {
        this.held = this.held.filter((s) => s !== socket);
      });
      return;
    }
    this.forward(socket);
  }

  private forward(client: Socket): void {
    if (client.destroyed) return;
    const upstream = connect({ host: this.target.host, port: this.target.port });
    upstream.on('error', () => upstream.destroy());
    this.live.add(client);
    this.live.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.live.delete(client);
      this.live.delete(upstream);
    };
    client.once('close', drop);
    upstream.once('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
