/**
 * Runs one set of tests against a fresh Vivarium ensemble per test and against
 * one real ZooKeeper 3.8 per file (skipped when Java or the jars are missing).
 * Each test gets its own base path, so tests on the shared real server never
 * see each other's nodes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import type { RealZooKeeperServer } from '../../../test/support/real-zookeeper.ts';
import { RealBackend, realZooKeeperAvailable, startSharedRealZooKeeper, vivariumBackend, type Backend } from './backend.ts';

export interface BackendContext {
  /** The backend of the running test. */
  backend(): Backend;
  /** A base path unique to the running test: `/recipes/<n>/<name>`. */
  path(name: string): string;
}

let nextRoot = 0;

export function forEachBackend(title: string, body: (context: BackendContext) => void): void {
  describe(`${title} (vivarium)`, () => {
    let current: Backend | undefined;
    let root = '';
    beforeEach(async () => {
      current = await vivariumBackend();
      root = `/recipes/${nextRoot++}`;
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    body({ backend: () => required(current), path: (name) => `${root}/${name}` });
  });

  describe.skipIf(!realZooKeeperAvailable)(`${title} (zookeeper-3.8)`, () => {
    let server: RealZooKeeperServer | undefined;
    let current: Backend | undefined;
    let root = '';
    beforeAll(async () => {
      server = await startSharedRealZooKeeper();
    }, 45_000);
    afterAll(async () => {
      await server?.stop();
    }, 20_000);
    beforeEach(() => {
      current = new RealBackend(required(server).connectString);
      root = `/recipes/${nextRoot++}`;
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    body({ backend: () => required(current), path: (name) => `${root}/${name}` });
  });
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('backend not started');
  return value;
}
