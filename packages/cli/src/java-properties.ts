import { ConfigError } from '@vivarium/store';

/** One `key=value` pair of a properties file, with the line it started on (1-based). */
export interface PropertyEntry {
  key: string;
  value: string;
  /** Where the entry came from, for error messages: `zoo.cfg:12`, `--set`, `--port`. */
  origin: string;
}

/** Whitespace as java.util.Properties defines it: space, tab, form feed. */
function isPropertiesWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isPropertiesWhitespace(text[i])) i++;
  return i;
}

/** True when the line ends with an odd number of backslashes: the logical line goes on. */
function continues(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/** Resolve the escapes java.util.Properties knows: \t \n \r \f \uXXXX, and `\c` for any other c. */
function unescape(text: string, origin: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined) break;
    if (next === 't') out += '\t';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'f') out += '\f';
    else if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigError(origin, `\\u${hex}`, 'a \\uXXXX escape with four hex digits');
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else out += next;
  }
  return out;
}

/**
 * Parse the text of a Java properties file (the zoo.cfg format) the way
 * java.util.Properties.load does: `key=value`, `key: value` or `key value`;
 * `#` and `!` comment lines; a line ending in an odd number of backslashes
 * continues on the next (whose leading whitespace is dropped); the usual
 * backslash escapes. Keys and values are trimmed, as ZooKeeper trims them.
 * Entries come back in file order; a later duplicate wins when applied.
 *
 * @param sourceName names the file in each entry's origin (`zoo.cfg` -> `zoo.cfg:7`).
 */
export function parseJavaProperties(text: string, sourceName: string): PropertyEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let index = 0;
  while (index < lines.length) {
    const lineNumber = index + 1;
    const first = lines[index++] as string;
    const start = skipWhitespace(first, 0);
    if (start === first.length) continue;
    // A comment line is never continued, even when it ends in a backslash.
    if (first[start] === '#' || first[start] === '!') continue;
    let piece = first.slice(start);
    let logical = '';
    while (continues(piece) && index < lines.length) {
      logical += piece.slice(0, -1);
      const nextLine = lines[index++] as string;
      piece = nextLine.slice(skipWhitespace(nextLine, 0));
    }
    logical += continues(piece) ? piece.slice(0, -1) : piece;
    const origin = `${sourceName}:${lineNumber}`;
    entries.push(splitKeyValue(logical, origin));
  }
  return entries;
}

function splitKeyValue(logical: string, origin: string): PropertyEntry {
  let keyEnd = 0;
  let separatorSeen = false;
  while (keyEnd < logical.length) {
    const c = logical[keyEnd];
    if (c === '\\') {
      keyEnd += 2;
      continue;
    }
    if (c === '=' || c === ':' || isPropertiesWhitespace(c)) break;
    keyEnd++;
  }
  keyEnd = Math.min(keyEnd, logical.length);
  let valueStart = keyEnd;
  if (logical[valueStart] === '=' || logical[valueStart] === ':') {
    separatorSeen = true;
    valueStart++;
  }
  valueStart = skipWhitespace(logical, valueStart);
  if (!separatorSeen && (logical[valueStart] === '=' || logical[valueStart] === ':')) {
    valueStart = skipWhitespace(logical, valueStart + 1);
  }
  return {
    key: unescape(logical.slice(0, keyEnd), origin).trim(),
    value: unescape(logical.slice(valueStart), origin).trim(),
    origin,
  };
}
