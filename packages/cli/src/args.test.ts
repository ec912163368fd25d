import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from './args.ts';

describe('parseCliArgs', () => {
  it('help and version, as flags or commands', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['start', '--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseCliArgs(['-v'])).toEqual({ kind: 'version' });
  });

  it('start with no options runs the embedded default', () => {
    expect(parseCliArgs(['start'])).toEqual({ kind: 'start', options: { configPath: undefined, overrides: [], seed: undefined, ensembleSize: undefined } });
  });

  it('turns the flags into zoo.cfg entries: named flags first, then every --set in order', () => {
    const command = parseCliArgs([
      'start',
      '--config',
      'conf/zoo.cfg',
      '--set',
      'maxClientCnxns=0',
      '--port',
      '0',
      '--tick-time=500',
      '--data-dir',
      '/tmp/vivarium',
      '--host',
      '127.0.0.1',
      '--set',
      '4lw.commands.whitelist = ruok, stat',
      '--seed',
      '7',
    ]);
    expect(command).toEqual({
      kind: 'start',
      options: {
        configPath: 'conf/zoo.cfg',
        overrides: [
          { key: 'clientPort', value: '0', origin: '--port' },
          { key: 'tickTime', value: '500', origin: '--tick-time' },
          { key: 'dataDir', value: '/tmp/vivarium', origin: '--data-dir' },
          { key: 'clientPortAddress', value: '127.0.0.1', origin: '--host' },
          { key: 'maxClientCnxns', value: '0', origin: '--set' },
          { key: '4lw.commands.whitelist', value: 'ruok, stat', origin: '--set' },
        ],
        seed: 7,
        ensembleSize: undefined,
      },
    });
  });

  it('short flags -c and -p', () => {
    const command = parseCliArgs(['start', '-c', 'zoo.cfg', '-p', '2182']);
    expect(command).toMatchObject({ kind: 'start', options: { configPath: 'zoo.cfg', overrides: [{ key: 'clientPort', value: '2182' }] } });
  });

  it('keeps = signs inside a --set value', () => {
    const command = parseCliArgs(['start', '--set', 'superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=']);
    expect(command).toMatchObject({ options: { overrides: [{ key: 'superDigest', value: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=' }] } });
  });

  it('reads --ensemble', () => {
    expect(parseCliArgs(['start', '--ensemble', '3'])).toMatchObject({ options: { ensembleSize: 3 } });
  });

  it('refuses bad command lines with a UsageError', () => {
    for (const argv of [
      [],
      ['stop'],
      ['start', 'extra'],
      ['start', '--bogus'],
      ['start', '--port'],
      ['start', '--set', 'novalue'],
      ['start', '--set', '=value'],
      ['start', '--seed', 'abc'],
      ['start', '--seed', '-1'],
      ['start', '--ensemble', '0'],
    ]) {
      expect(() => parseCliArgs(argv), JSON.stringify(argv)).toThrow(UsageError);
    }
  });
});
