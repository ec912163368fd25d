/**
 * The few file operations durability needs, synchronous (Storage is
 * synchronous): write everything, fsync a directory so a create, rename or
 * unlink survives a power cut, and replace a small file atomically.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** writeSync until every byte is written (a single call may write fewer). */
export function writeFully(fd: number, bytes: Uint8Array, position: number | null = null): void {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written, position === null ? null : position + written);
  }
}

/** Make a directory's entries (new, renamed, removed files) durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replace `path` with `bytes` so a crash leaves either the old or the new
 * content, never a mix: write `path.tmp`, fsync it, rename over `path`,
 * fsync the directory.
 */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeFully(fd, bytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(dirname(path));
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
