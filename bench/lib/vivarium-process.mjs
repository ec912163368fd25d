// Starts a Vivarium wire server (startWireServer) in a child Node process, the way the real
// ZooKeeper runs in its own JVM, so a benchmark client in this process does not share a thread
// with the server it measures. The child is bench/lib/vivarium-server-main.mjs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./vivarium-server-main.mjs', import.meta.url));
const startTimeoutMs = 20_000;
const stopGraceMs = 5_000;

/** Resolves to { connectString, pid, stop() } once the child listens. stop() always ends the child. */
export async function startVivariumProcess(options = {}, { nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, main, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exited with code ${code} signal ${signal}`)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const lines = createInterface({ input: child.stdout });
    const line = await Promise.race([
      new Promise((resolve) => lines.once('line', resolve)),
      exited.then((how) => { throw new Error(`Vivarium server process ${how} before listening:\n${stderr}`); }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`Vivarium server process not listening after ${startTimeoutMs} ms:\n${stderr}`)), startTimeoutMs).unref()),
    ]);
    const { connectString, pid } = JSON.parse(line);
    return { connectString, pid, stop };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}
