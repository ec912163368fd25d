import type { ConnectRequest, Request } from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';

/**
 * One connection to a server, whatever carries it (a direct call into an
 * in-process engine, or a TCP socket). The client core speaks only this.
 */
export interface ServerChannel {
  /** Send the handshake. Requests sent before the reply are held by the server side, as ZooKeeper does. */
  connect(request: ConnectRequest): void;
  send(xid: number, request: Request): void;
  /** Close the transport from the client's side. No more output is delivered. */
  close(): void;
}

export interface ChannelHandler {
  /** Server output in order: the connect response, replies, events, and a final close. */
  onOutputs(outputs: readonly EngineOutput[]): void;
  /** The transport broke without a close from the server (socket error, peer vanished). */
  onTransportLost(reason: string): void;
}

/** Opens a channel to one of the servers; `attempt` counts reconnects so a factory can rotate hosts. */
export type ChannelFactory = (handler: ChannelHandler, attempt: number) => ServerChannel;
