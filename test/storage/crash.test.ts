/**
 * Crash tests in a child process: test/storage/crash-writer.mjs writes through an
 * Engine on FileStorage (forceSync on) and prints each write before submitting it
 * and again once the engine replied. It is killed with SIGKILL at seeded random
 * moments, round after round on the same dataDir. After each kill the dataDir
 * must recover to every acknowledged write (plus at most the one in flight), pass
 * checkInvariants(), and keep every acknowledged session reattachable with its
 * id and password. Real time and real processes: bounded to a few rounds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '@vivarium/server';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { propertySeed } from '../support/property-seed.ts';

const writerScript = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const builtServer = fileURLToPath(new URL('../../packages/server/dist/storage/file-storage.js', import.meta.url));
const rounds = 8;

type Op =
  | { kind: 'create'; path: string; data: string }
  | { kind: 'set'; path: string; data: string }
  | { kind: 'delete'; path: string }
  | { kind: 'multi'; creates: Array<[string, string]> };

interface RoundLog {
  ready: boolean;
  ops: Map<number, Op>;
  acked: Set<number>;
  sessions: Array<{ id: bigint; passwd: Uint8Array }>;
  lastAckZxid: bigint;
}

/** Start the writer, kill it with SIGKILL `delayMs` after it is ready, return what it printed. */
function runWriter(dataDir: string, seed: number, round: number, delayMs: number): Promise<RoundLog> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, dataDir, String(seed), String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log: RoundLog = { ready: false, ops: new Map(), acked: new Set(), sessions: [], lastAckZxid: 0n };
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const onLine = (line: string): void => {
      const [word, a, b] = line.split(' ');
      if (word === 'ready') {
        log.ready = true;
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      } else if (word === 'session') log.sessions.push({ id: BigInt(`0x${a}`), passwd: Uint8Array.from(Buffer.from(b as string, 'hex')) });
      else if (word === 'op') log.ops.set(Number(a), JSON.parse(line.slice(line.indexOf('{'))) as Op);
      else if (word === 'ack') {
        log.acked.add(Number(a));
        log.lastAckZxid = BigInt(`0x${b}`);
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal} before the kill: ${stderr}`));
      else resolve(log);
    });
  });
}

type Model = Map<string, string>;

function apply(model: Model, op: Op): void {
  if (op.kind === 'create' || op.kind === 'set') model.set(op.path, op.data);
  else if (op.kind === 'delete') model.delete(op.path);
  else for (const [path, data] of op.creates) model.set(path, data);
}

function treeOf(engine: Engine): Model {
  const decoder = new TextDecoder();
  const tree: Model = new Map();
  for (const [path, node] of engine.database.tree.walk()) {
    if (/^\/[re]\d/.test(path)) tree.set(path, node.data === null ? '' : decoder.decode(node.data));
  }
  return tree;
}

const sorted = (model: Model): Array<[string, string]> => [...model].sort(([a], [b]) => (a < b ? -1 : 1));

describe('FileStorage survives SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vivarium-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`keeps every acknowledged write and session over ${rounds} kills at random moments`, async () => {
    expect(existsSync(builtServer), 'the writer runs the built packages: run `npx tsc -b` first').toBe(true);
    const seed = propertySeed(0xdead, 'storage crash');
    const random = new SeededRandom(seed);
    const model: Model = new Map();
    const sessions: Array<{ id: bigint; passwd: Uint8Array }> = [];
    let acknowledged = 0;
    for (let round = 0; round < rounds; round++) {
      const delayMs = 20 + random.nextInt(400);
      const log = await runWriter(dataDir, seed + round, round, delayMs);
      expect(log.ready, `round ${round}: the writer recovered and started`).toBe(true);
      // Ops are sequential: every op but the last printed one was acknowledged.
      const seqs = [...log.ops.keys()].sort((a, b) => a - b);
      const inFlight = seqs.find((s) => !log.acked.has(s));
      for (const s of seqs) if (s !== inFlight) {
        expect(log.acked.has(s), `round ${round}: op ${s} acknowledged`).toBe(true);
        apply(model, log.ops.get(s) as Op);
      }
      acknowledged += log.acked.size;
      sessions.push(...log.sessions);

      const storage = new FileStorage({ dataDir });
      const engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(1), maxSessionTimeoutMs: 600_000, storage });
      try {
        engine.checkInvariants();
        expect(engine.lastProcessedZxid >= log.lastAckZxid, `round ${round}: recovered zxid covers the last acknowledged one`).toBe(true);
        const recovered = sorted(treeOf(engine));
        const withInFlight = new Map(model);
        if (inFlight !== undefined) apply(withInFlight, log.ops.get(inFlight) as Op);
        // Every acknowledged write is there; the one in flight may or may not have made it.
        expect([JSON.stringify(sorted(model)), JSON.stringify(sorted(withInFlight))]).toContain(JSON.stringify(recovered));
        // If it made it, it is part of the history from now on.
        if (inFlight !== undefined && JSON.stringify(recovered) !== JSON.stringify(sorted(model))) apply(model, log.ops.get(inFlight) as Op);
        for (const session of sessions) {
          const replies: Array<{ sessionId: bigint; timeOutMs: number }> = [];
          const connection = engine.openConnection({
            remoteAddress: '127.0.0.1',
            sink: (outputs) => { for (const o of outputs) if (o.kind === 'connected') replies.push(o.response); },
          });
          engine.connect(connection, { protocolVersion: 0, lastZxidSeen: engine.lastProcessedZxid, timeOutMs: 600_000, sessionId: session.id, passwd: session.passwd, readOnly: false });
          expect(replies, `round ${round}: session 0x${session.id.toString(16)} reattaches with its password`).toEqual([{ ...replies[0], sessionId: session.id, timeOutMs: 600_000 }]);
          engine.closeConnection(connection);
        }
      } finally {
        engine.close();
      }
    }
    expect(acknowledged, 'the writer got far enough to matter').toBeGreaterThan(rounds * 5);
  }, 60_000);
});
