#!/usr/bin/env node
// The child process of bench/lib/vivarium-process.mjs: a Vivarium wire server in its own
// process, as the real ZooKeeper runs in its own JVM, so the benchmark client does not share
// a thread with the server.
//
//   node bench/lib/vivarium-server-main.mjs '{"seed":1}'
//
// Prints one JSON line {"connectString": "127.0.0.1:port", "pid": n} when listening; closes the
// server and exits when its stdin ends (so it dies with its parent) or on SIGTERM/SIGINT.
import { startWireServer } from '@vivarium/server';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startWireServer({ clientPortAddress: '127.0.0.1', clock: 'system', ...options });
let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await server.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ connectString: server.connectString, pid: process.pid })}\n`);
