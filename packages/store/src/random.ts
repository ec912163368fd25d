/**
 * Chance as an input (DESIGN rule 2): a seeded generator, never Math.random.
 * sfc32 seeded through splitmix32: small, fast, and good enough for ids,
 * passwords and fault schedules (not for cryptography).
 */
export interface Random {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
  /** A float in [0, 1). */
  nextFloat(): number;
  /** An integer in [0, boundExclusive). */
  nextInt(boundExclusive: number): number;
  fillBytes(target: Uint8Array): void;
  /** An independent generator for a sub-system, so sub-systems do not perturb each other. */
  fork(label: string): Random;
}

function splitmix32(state: number): [next: number, value: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

function hashLabel(label: string): number {
  // FNV-1a over the label's UTF-16 code units: deterministic and dependency-free.
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`SeededRandom: seed must be an integer, got ${seed}`);
    this.seed = seed;
    let state = seed | 0;
    let value: number;
    [state, value] = splitmix32(state);
    this.a = value;
    [state, value] = splitmix32(state);
    this.b = value;
    [state, value] = splitmix32(state);
    this.c = value;
    [, value] = splitmix32(state);
    this.d = value;
    // Discard the first outputs: sfc32 mixes poorly for its first few rounds.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  nextInt(boundExclusive: number): number {
    if (!Number.isInteger(boundExclusive) || boundExclusive <= 0 || boundExclusive > 0x1_0000_0000) {
      throw new RangeError(`SeededRandom.nextInt: bound must be an integer in [1, 2^32], got ${boundExclusive}`);
    }
    return Math.floor(this.nextFloat() * boundExclusive);
  }

  fillBytes(target: Uint8Array): void {
    for (let i = 0; i < target.length; i += 4) {
      const word = this.nextUint32();
      for (let j = 0; j < 4 && i + j < target.length; j++) target[i + j] = (word >>> (8 * j)) & 0xff;
    }
  }

  /** Derived from the seed and the label only, so forking never disturbs this generator's own stream. */
  fork(label: string): Random {
    return new SeededRandom((this.seed ^ hashLabel(label)) | 0);
  }
}
