// A bare ZooKeeper session over a raw socket, for measuring expiry: connect (ConnectRequest),
// then say nothing: no pings, so the server expires the session after its negotiated timeout
// and closes the socket. Both ZooKeeper and Vivarium close an expired session's connection, so
// the socket's close is when the expiry reached this client. Uses only node: modules.
//
//   const session = await openRawSession({ host, port, timeoutMs: 1000 });
//   session.connectedAtMs   // bench-process monotonic ms when the ConnectResponse arrived
//   session.timeoutMs       // the negotiated timeout
//   await session.closed    // monotonic ms when the server closed the socket
import { connect } from 'node:net';

function monotonicMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

function connectRequestFrame(timeoutMs) {
  // int length, int protocolVersion, long lastZxidSeen, int timeOut, long sessionId, buffer passwd (16 zero bytes), bool readOnly
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16 + 1);
  let at = 0;
  body.writeInt32BE(0, at); at += 4;
  body.writeBigInt64BE(0n, at); at += 8;
  body.writeInt32BE(timeoutMs, at); at += 4;
  body.writeBigInt64BE(0n, at); at += 8;
  body.writeInt32BE(16, at); at += 4;
  at += 16;
  body.writeUInt8(0, at);
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/**
 * Opens a session and resolves once the ConnectResponse arrives: { sessionId, timeoutMs,
 * connectedAtMs, closed: Promise<ms>, destroy() }. Rejects on a socket error before that.
 */
export function openRawSession({ host = '127.0.0.1', port, timeoutMs, connectTimeoutMs = 20_000 }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let connected = false;
    let resolveClosed;
    const closed = new Promise((r) => { resolveClosed = r; });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw session to ${host}:${port}: no ConnectResponse within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once('connect', () => socket.write(connectRequestFrame(timeoutMs)));
    socket.on('data', (chunk) => {
      if (connected) return; // nothing else is expected; an expired session's server just closes
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const length = buffered.readInt32BE(0);
      if (buffered.length < 4 + length) return;
      connected = true;
      clearTimeout(timer);
      const connectedAtMs = monotonicMs();
      const negotiated = buffered.readInt32BE(8);
      const sessionId = buffered.readBigInt64BE(12);
      if (sessionId === 0n) {
        socket.destroy();
        reject(new Error(`raw session to ${host}:${port}: refused (session id 0)`));
        return;
      }
      resolve({ sessionId, timeoutMs: negotiated, connectedAtMs, closed, destroy: () => socket.destroy() });
    });
    socket.on('error', (error) => {
      if (!connected) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.once('close', () => resolveClosed(monotonicMs()));
  });
}
