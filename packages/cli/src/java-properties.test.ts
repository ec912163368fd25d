import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vivarium/store';
import { parseJavaProperties } from './java-properties.ts';

const pairs = (text: string): [string, string][] => parseJavaProperties(text, 'zoo.cfg').map((entry) => [entry.key, entry.value]);

describe('parseJavaProperties', () => {
  it('reads key=value, key: value and key value', () => {
    expect(pairs('a=1\nb: 2\nc 3\nd\t=\t4\ne :5\nf   6')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
      ['e', '5'],
      ['f', '6'],
    ]);
  });

  it('skips # and ! comments and blank lines, including indented ones', () => {
    expect(pairs('# a comment\n! another\n\n   \n  # indented comment\nkey=value\n')).toEqual([['key', 'value']]);
  });

  it('keeps # and ! inside values (only a leading one starts a comment)', () => {
    expect(pairs('superDigest=super:abc#def!\nx=1 # not a comment')).toEqual([
      ['superDigest', 'super:abc#def!'],
      ['x', '1 # not a comment'],
    ]);
  });

  it('trims trailing whitespace from values and keys, as ZooKeeper does', () => {
    expect(pairs('tickTime=2000   \t\nclientPort = 2181 ')).toEqual([
      ['tickTime', '2000'],
      ['clientPort', '2181'],
    ]);
  });

  it('joins continuation lines and drops their leading whitespace', () => {
    expect(pairs('4lw.commands.whitelist=ruok, \\\n    stat, \\\n\tsrvr\nnext=1')).toEqual([
      ['4lw.commands.whitelist', 'ruok, stat, srvr'],
      ['next', '1'],
    ]);
  });

  it('treats an even number of trailing backslashes as an escaped backslash, not a continuation', () => {
    expect(pairs('dir=C:\\\\data\\\\\nnext=1')).toEqual([
      ['dir', 'C:\\data\\'],
      ['next', '1'],
    ]);
  });

  it('does not continue a comment line that ends in a backslash', () => {
    expect(pairs('# comment \\\nkey=value')).toEqual([['key', 'value']]);
  });

  it('handles a continuation at the end of the file', () => {
    expect(pairs('key=value\\')).toEqual([['key', 'value']]);
  });

  it('accepts \\r\\n and \\r line endings', () => {
    expect(pairs('a=1\r\nb=2\rc=3')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('resolves escapes in keys and values', () => {
    expect(pairs('my\\ key=a\\tb\\u0041\\=\\:c\nk\\=x=1')).toEqual([
      ['my key', 'a\tbA=:c'],
      ['k=x', '1'],
    ]);
  });

  it('keeps separators after the first one in the value', () => {
    expect(pairs('server.1=zk1:2888:3888;2181\nkey = = value')).toEqual([
      ['server.1', 'zk1:2888:3888;2181'],
      ['key', '= value'],
    ]);
  });

  it('gives a key with no value an empty value', () => {
    expect(pairs('lonely\nempty=')).toEqual([
      ['lonely', ''],
      ['empty', ''],
    ]);
  });

  it('records the line each entry starts on', () => {
    const entries = parseJavaProperties('# header\n\na=1\nb=2 \\\n  3\nc=4', 'conf/zoo.cfg');
    expect(entries.map((entry) => entry.origin)).toEqual(['conf/zoo.cfg:3', 'conf/zoo.cfg:4', 'conf/zoo.cfg:6']);
  });

  it('refuses a malformed \\u escape with a ConfigError naming the line', () => {
    expect(() => parseJavaProperties('ok=1\nbad=\\u12G4', 'zoo.cfg')).toThrow(ConfigError);
    expect(() => parseJavaProperties('ok=1\nbad=\\u12G4', 'zoo.cfg')).toThrow(/zoo\.cfg:2/);
  });
});
