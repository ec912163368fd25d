import type { ChannelHandler, Scheduler, ServerChannel } from '@vivarium/client';
import type { ConnectRequest, Request } from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';

/**
 * A fixture client's channel into a member that the test can cut: the way a
 * TCP connection looks when the network between the client and the servers
 * goes away. Nothing tells either side: from the cut on, nothing passes either
 * way, and the channel never works again (even after the link is healed, as a
 * TCP connection whose packets were lost stays stalled). The client finds out
 * the way a ZooKeeper client does: nothing arrives for its read timeout (2/3 of
 * the negotiated session timeout), or no ConnectResponse within its connect
 * timeout. The server keeps the connection until the session expires.
 *
 * Until it is cut the channel only passes output through and arms no timer: an
 * in-process link never goes silent on its own, so uncut clients behave (and
 * hash) exactly as before.
 */
export class CuttableChannel implements ServerChannel {
  private readonly handler: ChannelHandler;
  private readonly scheduler: Scheduler;
  private readonly onClosed: () => void;
  private readonly inner: ServerChannel | undefined;
  private broken: boolean;
  private closed = false;
  private lastReceivedMs: number;
  private readTimeoutMs = 0;
  private connectSentMs: number | undefined;
  private connectTimeoutMs = 0;
  private cancelTimer: (() => void) | undefined;

  /** `open` is how to reach the member; without it the channel starts cut (the link was down when it was opened). */
  constructor(options: { handler: ChannelHandler; scheduler: Scheduler; open: ((handler: ChannelHandler) => ServerChannel) | undefined; onClosed: () => void }) {
    this.handler = options.handler;
    this.scheduler = options.scheduler;
    this.onClosed = options.onClosed;
    this.lastReceivedMs = this.scheduler.nowMs();
    this.broken = options.open === undefined;
    this.inner = options.open?.({
      onOutputs: (outputs) => this.receive(outputs),
      // A member that stops closes its connections; across a cut that news never arrives.
      onTransportLost: (reason) => {
        if (!this.broken) this.lose(reason);
      },
    });
  }

  get isBroken(): boolean {
    return this.broken;
  }

  connect(request: ConnectRequest): void {
    if (this.closed) return;
    // The Java client's connect timeout is the session timeout over the number of hosts; three, as the default ensemble.
    this.connectTimeoutMs = Math.max(1, Math.floor(request.timeOutMs / 3));
    this.connectSentMs = this.scheduler.nowMs();
    if (this.broken) this.armLoss();
    else this.inner?.connect(request);
  }

  send(xid: number, request: Request): void {
    if (!this.closed && !this.broken) this.inner?.send(xid, request);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.inner?.close();
    this.onClosed();
  }

  /** The link goes away: nothing passes from now on; the client notices after its read (or connect) timeout. */
  cut(): void {
    if (this.closed || this.broken) return;
    this.broken = true;
    this.armLoss();
  }

  private receive(outputs: readonly EngineOutput[]): void {
    if (this.closed || this.broken) return;
    this.lastReceivedMs = this.scheduler.nowMs();
    for (const output of outputs) {
      if (output.kind === 'connected' && output.response.timeOutMs > 0) this.readTimeoutMs = Math.max(1, Math.floor((output.response.timeOutMs * 2) / 3));
    }
    this.handler.onOutputs(outputs);
  }

  /** When the client would give up on this channel, counted from the last thing it received (or its handshake). */
  private armLoss(): void {
    const nowMs = this.scheduler.nowMs();
    let delayMs: number;
    let why: string;
    if (this.readTimeoutMs > 0) {
      delayMs = this.readTimeoutMs - (nowMs - this.lastReceivedMs);
      why = `nothing received for ${this.readTimeoutMs} ms (read timeout, 2/3 of the session timeout): the link is cut`;
    } else if (this.connectSentMs !== undefined) {
      delayMs = this.connectTimeoutMs - (nowMs - this.connectSentMs);
      why = `no ConnectResponse within ${this.connectTimeoutMs} ms: the link is cut`;
    } else {
      return; // Not connecting yet: connect() arms it.
    }
    this.cancelTimer?.();
    this.cancelTimer = this.scheduler.setTimer(Math.max(1, delayMs), () => {
      this.cancelTimer = undefined;
      this.lose(why);
    });
  }

  private lose(reason: string): void {
    if (this.closed) return;
    this.close();
    queueMicrotask(() => this.handler.onTransportLost(reason));
  }
}
