/**
 * Vitest helpers: `useEnsemble()` / `useServer()` give each test a fresh fixture
 * (or a fresh chroot on one shared per file) and tear it down after the test,
 * printing the seed when the test fails; importing this module also registers
 * the matchers (`toBeLeader`, `toHaveNode`, `toHaveSessionState`).
 *
 *   import { useEnsemble } from '@vivarium/testing/vitest';
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, type TestContext } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { createEnsemble, type EnsembleFixture, type EnsembleFixtureOptions } from './ensemble-fixture.ts';
import type { FixtureClientOptions } from './fixture-clients.ts';
import { vivariumMatchers, type VivariumMatchers } from './matchers.ts';
import { createServer, type ServerFixture, type ServerFixtureOptions } from './server-fixture.ts';

expect.extend(vivariumMatchers);

declare module 'vitest' {
  // Declaration merging: the matchers above are typed on every `expect(...)`.
  interface Assertion<T = any> extends VivariumMatchers<T> {}
}

export { vivariumMatchers, type VivariumMatchers } from './matchers.ts';

export interface UseFixtureOptions {
  /**
   * 'test' (default): every test gets a fresh fixture, closed after it (close()
   * fails the test if anything was left open). 'file': one fixture for the whole
   * file, each test gets a fresh chroot (`/vivarium-test-N`) and the clients made
   * through the hook are closed after it; an ensemble is healed, its faults
   * cleared and its stopped members restarted between tests.
   */
  share?: 'test' | 'file';
}

/** What `useEnsemble()` / `useServer()` return: the current test's fixture, read inside a test. */
export interface FixtureHook<F> {
  /** The current test's fixture. Throws outside a test (in describe bodies: the fixture does not exist yet). */
  readonly fixture: F;
  /** The current test's chroot with share: 'file' (e.g. '/vivarium-test-3'); '' with a fixture per test. */
  readonly chroot: string;
  /** A connected client of the current fixture, inside the test's chroot when the fixture is shared. */
  client(options?: FixtureClientOptions): Promise<ZooKeeperClient>;
}

export interface EnsembleHook extends FixtureHook<EnsembleFixture> {
  /** The same as `fixture`. */
  readonly ensemble: EnsembleFixture;
}

export interface ServerHook extends FixtureHook<ServerFixture> {
  /** The same as `fixture`. */
  readonly server: ServerFixture;
}

/** A fresh in-process ensemble for every test (or one per file with share: 'file'). */
export function useEnsemble(options: EnsembleFixtureOptions & UseFixtureOptions = {}): EnsembleHook {
  const { share = 'test', ...fixtureOptions } = options;
  const hook = useFixture('useEnsemble', () => createEnsemble(fixtureOptions), share);
  return Object.defineProperty(hook, 'ensemble', { get: () => hook.fixture, enumerable: true }) as EnsembleHook;
}

/** A fresh standalone server for every test (or one per file with share: 'file'). */
export function useServer(options: ServerFixtureOptions & UseFixtureOptions = {}): ServerHook {
  const { share = 'test', ...fixtureOptions } = options;
  const hook = useFixture('useServer', () => createServer(fixtureOptions), share);
  return Object.defineProperty(hook, 'server', { get: () => hook.fixture, enumerable: true }) as ServerHook;
}

function useFixture<F extends EnsembleFixture | ServerFixture>(name: string, create: () => Promise<F>, share: 'test' | 'file'): FixtureHook<F> {
  if (share !== 'test' && share !== 'file') throw new Error(`${name}: share must be 'test' or 'file', got ${JSON.stringify(share)}`);
  let current: F | undefined;
  let chroot = '';
  let testNumber = 0;
  const testClients: ZooKeeperClient[] = [];

  const reportSeedOnFailure = (context: TestContext, fixture: F): void => {
    context.onTestFailed(({ task }) => {
      const note = `${name}: ${fixture.describeSeed()}`;
      // Shown with the failure itself, and on stderr for reporters that print only the first error.
      for (const error of task.result?.errors ?? []) {
        if (typeof error.message === 'string' && !error.message.includes(`seed ${fixture.seed}`)) error.message += `\n${note}`;
      }
      console.error(note);
    });
  };

  if (share === 'test') {
    beforeEach(async (context) => {
      current = await create();
      reportSeedOnFailure(context, current);
    });
    afterEach(async () => {
      const fixture = current;
      current = undefined;
      await fixture?.close();
    });
  } else {
    beforeAll(async () => {
      current = await create();
    });
    afterAll(async () => {
      const fixture = current;
      current = undefined;
      await fixture?.close();
    });
    beforeEach(async (context) => {
      const fixture = current;
      if (fixture === undefined) return;
      reportSeedOnFailure(context, fixture);
      chroot = `/vivarium-test-${++testNumber}`;
      const admin = await fixture.client();
      await fixture.drive(admin.create(chroot), { what: `creating ${chroot}` });
      await fixture.drive(admin.close(), { what: 'closing the admin client' });
    });
    afterEach(async () => {
      const fixture = current;
      if (fixture === undefined) return;
      if ('heal' in fixture) {
        // Undo what a test may have broken, so the next one starts on a whole ensemble.
        fixture.heal();
        fixture.clearFaults();
        for (const member of fixture.members) if (!member.isRunning) member.restart();
        await fixture.waitForLeader();
      }
      const clients = testClients.splice(0);
      await fixture.drive(Promise.all(clients.map((c) => c.close())), { what: "closing the test's clients" });
      chroot = '';
    });
  }

  const currentFixture = (): F => {
    if (current === undefined) throw new Error(`${name}: there is no fixture outside a test (read it inside it(), beforeEach or afterEach)`);
    return current;
  };
  return {
    get fixture(): F {
      return currentFixture();
    },
    get chroot(): string {
      return chroot;
    },
    async client(clientOptions: FixtureClientOptions = {}): Promise<ZooKeeperClient> {
      const fixture = currentFixture();
      if (share === 'test') return fixture.client(clientOptions);
      const client = await fixture.client({ chroot, ...clientOptions });
      testClients.push(client);
      return client;
    },
  };
}
