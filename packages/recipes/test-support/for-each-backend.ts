/**
 * One set of tests, two servers. A recipe's test file calls forEachBackend at
 * its top level; run on its own, the file tests against a fresh Vivarium
 * ensemble per test (manual clock). src/zookeeper-3.8.test.ts imports every
 * such file in `zookeeper-3.8` mode, so the same tests run against one real
 * ZooKeeper 3.8 (one JVM for the whole package, started once, stopped in that
 * file's afterAll; skipped when Java or the jars are missing, or with
 * RECIPES_REAL_ZOOKEEPER=0). Each test gets its own base path, so tests on the
 * shared real server never see each other's nodes.
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

export type BackendMode = 'vivarium' | 'zookeeper-3.8';

let mode: BackendMode = 'vivarium';
let nextRoot = 0;
let sharedServer: Promise<RealZooKeeperServer> | undefined;
let stopRegistered = false;

/** Which server the forEachBackend calls that follow register their tests for (the aggregator file switches it). */
export function setBackendMode(next: BackendMode): void {
  mode = next;
  if (next === 'zookeeper-3.8' && !stopRegistered && realZooKeeperAvailable) {
    stopRegistered = true;
    afterAll(async () => {
      const server = sharedServer;
      sharedServer = undefined;
      await (await server?.catch(() => undefined))?.stop();
    }, 20_000);
  }
}

/** The real ZooKeeper, started on first use. */
function realServer(): Promise<RealZooKeeperServer> {
  sharedServer ??= startSharedRealZooKeeper();
  return sharedServer;
}

export function forEachBackend(title: string, body: (context: BackendContext) => void): void {
  if (mode === 'vivarium') {
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
    return;
  }
  describe.skipIf(!realZooKeeperAvailable)(`${title} (zookeeper-3.8)`, () => {
    let current: Backend | undefined;
    let root = '';
    beforeAll(async () => {
      await realServer();
    }, 45_000);
    beforeEach(async () => {
      current = new RealBackend((await realServer()).connectString);
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
