// node-zookeeper-client 1.1.3, the one client every wire and ensemble scenario drives both
// Vivarium and the real ZooKeeper with: promise wrappers, a sliding window of requests in
// flight, per-op latencies. Only what the scenarios need.
import zookeeper from 'node-zookeeper-client';

export { zookeeper };

const openAcl = zookeeper.ACL.OPEN_ACL_UNSAFE;

/**
 * Connects and resolves once SYNC_CONNECTED. `retries: 0` and a short `spinDelay` so a reconnect
 * after a failover is not slowed down by the client's own back-off (its default waits 1 s).
 */
export function connectClient(connectString, { sessionTimeoutMs = 30_000, timeoutMs = 20_000, spinDelayMs = 20 } = {}) {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: spinDelayMs, retries: 0 });
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`node-zookeeper-client: no connection to ${connectString} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** Closes the client and waits (bounded) for its socket to go, so a server can close cleanly after. */
export function closeClient(client) {
  if (client === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      client.close();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

function call(fn) {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/** The five operations the wire scenario measures, and the helpers around them. */
export const ops = {
  create: (client, path, data) => call((cb) => client.create(path, data, openAcl, zookeeper.CreateMode.PERSISTENT, cb)),
  getData: (client, path) => call((cb) => client.getData(path, cb)),
  setData: (client, path, data) => call((cb) => client.setData(path, data, -1, cb)),
  exists: (client, path) => call((cb) => client.exists(path, cb)),
  delete: (client, path) => new Promise((resolve, reject) => client.remove(path, -1, (error) => (error ? reject(error) : resolve()))),
};

/** Creates `path` unless it exists. */
export async function ensurePath(client, path, data) {
  try {
    await ops.create(client, path, data);
  } catch (error) {
    if (error?.code !== zookeeper.Exception.NODE_EXISTS) throw error;
  }
}

/** `count` calls of `op(i)`, `depth` of them in flight at any time (a sliding window). */
export async function pipelined(count, depth, op) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await op(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(depth, count) }, worker));
}

/** One call of `op(i)` at a time; returns each call's latency in ms (client send to reply callback). */
export async function latencies(count, op) {
  const result = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    result[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return result;
}

/** The p-th percentile (0..100) of a sample, nearest rank. */
export function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The port of the server the client is talking to right now (node-zookeeper-client internals). */
export function connectedPort(client) {
  return client.connectionManager?.socket?.remotePort;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `op()` until it succeeds, `retryMs` after each failure (CONNECTION_LOSS, NOT_READONLY...),
 * and returns how many attempts failed. Throws after `deadlineMs` of trying.
 */
export async function retryUntilSuccess(op, { retryMs = 5, deadlineMs = 60_000, what = 'operation' } = {}) {
  const deadline = Date.now() + deadlineMs;
  let failures = 0;
  let lastError;
  for (;;) {
    try {
      await withTimeout(op(), Math.max(1, deadline - Date.now()), what);
      return failures;
    } catch (error) {
      failures++;
      lastError = error;
    }
    if (Date.now() >= deadline) throw new Error(`${what} did not succeed within ${deadlineMs} ms (${failures} failed attempts; last: ${lastError})`);
    await sleep(retryMs);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no reply within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Closes every target's client, then stops every target (`target.stop()`), each attempted even
 * when an earlier one fails; rethrows the first failure. For a scenario's finally block.
 */
export async function closeAll(targets) {
  let firstError;
  for (const target of targets) await closeClient(target.client);
  for (const target of targets) {
    try {
      await target.stop?.();
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
}
