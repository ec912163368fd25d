// The two standalone servers the wire-shaped scenarios (multi, trees, memory) compare: the real
// ZooKeeper 3.8 (one JVM, forceSync=no) and Vivarium's wire server in its own Node process, each
// with one node-zookeeper-client connection. Stop them with closeAll(targets) in a finally.
import { loadRealZooKeeper } from './real-zookeeper.mjs';
import { startVivariumProcess } from './vivarium-process.mjs';
import { connectClient } from './zk-client.mjs';

/**
 * Pushes each target onto `targets` as soon as it runs (so a finally can stop it even when a
 * later start fails): { key: 'zk' | 'viv', label, connectString, pid, client, stop }.
 */
export async function startStandaloneTargets(targets, { zooKeeper = {}, vivarium = {} } = {}) {
  const { startRealZooKeeper } = await loadRealZooKeeper();
  const zk = await startRealZooKeeper({ forceSync: false, ...zooKeeper });
  targets.push({ key: 'zk', label: 'ZooKeeper 3.8', connectString: zk.connectString, pid: zk.pid, server: zk, stop: () => zk.stop() });
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=...") reaches the server process, as in wire/ops.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  const viv = await startVivariumProcess({ seed: 1, ...vivarium }, { nodeArgs });
  targets.push({ key: 'viv', label: 'Vivarium, own process', connectString: viv.connectString, pid: viv.pid, server: viv, stop: () => viv.stop() });
  for (const target of targets) target.client = await connectClient(target.connectString);
  return targets;
}

/** The targets in turn, starting with a different one each call (so a slow patch does not always hit the same one). */
export function turnAbout(targets) {
  let round = 0;
  return () => {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    round++;
    return order;
  };
}
