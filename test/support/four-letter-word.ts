// Sends a ZooKeeper four-letter word ("ruok", "srvr", "stat", "mntr", ...) and returns the text reply.
// The server writes its answer and closes the connection, so we read until end of stream.
// Uses only node: modules so tests, benchmarks and scripts can all import it.
import { connect } from 'node:net';

export interface FourLetterWordOptions {
  /** Bound on the whole exchange (connect + write + read to close). */
  timeoutMs?: number;
}

const fourLetterWordTimeoutMsDefault = 5_000;

export function sendFourLetterWord(
  host: string,
  port: number,
  word: string,
  options: FourLetterWordOptions = {},
): Promise<string> {
  if (Buffer.byteLength(word, 'latin1') !== 4) {
    return Promise.reject(new Error(`four-letter word must be exactly 4 bytes, got ${JSON.stringify(word)}`));
  }
  const timeoutMs = options.timeoutMs ?? fourLetterWordTimeoutMsDefault;
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host, port });
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(
      () => finish(new Error(`four-letter word ${word} to ${host}:${port} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(Buffer.from(word, 'latin1')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(null));
    // A reset after a complete reply still counts as the reply; a reset before any byte is an error.
    socket.on('error', (error) => finish(chunks.length > 0 ? null : error));
    socket.on('close', () => finish(null));
  });
}
