import type { ConnectRequest, MultiResult, MultiWriteOp, Request, Response } from '@vivarium/protocol';
import { OpCode } from '@vivarium/protocol';
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
    this.engine.connect(this.connectionId, { ...request, passwd: request.passwd.slice() });
  }

  send(xid: number, request: Request): void {
    if (this.closed) return;
    const detached = detachRequest(request);
    if (!this.connected) {
      this.held.push({ xid, request: detached });
      return;
    }
    this.engine.submit(this.connectionId, xid, detached);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.closeConnection(this.connectionId);
  }

  private receive(outputs: readonly EngineOutput[]): void {
    for (const output of outputs) {
      this.inbox.push(detachOutput(output));
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

/*
 * The wire copies every value both ways. Skipping the encoding must not let a caller's buffer
 * become a znode's value, nor a value (or ACL) read back alias the tree: a later change by the
 * caller would rewrite the store behind the engine's back. So bytes and ACL entries are copied here.
 */

function detachRequest(request: Request): Request {
  switch (request.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTtl:
    case OpCode.setData:
      return request.data === null ? request : { ...request, data: request.data.slice() };
    case OpCode.multi:
      return { ...request, ops: request.ops.map((op) => detachRequest(op) as MultiWriteOp) };
    case OpCode.auth:
      return { ...request, auth: request.auth.slice() };
    default:
      return request;
  }
}

function detachOutput(output: EngineOutput): EngineOutput {
  if (output.kind === 'connected') return { ...output, response: { ...output.response, passwd: output.response.passwd.slice() } };
  if (output.kind !== 'reply' || output.response === undefined) return output;
  return { ...output, response: detachResponse(output.response) };
}

function detachResponse(response: NonNullable<Response>): NonNullable<Response> {
  if ('data' in response) return response.data === null ? response : { ...response, data: response.data.slice() };
  if ('acl' in response) return { ...response, acl: response.acl.map((entry) => ({ perms: entry.perms, id: { ...entry.id } })) };
  if ('results' in response) return { results: response.results.map(detachResult) };
  return response;
}

function detachResult(result: MultiResult): MultiResult {
  return result.type === OpCode.getData && result.data !== null ? { ...result, data: result.data.slice() } : result;
}
