#!/usr/bin/env node
// The determinism lint (DESIGN rule 2): the pure core never reads the wall clock,
// starts a timer, draws global randomness or imports Node's I/O modules.
// Time and chance reach protocol/, store/ and ensemble/ only as injected Clock and Random.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const corePackages = ['protocol', 'store', 'ensemble', 'checker'];

const forbidden = [
  { pattern: /\bDate\s*\.\s*now\b/, why: 'reads the wall clock; take a Clock' },
  { pattern: /\bnew\s+Date\s*\(\s*\)/, why: 'reads the wall clock; take a Clock' },
  { pattern: /\bperformance\s*\.\s*now\b/, why: 'reads the wall clock; take a Clock' },
  { pattern: /\bprocess\s*\.\s*hrtime\b/, why: 'reads the wall clock; take a Clock' },
  { pattern: /\bset(Timeout|Interval|Immediate)\s*\(/, why: 'starts a timer; the core is driven by tick()' },
  { pattern: /\bqueueMicrotask\s*\(/, why: 'schedules work; the core runs to completion' },
  { pattern: /\bMath\s*\.\s*random\b/, why: 'global randomness; take a seeded Random' },
  { pattern: /\bcrypto\s*\.\s*(getRandomValues|randomUUID|randomBytes)\b/, why: 'global randomness; take a seeded Random' },
  { pattern: /from\s+['"]node:/, why: 'imports Node I/O; the core is pure' },
  { pattern: /import\s*\(\s*['"]node:/, why: 'imports Node I/O; the core is pure' },
  { pattern: /require\s*\(/, why: 'dynamic require; the core is pure ESM' },
];

/** Blank out comments and string/template contents so only code is matched (imports keep their specifier). */
function codeOnly(source) {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') { out += ' '; i++; }
    } else if (c === '/' && next === '*') {
      while (i < source.length && !(source[i] === '*' && source[i + 1] === '/')) { out += source[i] === '\n' ? '\n' : ' '; i++; }
      out += '  '; i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      const quote = c;
      let literal = c; i++;
      while (i < source.length && source[i] !== quote) {
        if (source[i] === '\\') { literal += source[i] + (source[i + 1] ?? ''); i += 2; continue; }
        literal += source[i]; i++;
      }
      literal += quote; i++;
      // Keep module specifiers (they decide the node: rule); blank everything else.
      const isSpecifier = /(from|import)\s*\(?\s*$/.test(out);
      out += isSpecifier ? literal : literal.replace(/[^\n]/g, ' ');
    } else { out += c; i++; }
  }
  return out;
}

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

export function findViolations(source) {
  const lines = codeOnly(source).split('\n');
  const found = [];
  lines.forEach((line, index) => {
    for (const rule of forbidden) if (rule.pattern.test(line)) found.push({ line: index + 1, rule });
  });
  return found;
}

function main() {
  let count = 0;
  for (const pkg of corePackages) {
    const dir = join(root, 'packages', pkg, 'src');
    if (!existsSync(dir)) continue;
    for (const file of sourceFiles(dir)) {
      for (const { line, rule } of findViolations(readFileSync(file, 'utf8'))) {
        console.error(`${relative(root, file)}:${line}: ${rule.pattern} ${rule.why}`);
        count++;
      }
    }
  }
  if (count > 0) {
    console.error(`determinism lint: ${count} violation(s) in the pure core`);
    process.exit(1);
  }
  console.log(`determinism lint: ${corePackages.join(', ')} clean`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
