import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@vivarium/store';
import { defaultClientPort, formatHostAndPort, parseConnectString } from './connect-string.ts';

describe('parseConnectString (Java ConnectStringParser rules)', () => {
  it('parses hosts in order, with the default port when none is given', () => {
    expect(parseConnectString('a:1,b:2,c')).toEqual({
      hosts: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }, { host: 'c', port: defaultClientPort }],
      chroot: undefined,
    });
    expect(defaultClientPort).toBe(2181);
  });

  it('trims entries and skips empty ones; a trailing colon means the default port', () => {
    expect(parseConnectString(' a:1 , ,b: ,').hosts).toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 2181 }]);
    expect(parseConnectString('zk1:').hosts).toEqual([{ host: 'zk1', port: 2181 }]);
  });

  it('takes the chroot from the first slash; "/" alone is no chroot', () => {
    expect(parseConnectString('127.0.0.1:2181/app/x')).toEqual({ hosts: [{ host: '127.0.0.1', port: 2181 }], chroot: '/app/x' });
    expect(parseConnectString('h:1,h2:2/')).toEqual({ hosts: [{ host: 'h', port: 1 }, { host: 'h2', port: 2 }], chroot: undefined });
    expect(parseConnectString('h/app').chroot).toBe('/app');
  });

  it('validates the chroot as a znode path', () => {
    expect(() => parseConnectString('h:1/app/')).toThrow(/bad chroot.*must not end with \//);
    expect(() => parseConnectString('h:1/a//b')).toThrow(/bad chroot.*empty node name/);
    expect(() => parseConnectString('h:1/a/../b')).toThrow(/bad chroot.*relative paths/);
    expect(() => parseConnectString('h:1/a\u0001')).toThrow(/bad chroot.*invalid character/);
  });

  it('reads bracketed IPv6 addresses with and without a port', () => {
    expect(parseConnectString('[::1]:2182,[fe80::1%eth0],[2001:db8::7]:7/c')).toEqual({
      hosts: [{ host: '::1', port: 2182 }, { host: 'fe80::1%eth0', port: 2181 }, { host: '2001:db8::7', port: 7 }],
      chroot: '/c',
    });
  });

  it('refuses what ZooKeeper refuses, and bad ports and empty hosts', () => {
    expect(() => parseConnectString('[::1:2181')).toThrow(/no matching '\]'/);
    expect(() => parseConnectString('[]:2181')).toThrow(/empty IPv6/);
    expect(() => parseConnectString('[::1]2181')).toThrow(/does not have ':' after '\]'/);
    expect(() => parseConnectString('[::1]:')).toThrow(/no port after ':'/);
    expect(() => parseConnectString('')).toThrow(/no host/);
    expect(() => parseConnectString(' , /app')).toThrow(/no host/);
    expect(() => parseConnectString('h:port')).toThrow(/bad port "port"/);
    expect(() => parseConnectString('h:-1')).toThrow(/bad port/);
    expect(() => parseConnectString('h:70000')).toThrow(/outside 1\.\.65535/);
    expect(() => parseConnectString('h:0')).toThrow(/outside 1\.\.65535/);
    expect(() => parseConnectString(':2181')).toThrow(/empty host/);
  });

  it('an unbracketed IPv6 address is split at its last colon, as Java does', () => {
    expect(parseConnectString('::1').hosts).toEqual([{ host: ':', port: 1 }]);
  });

  it('shuffles deterministically with an injected Random, keeping every host', () => {
    const connectString = 'a:1,b:2,c:3,d:4,e:5,f:6';
    const first = parseConnectString(connectString, { random: new SeededRandom(7) }).hosts;
    const again = parseConnectString(connectString, { random: new SeededRandom(7) }).hosts;
    expect(again).toEqual(first);
    expect([...first].sort((x, y) => x.port - y.port)).toEqual(parseConnectString(connectString).hosts);
    const orders = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) orders.add(parseConnectString(connectString, { random: new SeededRandom(seed) }).hosts.map((h) => h.host).join(''));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('formats an address back into a connect-string entry', () => {
    expect(formatHostAndPort({ host: '::1', port: 2181 })).toBe('[::1]:2181');
    expect(formatHostAndPort({ host: 'zk', port: 1 })).toBe('zk:1');
    const { hosts } = parseConnectString('[::1]:5,zk:6');
    expect(hosts.map(formatHostAndPort).join(',')).toBe('[::1]:5,zk:6');
  });
});
