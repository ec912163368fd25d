import { describe, expect, it } from 'vitest';
import { resolveEngineConfig } from '@vivarium/store';
import { allInterfacesAddress, toWireServerOptions } from './wire-options.ts';
import { parseZooCfg } from './zoo-cfg.ts';

const fromZooCfg = (text: string) => parseZooCfg(text, { profile: 'zoo.cfg' }).config;
const fromEmbedded = (text = '') => parseZooCfg(text, { profile: 'embedded' }).config;

describe('toWireServerOptions', () => {
  it('maps the embedded default: port 2181, loopback (no address), every four-letter word', () => {
    expect(toWireServerOptions(fromEmbedded())).toEqual({
      clientPort: 2181,
      clientPortAddress: undefined,
      maxClientCnxns: 60,
      frameBytesMax: 0xfffff,
      dataBytesMax: 0xfffff,
      fourLetterWordWhitelist: '*',
      readOnlyModeEnabled: false,
      tickTimeMs: 2000,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
      extendedTypesEnabled: false,
      skipAcl: false,
      containerCheckIntervalMs: 60_000,
      containerMaxNeverUsedIntervalMs: 0,
    });
  });

  it('a zoo.cfg without clientPortAddress listens on all interfaces, with the srvr-only whitelist', () => {
    const options = toWireServerOptions(fromZooCfg('tickTime=2000\nclientPort=2181\ndataDir=/var/zk'));
    expect(options.clientPortAddress).toBe(allInterfacesAddress);
    expect(options.clientPortAddress).toBe('0.0.0.0');
    expect(options.fourLetterWordWhitelist).toEqual(['srvr']);
    expect(options).toMatchObject({ dataDir: '/var/zk', dataLogDir: '/var/zk', tickTimeMs: 2000 });
  });

  it('maps every key the wire server and engine take', () => {
    const digest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
    const options = toWireServerOptions(
      fromZooCfg(
        [
          'tickTime=100',
          'clientPort=0',
          'clientPortAddress=127.0.0.1',
          'dataDir=/data',
          'dataLogDir=/log',
          'maxClientCnxns=5',
          'minSessionTimeout=300',
          'maxSessionTimeout=900',
          '4lw.commands.whitelist=ruok,mntr',
          'readonlymode.enabled=true',
          `superDigest=${digest}`,
          'zookeeper.extendedTypesEnabled=true',
          'skipACL=yes',
          'znode.container.checkIntervalMs=250',
          'znode.container.maxNeverUsedIntervalMs=1000',
          'jute.maxbuffer=4194304',
        ].join('\n'),
      ),
      { seed: 42 },
    );
    expect(options).toEqual({
      clientPort: 0,
      clientPortAddress: '127.0.0.1',
      maxClientCnxns: 5,
      frameBytesMax: 4194304,
      dataBytesMax: 4194304,
      fourLetterWordWhitelist: ['ruok', 'mntr', 'isro', 'srvr'],
      readOnlyModeEnabled: true,
      dataDir: '/data',
      dataLogDir: '/log',
      tickTimeMs: 100,
      minSessionTimeoutMs: 300,
      maxSessionTimeoutMs: 900,
      superDigest: digest,
      extendedTypesEnabled: true,
      skipAcl: true,
      containerCheckIntervalMs: 250,
      containerMaxNeverUsedIntervalMs: 1000,
      seed: 42,
    });
  });

  it('passes the log sink through and leaves unset optional keys out', () => {
    const log = (_line: string): void => undefined;
    const options = toWireServerOptions(fromEmbedded(), { log });
    expect(options.log).toBe(log);
    expect('dataDir' in options).toBe(false);
    expect('superDigest' in options).toBe(false);
    expect('seed' in options).toBe(false);
  });

  it('produces engine settings the engine accepts', () => {
    const { clientPort: _p, clientPortAddress: _a, maxClientCnxns: _m, frameBytesMax: _f, fourLetterWordWhitelist: _w, readOnlyModeEnabled: _r, dataDir: _d, dataLogDir: _l, ...engine } =
      toWireServerOptions(fromZooCfg('tickTime=100\ndataDir=/d\nsuperDigest=super:abc=\nextendedTypesEnabled=true'));
    expect(() => resolveEngineConfig(engine)).not.toThrow();
  });

  it('maps the storage keys (forceSync, snapCount, autopurge.*) when they differ from the defaults', () => {
    const options = toWireServerOptions(
      fromZooCfg('dataDir=/d\nforceSync=no\nsnapCount=5000\nautopurge.snapRetainCount=5\nautopurge.purgeInterval=24'),
    );
    expect(options).toMatchObject({ dataDir: '/d', forceSync: false, snapCount: 5000, snapRetainCount: 5, purgeIntervalHours: 24 });
    // Defaults (ZooKeeper's, which are also the server's) stay out; a negative purgeInterval disables purging.
    const defaults = toWireServerOptions(fromZooCfg('dataDir=/d\nforceSync=yes\nautopurge.purgeInterval=-1'));
    for (const key of ['forceSync', 'snapCount', 'snapRetainCount', 'purgeIntervalHours']) expect(key in defaults).toBe(false);
  });
});
