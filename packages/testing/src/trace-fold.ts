import type { Engine } from '@vivarium/store';

/**
 * A running FNV-1a hash over text: the fixture folds in every step a test
 * takes and every seeded value it sees (session ids, fault settings), so two
 * runs compare by one short string. Deterministic, order-sensitive, not cryptographic.
 */
export class TraceFold {
  private hash = 0x811c9dc5;
  private steps = 0;

  add(text: string): void {
    let hash = this.hash;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    // A separator, so ["ab", "c"] and ["a", "bc"] differ.
    hash ^= 0x0a;
    this.hash = Math.imul(hash, 0x01000193) >>> 0;
    this.steps++;
  }

  get stepCount(): number {
    return this.steps;
  }

  get value(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }
}

/** Fold a hash of several parts into one 8-hex-digit hash. */
export function combineHashes(parts: readonly string[]): string {
  const fold = new TraceFold();
  for (const part of parts) fold.add(part);
  return fold.value;
}

/**
 * What a member holds, as text to hash: its last zxid, its sessions (ids are
 * drawn from the seed) and every znode with the fields a replay must reproduce.
 * Iterates in the tree's own order (insertion order), which is itself deterministic.
 */
export function engineStateDigest(engine: Engine): string {
  const fold = new TraceFold();
  const database = engine.database;
  fold.add(`zxid ${database.lastProcessedZxid}`);
  for (const [sessionId, record] of database.sessions) fold.add(`session ${sessionId.toString(16)} ${record.timeoutMs}`);
  for (const [path, node] of database.tree.entries()) {
    const data = node.data === null ? '-' : Array.from(node.data, (b) => b.toString(16).padStart(2, '0')).join('');
    fold.add(`${path} ${node.czxid} ${node.mzxid} ${node.pzxid} ${node.ctimeMs} ${node.mtimeMs} ${node.version} ${node.storedCversion} ${node.aversion} ${node.ephemeralOwner.toString(16)} ${data}`);
  }
  return fold.value;
}
