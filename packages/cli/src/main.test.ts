// The built `vivarium` bin as a real process: the shebang entry, real signals, real exit codes.
// Needs `tsc -b` output (npm test builds first); skipped when packages/cli/dist is absent.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tempDir = mkdtempSync(join(tmpdir(), 'vivarium-main-test-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Run the bin; `onStdout` sees stdout as it grows and may signal the child. Bounded by a kill timer. */
function runMain(args: string[], onStdout?: (stdout: string, signal: (name: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      onStdout?.(stdout, (name) => child.kill(name));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

describe.skipIf(!existsSync(mainJs))('the vivarium bin (dist/main.js)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints the connect string and exits 0 on ${signal}`, async () => {
      let sent = false;
      const run = await runMain(['start', '--port', '0', '--host', '127.0.0.1'], (stdout, kill) => {
        if (!sent && /vivarium: serving 127\.0\.0\.1:\d+ \(standalone\)\n/.test(stdout)) {
          sent = true;
          kill(signal);
        }
      });
      expect(run.stdout).toMatch(/^vivarium: serving 127\.0\.0\.1:\d+ \(standalone\)\n/);
      expect(run.stdout).toContain(`vivarium: ${signal} received, shutting down\nvivarium: stopped\n`);
      expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    });
  }

  it('start --config bad.cfg exits 2 naming the key and the value', async () => {
    const cfg = join(tempDir, 'bad.cfg');
    writeFileSync(cfg, 'dataDir=/tmp\nclientPort=70000\n');
    const run = await runMain(['start', '--config', cfg]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`vivarium: bad configuration: ${cfg}:2: invalid clientPort: "70000" (expected a port number in 0..65535)\n`);
    expect(run.stdout).toBe('');
  });

  it('--version exits 0', async () => {
    const run = await runMain(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^vivarium \d+\.\d+\.\d+\n$/);
  });
});
