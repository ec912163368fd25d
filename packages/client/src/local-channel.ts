import type { ConnectRequest, Request } from '@vivarium/protocol';
import type { ConnectionId, Engine, EngineOutput } from '@vivarium/store';
import type { ChannelFactory, ChannelHandler, ServerChannel } from './channel.ts';

export interface LocalChannelOptions {
  /** The address the engine sees for ip ACLs. */
  remoteAddress?: string;
}

/**
 * A channel straight into an in-process engine: no sockets, no encoding.
 * Output is handed to the client in a microtask, so watchers never run inside
 * the engine's call stack, and requests sent before the handshake completes
 * are held, as a ZooKeeper server holds them.
 */
export function localChannelFactory(engine: Engine, options: LocalChannelOptions = {}): ChannelFactory {
  return (handler) => new LocalChannel(engine, handler, options.remoteAddress ?? '127.0.0.1');
}

class LocalChannel implements ServerChannel {
  private readonly engine: Engine;
  private readonly handler: ChannelHandler;
  private readonly connectionId: ConnectionId;
  private connected = false;
  private closed = false;
  private readonly held: Array<{ xid: number; request: Request }> = [];
  private readonly inbox: EngineOutput[] = [];
  private drainScheduled = false;

  constructor(engine: Engine, handler: ChannelHandler, remoteAddress: string) {
    this.engine = engine;
    this.handler = handler;
    this.connectionId = engine.openConnection({ remoteAddress, sink: (outputs) => this.receive(outputs) });
  }

  connect(request: ConnectRequest): void {
    if (this.closed) return;
    this.engine.connect(this.connectionId, request);
  }

  send(xid: number, request: Request): void {
    if (this.closed) return;
    if (!this.connected) {
      this.held.push({ xid, request });
      return;
    }
    this.engine.submit(this.connectionId, xid, request);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.closeConnection(this.connectionId);
  }

  private receive(outputs: readonly EngineOutput[]): void {
    for (const output of outputs) {
      this.inbox.push(output);
      if (output.kind === 'connected' && output.response.timeOutMs > 0) {
        this.connected = true;
        // Release what the client sent early, in order, once the session exists.
        for (const { xid, request } of this.held.splice(0)) this.engine.submit(this.connectionId, xid, request);
      }
      if (output.kind === 'close') this.closed = true;
    }
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.drainScheduled = false;
    const outputs = this.inbox.splice(0);
    if (outputs.length > 0) this.handler.onOutputs(outputs);
  }
}
