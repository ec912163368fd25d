// The real ZooKeeper 3.8 for the benchmarks: the test harness test/support/real-zookeeper.ts
// (startRealZooKeeper, startRealEnsemble), compiled on demand into the git-ignored
// bench/.build/support/ so plain Node 20 can import it. One launcher, shared with the tests.
//
//   const reason = realZooKeeperUnavailable();      // a string when the scenario must skip
//   const { startRealZooKeeper, startRealEnsemble } = await loadRealZooKeeper();
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const jar = '/usr/share/java/zookeeper.jar';
const root = new URL('../../', import.meta.url);
const outDir = new URL('bench/.build/support/', root);
const sources = ['test/support/real-zookeeper.ts', 'test/support/four-letter-word.ts'];

let unavailable;

/** Undefined when the real ZooKeeper can run here; otherwise why not (for a scenario's skip()). */
export function realZooKeeperUnavailable() {
  if (unavailable === undefined) {
    if (!existsSync(jar)) {
      unavailable = `real ZooKeeper 3.8 not installed (no ${jar}); run scripts/install-test-deps.sh (apt-get install zookeeper)`;
    } else if (spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 20_000 }).status !== 0) {
      unavailable = 'real ZooKeeper needs `java`, which does not run here; run scripts/install-test-deps.sh';
    } else {
      unavailable = '';
    }
  }
  return unavailable === '' ? undefined : unavailable;
}

let loaded;

/**
 * Compiles the harness (about half a second, once per process) and imports it. Compiled every
 * time rather than cached across runs, so the bench never runs a stale copy of the harness.
 */
export function loadRealZooKeeper() {
  loaded ??= (async () => {
    const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root));
    const run = () => execFileSync(
      process.execPath,
      [
        tsc,
        '--ignoreConfig',
        '--outDir', fileURLToPath(outDir),
        '--rootDir', fileURLToPath(new URL('test/support/', root)),
        '--module', 'nodenext',
        '--moduleResolution', 'nodenext',
        '--target', 'es2022',
        '--rewriteRelativeImportExtensions',
        '--allowImportingTsExtensions',
        '--erasableSyntaxOnly',
        '--verbatimModuleSyntax',
        '--strict',
        '--skipLibCheck',
        '--types', 'node',
        ...sources.map((source) => fileURLToPath(new URL(source, root))),
      ],
      { cwd: fileURLToPath(root), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
    try {
      run();
    } catch (error) {
      throw new Error(`compiling ${sources.join(' + ')} for the bench failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
    return import(new URL('real-zookeeper.js', outDir).href);
  })();
  return loaded;
}
