/** Shared helpers for the storage suites: build a dataDir through a real Engine, reopen it, compare states. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '@vivarium/protocol';
import { FileStorage, type FileStorageOptions } from '@vivarium/server';
import { Engine, ManualClock, SeededRandom, type Snapshot } from '@vivarium/store';

export const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export function tempDir(label = 'vivarium-storage-'): string {
  return mkdtempSync(join(tmpdir(), label));
}

export interface OpenedMember {
  engine: Engine;
  storage: FileStorage;
  clock: ManualClock;
  lines: string[];
}

/** An Engine on FileStorage in `dataDir`; recovery runs here. */
export function openMember(dataDir: string, options: Partial<FileStorageOptions> & { snapCount?: number } = {}): OpenedMember {
  const lines: string[] = [];
  const { snapCount, ...storageOptions } = options;
  const storage = new FileStorage({ dataDir, log: (line) => lines.push(line), ...storageOptions });
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(7), snapCount: snapCount ?? 100_000, storage });
  return { engine, storage, clock, lines };
}

/**
 * Write `count` znodes (create, some setData, a few deletes) through one session,
 * snapshotting after every `snapshotEvery` writes. Returns the engine still open.
 */
export function writeThrough(member: OpenedMember, count: number, snapshotEvery = 0, prefix = 'n'): void {
  const { engine } = member;
  const connection = engine.openConnection({ remoteAddress: '127.0.0.1', sink: () => undefined });
  engine.connect(connection, { protocolVersion: 0, lastZxidSeen: engine.lastProcessedZxid, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
  const encoder = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const path = `/${prefix}${i}`;
    engine.submit(connection, 3 * i + 1, { type: OpCode.create, path, data: encoder.encode(`value ${i}`), acl: openAcl, flags: 0 });
    if (i % 3 === 1) engine.submit(connection, 3 * i + 2, { type: OpCode.setData, path, data: encoder.encode(`changed ${i}`), version: -1 });
    if (i % 7 === 6) engine.submit(connection, 3 * i + 3, { type: OpCode.delete, path: `/${prefix}${i - 1}`, version: -1 });
    if (snapshotEvery > 0 && (i + 1) % snapshotEvery === 0) engine.takeSnapshot();
  }
}

/** The replicated state, in a form toEqual compares regardless of node order. */
export function comparable(snapshot: Snapshot): unknown {
  return { ...snapshot, nodes: [...snapshot.nodes].sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

export function stateOf(engine: Engine): unknown {
  return comparable(engine.database.toSnapshot());
}

export function versionDir(dataDir: string): string {
  return join(dataDir, 'version-2');
}

/** Files in version-2 matching a prefix, in zxid order. */
export function filesOf(dataDir: string, prefix: 'log' | 'snapshot'): string[] {
  return readdirSync(versionDir(dataDir))
    .filter((name) => new RegExp(`^${prefix}\\.[0-9a-f]+$`).test(name))
    .sort((a, b) => (BigInt(`0x${a.split('.')[1]}`) < BigInt(`0x${b.split('.')[1]}`) ? -1 : 1))
    .map((name) => join(versionDir(dataDir), name));
}

/** Byte offsets of the records in a log or snapshot file (after its 20-byte header). */
export function recordOffsets(path: string): number[] {
  const bytes = readFileSync(path);
  const offsets: number[] = [];
  let offset = 20;
  while (offset + 8 <= bytes.length) {
    offsets.push(offset);
    offset += 8 + bytes.readUInt32BE(offset);
  }
  return offsets;
}
