import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vivarium/store';
import { parseZooCfg, resolveZooCfg, ZooCfgError, type ReadTextFile, type ResolvedZooCfg } from './zoo-cfg.ts';

const zooCfg = (text: string, files: Record<string, string> = {}): ResolvedZooCfg =>
  parseZooCfg(text, { profile: 'zoo.cfg', readTextFile: (path) => files[path] });

const embedded = (text = ''): ResolvedZooCfg => parseZooCfg(text, { profile: 'embedded', sourceName: '--set' });

/** The ConfigError a config throws (fails the test when it does not throw one). */
function configErrorOf(text: string, files: Record<string, string> = {}): ConfigError {
  try {
    zooCfg(text, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

const sample = `
# The ZooKeeper 3.8 sample config (conf/zoo_sample.cfg)
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/tmp/zookeeper
clientPort=2181
#maxClientCnxns=60
#autopurge.snapRetainCount=3
#autopurge.purgeInterval=1
## Metrics Providers
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true
`;

describe('resolveZooCfg: ZooKeeper 3.8 defaults', () => {
  it('reads the sample zoo.cfg with no notices and ZooKeeper defaults elsewhere', () => {
    const { config, notices } = zooCfg(sample);
    expect(notices).toEqual([]);
    expect(config).toMatchObject({
      profile: 'zoo.cfg',
      tickTimeMs: 2000,
      clientPort: 2181,
      clientPortAddress: undefined,
      dataDir: '/tmp/zookeeper',
      dataLogDir: '/tmp/zookeeper',
      maxClientCnxns: 60,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
      fourLetterWordWhitelist: ['srvr'],
      readOnlyModeEnabled: false,
      superDigest: undefined,
      extendedTypesEnabled: false,
      skipAcl: false,
      containerCheckIntervalMs: 60_000,
      containerMaxPerMinute: 10_000,
      containerMaxNeverUsedIntervalMs: 0,
      juteMaxBufferBytes: 0xfffff,
      autopurgeSnapRetainCount: 3,
      autopurgePurgeIntervalHours: 0,
      snapCount: 100_000,
      preAllocSizeKb: 65_536,
      forceSync: true,
      globalOutstandingLimit: 1000,
    });
    expect(config.ensemble).toMatchObject({ initLimit: 10, syncLimit: 5, servers: [], distributed: false, standaloneEnabled: true });
  });

  it('defaults tickTime to 3000 in a zoo.cfg (ZooKeeper 3.8 DEFAULT_TICK_TIME) and 2000 embedded', () => {
    expect(zooCfg('dataDir=/d').config.tickTimeMs).toBe(3000);
    expect(zooCfg('dataDir=/d').config.minSessionTimeoutMs).toBe(6000);
    expect(zooCfg('dataDir=/d').config.maxSessionTimeoutMs).toBe(60000);
    expect(embedded().config.tickTimeMs).toBe(2000);
  });

  it('derives session timeouts from tickTime unless set; -1 means the default', () => {
    expect(zooCfg('tickTime=500').config).toMatchObject({ minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 10000 });
    expect(zooCfg('tickTime=500\nminSessionTimeout=1500\nmaxSessionTimeout=3000').config).toMatchObject({
      minSessionTimeoutMs: 1500,
      maxSessionTimeoutMs: 3000,
    });
    expect(zooCfg('tickTime=500\nminSessionTimeout=-1\nmaxSessionTimeout=-1').config).toMatchObject({
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 10000,
    });
  });

  it('embedded profile: port 2181 on loopback (address undefined), every four-letter word', () => {
    const { config, notices } = embedded();
    expect(config).toMatchObject({ profile: 'embedded', clientPort: 2181, clientPortAddress: undefined, fourLetterWordWhitelist: '*', dataDir: undefined });
    expect(notices).toEqual([]);
  });

  it('a zoo.cfg without clientPort listens on 2181 with a notice; without dataDir, a notice', () => {
    const { config, notices } = zooCfg('tickTime=2000');
    expect(config.clientPort).toBe(2181);
    expect(notices.join('\n')).toMatch(/clientPort is not set/);
    expect(notices.join('\n')).toMatch(/dataDir is not set/);
  });

  it('dataLogDir defaults to dataDir and can be set apart', () => {
    expect(zooCfg('dataDir=/a').config.dataLogDir).toBe('/a');
    expect(zooCfg('dataDir=/a\ndataLogDir=/b').config).toMatchObject({ dataDir: '/a', dataLogDir: '/b' });
  });

  it('takes the last value of a repeated key, as java.util.Properties does', () => {
    expect(zooCfg('tickTime=2000\ntickTime : 2500').config.tickTimeMs).toBe(2500);
  });
});

describe('resolveZooCfg: every key', () => {
  it('client port, address and connection limit', () => {
    expect(zooCfg('clientPort=2182\nclientPortAddress=10.0.0.5\nmaxClientCnxns=0').config).toMatchObject({
      clientPort: 2182,
      clientPortAddress: '10.0.0.5',
      maxClientCnxns: 0,
    });
    expect(zooCfg('clientPort=0').config.clientPort).toBe(0);
  });

  it('4lw.commands.whitelist: a comma list, * for all; srvr always; isro with read-only mode', () => {
    expect(zooCfg('4lw.commands.whitelist=ruok, stat ,mntr').config.fourLetterWordWhitelist).toEqual(['ruok', 'stat', 'mntr', 'srvr']);
    expect(zooCfg('4lw.commands.whitelist=*').config.fourLetterWordWhitelist).toBe('*');
    expect(zooCfg('4lw.commands.whitelist=ruok, *').config.fourLetterWordWhitelist).toBe('*');
    expect(zooCfg('4lw.commands.whitelist=').config.fourLetterWordWhitelist).toEqual(['srvr']);
    expect(zooCfg('readonlymode.enabled=true').config.fourLetterWordWhitelist).toEqual(['isro', 'srvr']);
    expect(zooCfg('zookeeper.4lw.commands.whitelist=conf').config.fourLetterWordWhitelist).toEqual(['conf', 'srvr']);
    // Embedded: every word unless a whitelist is given, then ZooKeeper's rules.
    expect(embedded('4lw.commands.whitelist=ruok').config.fourLetterWordWhitelist).toEqual(['ruok', 'srvr']);
  });

  it('4lw words ZooKeeper knows but Vivarium does not answer are left out with a notice', () => {
    const { config, notices } = zooCfg('4lw.commands.whitelist=ruok,crst,hash');
    expect(config.fourLetterWordWhitelist).toEqual(['ruok', 'srvr']);
    expect(notices.filter((notice) => /not implemented by Vivarium/.test(notice))).toHaveLength(2);
  });

  it('superDigest under all three names', () => {
    const digest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
    expect(zooCfg(`superDigest=${digest}`).config.superDigest).toBe(digest);
    expect(zooCfg(`zookeeper.DigestAuthenticationProvider.superDigest=${digest}`).config.superDigest).toBe(digest);
    expect(zooCfg(`DigestAuthenticationProvider.superDigest=${digest}`).config.superDigest).toBe(digest);
  });

  it('system-property switches: readonlymode.enabled, extendedTypesEnabled, skipACL', () => {
    expect(zooCfg('readonlymode.enabled=true').config.readOnlyModeEnabled).toBe(true);
    expect(zooCfg('zookeeper.extendedTypesEnabled=true').config.extendedTypesEnabled).toBe(true);
    expect(zooCfg('extendedTypesEnabled=TRUE').config.extendedTypesEnabled).toBe(true);
    expect(zooCfg('skipACL=yes').config.skipAcl).toBe(true);
    expect(zooCfg('zookeeper.skipACL=no').config.skipAcl).toBe(false);
    expect(zooCfg('skipACL=true').config.skipAcl).toBe(true);
  });

  it('containers and jute.maxbuffer (decimal or hex, as Integer.getInteger reads them)', () => {
    expect(
      zooCfg('znode.container.checkIntervalMs=1000\nznode.container.maxPerMinute=50\nznode.container.maxNeverUsedIntervalMs=5000\njute.maxbuffer=0x3fffff').config,
    ).toMatchObject({ containerCheckIntervalMs: 1000, containerMaxPerMinute: 50, containerMaxNeverUsedIntervalMs: 5000, juteMaxBufferBytes: 0x3fffff });
    expect(zooCfg('zookeeper.jute.maxbuffer=2000000').config.juteMaxBufferBytes).toBe(2_000_000);
  });

  it('durable-storage keys are kept; without a dataDir they are noticed as having no effect', () => {
    const { config, notices } = zooCfg(
      'autopurge.snapRetainCount=5\nautopurge.purgeInterval=24\nsnapCount=5000\npreAllocSize=1024\nforceSync=no\nglobalOutstandingLimit=500',
    );
    expect(config).toMatchObject({
      autopurgeSnapRetainCount: 5,
      autopurgePurgeIntervalHours: 24,
      snapCount: 5000,
      preAllocSizeKb: 1024,
      forceSync: false,
      globalOutstandingLimit: 500,
    });
    expect(notices.filter((notice) => /no effect without a dataDir/.test(notice))).toHaveLength(4);
    expect(notices.filter((notice) => /no effect in Vivarium/.test(notice))).toHaveLength(2);
  });

  it('with a dataDir the storage keys take effect: no notice for them', () => {
    const { notices } = zooCfg('dataDir=/var/zk\nautopurge.snapRetainCount=5\nautopurge.purgeInterval=24\nsnapCount=5000\nforceSync=no');
    expect(notices.filter((notice) => /no effect/.test(notice))).toEqual([]);
  });

  it('autopurge.snapRetainCount below 3 becomes 3 with a notice, as ZooKeeper does', () => {
    const { config, notices } = zooCfg('autopurge.snapRetainCount=1');
    expect(config.autopurgeSnapRetainCount).toBe(3);
    expect(notices.join('\n')).toMatch(/below 3; using 3/);
  });

  it('server-only keys are accepted, checked like ZooKeeper checks them, and ignored with a notice', () => {
    const text = [
      'admin.enableServer=false',
      'admin.serverPort=8080',
      'secureClientPort=2281',
      'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      'metricsProvider.httpPort=7000',
      'quorumListenOnAllIPs=true',
      'ssl.keyStore.location=/k.jks',
      'authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
      'localSessionsEnabled=false',
      'jvm.pause.monitor=true',
      'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    ].join('\n');
    const { notices } = zooCfg(`dataDir=/d\nclientPort=2181\n${text}`);
    expect(notices).toHaveLength(11);
    for (const notice of notices) expect(notice).toMatch(/ignored \(a ZooKeeper server setting/);
    expect(configErrorOf('secureClientPort=abc').message).toMatch(/secureClientPort: "abc"/);
    expect(configErrorOf('quorumListenOnAllIPs=yes').message).toMatch(/quorumListenOnAllIPs: "yes"/);
  });

  it('unknown keys are accepted with a notice naming the key and its system property, as ZooKeeper does', () => {
    const { notices } = zooCfg('tickTime=2000\nsomeFutureSetting=42\ndataDir=/d\nclientPort=2181');
    expect(notices).toEqual(['zoo.cfg:2: unknown key someFutureSetting ignored (ZooKeeper would set the system property zookeeper.someFutureSetting)']);
  });

  it('initLimit and syncLimit are kept for the ensemble without notices', () => {
    const { config, notices } = zooCfg('initLimit=10\nsyncLimit=5\ndataDir=/d\nclientPort=2181');
    expect(config.ensemble).toMatchObject({ initLimit: 10, syncLimit: 5 });
    expect(notices).toEqual([]);
  });
});

describe('resolveZooCfg: bad values name the key and the value', () => {
  const cases: [string, RegExp][] = [
    ['tickTime=abc', /invalid tickTime: "abc"/],
    ['tickTime=0', /invalid tickTime: "0"/],
    ['tickTime=2000ms', /invalid tickTime: "2000ms"/],
    ['clientPort=70000', /invalid clientPort: "70000"/],
    ['clientPort=-1', /invalid clientPort: "-1"/],
    ['clientPortAddress=', /invalid clientPortAddress: ""/],
    ['clientPortAddress=127.0.0.1', /invalid clientPortAddress: "127.0.0.1" \(expected a clientPort beside it/],
    ['maxClientCnxns=-5', /invalid maxClientCnxns: "-5"/],
    ['minSessionTimeout=5000\nmaxSessionTimeout=4000', /invalid maxSessionTimeout: "4000" \(expected a value >= minSessionTimeout \(5000\)\)/],
    ['tickTime=2000\nmaxSessionTimeout=1000', /invalid maxSessionTimeout: "1000"/],
    ['tickTime=2000\nminSessionTimeout=50000', /invalid minSessionTimeout: "50000" \(expected a value <= maxSessionTimeout \(40000\)\)/],
    ['minSessionTimeout=0', /invalid minSessionTimeout: "0"/],
    ['4lw.commands.whitelist=ruok, bogus', /invalid 4lw\.commands\.whitelist: "ruok, bogus".*"bogus" is not one/],
    ['readonlymode.enabled=maybe', /invalid readonlymode\.enabled: "maybe"/],
    ['zookeeper.extendedTypesEnabled=1', /invalid zookeeper\.extendedTypesEnabled: "1"/],
    ['skipACL=sure', /invalid skipACL: "sure"/],
    ['superDigest=nocolon', /invalid superDigest: "nocolon"/],
    ['znode.container.checkIntervalMs=0', /invalid znode\.container\.checkIntervalMs: "0"/],
    ['jute.maxbuffer=lots', /invalid jute\.maxbuffer: "lots"/],
    ['forceSync=perhaps', /invalid forceSync: "perhaps"/],
    ['dataDir=', /invalid dataDir: ""/],
    ['initLimit=ten', /invalid initLimit: "ten"/],
    ['standaloneEnabled=yes', /invalid standaloneEnabled: "yes"/],
    ['electionAlg=1', /invalid electionAlg: "1"/],
    ['peerType=leader', /invalid peerType: "leader"/],
    ['=value', /invalid \(empty key\)/],
  ];
  for (const [text, message] of cases) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const error = configErrorOf(text);
      expect(error.message).toMatch(message);
      expect(error).toBeInstanceOf(ZooCfgError);
    });
  }

  it('says where the bad value came from', () => {
    const error = configErrorOf('# header\ndataDir=/d\ntickTime=abc') as ZooCfgError;
    expect(error.origin).toBe('zoo.cfg:3');
    expect(error.message).toBe('zoo.cfg:3: invalid tickTime: "abc" (expected a positive integer (milliseconds))');
    expect(error.key).toBe('tickTime');
  });

  it('applies the same checks to overrides, naming their origin', () => {
    expect(() =>
      parseZooCfg('tickTime=2000', { profile: 'zoo.cfg', overrides: [{ key: 'clientPort', value: 'x', origin: '--set' }] }),
    ).toThrow('--set: invalid clientPort: "x"');
  });
});

describe('resolveZooCfg: the ensemble lines', () => {
  const ensembleBase = 'dataDir=/d\ninitLimit=5\nsyncLimit=2';
  const myidFile = { '/d/myid': '1\n' };
  it('parses server.N lines of every shape and keeps them sorted by id', () => {
    const text = [
      'server.3=zk3.example.com:2888:3888:observer;2181',
      'server.1=zk1:2888:3888',
      'server.2=[2001:db8::2]:2888:3888:participant;10.0.0.2:2181',
      'server.4=zk4:2888:3888;[::1]:2184',
      'server.5=zk5:2888:3888:OBSERVER',
    ].join('\n');
    const { config, notices } = zooCfg(`${ensembleBase}\n${text}`, myidFile);
    expect(notices.join('\n')).not.toMatch(/server\./);
    expect(config.ensemble.servers).toEqual([
      { id: 1, addresses: [{ host: 'zk1', quorumPort: 2888, electionPort: 3888 }], role: 'participant', clientHost: undefined, clientPort: undefined },
      { id: 2, addresses: [{ host: '2001:db8::2', quorumPort: 2888, electionPort: 3888 }], role: 'participant', clientHost: '10.0.0.2', clientPort: 2181 },
      { id: 3, addresses: [{ host: 'zk3.example.com', quorumPort: 2888, electionPort: 3888 }], role: 'observer', clientHost: undefined, clientPort: 2181 },
      { id: 4, addresses: [{ host: 'zk4', quorumPort: 2888, electionPort: 3888 }], role: 'participant', clientHost: '::1', clientPort: 2184 },
      { id: 5, addresses: [{ host: 'zk5', quorumPort: 2888, electionPort: 3888 }], role: 'observer', clientHost: undefined, clientPort: undefined },
    ]);
    expect(config.ensemble.distributed).toBe(true);
  });

  it('accepts several addresses per server only with multiAddress.enabled', () => {
    const line = 'server.1=a:2888:3888|b:2889:3889';
    expect(configErrorOf(`${line}`).message).toMatch(/invalid server\.1: .*multiAddress\.enabled/);
    const { config } = zooCfg(`multiAddress.enabled=true\n${line}`);
    expect(config.ensemble.servers[0]?.addresses).toEqual([
      { host: 'a', quorumPort: 2888, electionPort: 3888 },
      { host: 'b', quorumPort: 2889, electionPort: 3889 },
    ]);
  });

  it('refuses malformed server.N lines, naming the key', () => {
    for (const [text, message] of [
      ['server.1=127.0.0.1', /invalid server\.1: "127\.0\.0\.1"/],
      ['server.1=127.0.0.1:2888', /invalid server\.1: "127\.0\.0\.1:2888"/],
      ['server.1=h:2888:3888:leader', /invalid server\.1: .*participant or observer/],
      ['server.1=h:2888:99999', /invalid server\.1: .*election port in 0\.\.65535/],
      ['server.1=h:2888:3888;a:b:c', /invalid server\.1: .*client address/],
      ['server.1=h:2888:3888;3888', /invalid server\.1: .*different from the election port/],
      ['server.1=h:1:2;3;4', /invalid server\.1/],
      ['server.x=h:2888:3888', /invalid server\.x: .*numeric N/],
      ['server.1=[::1:2888:3888', /invalid server\.1: .*IPv6/],
    ] as const) {
      expect(configErrorOf(text).message).toMatch(message);
    }
  });

  it('keeps group.N and weight.N lines', () => {
    const text = 'server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\ngroup.1=1:2\ngroup.2=3\nweight.1=1\nweight.2=1\nweight.3=0';
    const { config } = zooCfg(`${ensembleBase}\n${text}`, myidFile);
    expect(config.ensemble.groups).toEqual([
      { id: 1, serverIds: [1, 2] },
      { id: 2, serverIds: [3] },
    ]);
    expect(config.ensemble.weights).toEqual([
      { serverId: 1, weight: 1 },
      { serverId: 2, weight: 1 },
      { serverId: 3, weight: 0 },
    ]);
    expect(configErrorOf('group.1=1:x').message).toMatch(/invalid group\.1: "x"/);
    expect(configErrorOf('weight.1=heavy').message).toMatch(/invalid weight\.1: "heavy"/);
  });

  it('one server line runs standalone with a notice, as ZooKeeper does', () => {
    const { config, notices } = zooCfg('dataDir=/d\nserver.1=127.0.0.1:2888:3888;2181');
    expect(config.ensemble.distributed).toBe(false);
    expect(notices.join('\n')).toMatch(/only one server\.N line/);
  });

  it('standaloneEnabled=false makes even one participant an ensemble member', () => {
    const files = { '/d/myid': '1\n' };
    const { config } = zooCfg('dataDir=/d\ninitLimit=5\nsyncLimit=2\nstandaloneEnabled=false\nserver.1=h:2888:3888', files);
    expect(config.ensemble).toMatchObject({ distributed: true, standaloneEnabled: false, myid: 1 });
    expect(configErrorOf('standaloneEnabled=false').message).toMatch(/invalid standaloneEnabled: "false"/);
  });

  it('refuses observers without a quorum', () => {
    expect(configErrorOf('server.1=h:1:2:observer').message).toMatch(/at least one participant/);
    expect(configErrorOf('server.1=h:1:2\nserver.2=i:1:2:observer').message).toMatch(/at least two participants/);
  });

  it('an ensemble needs initLimit, syncLimit and a myid file, as ZooKeeper checks', () => {
    const servers = 'server.1=a:2888:3888\nserver.2=b:2888:3888\nserver.3=c:2888:3888';
    expect(configErrorOf(`dataDir=/d\n${servers}`).message).toMatch(/invalid initLimit/);
    expect(configErrorOf(`dataDir=/d\ninitLimit=5\n${servers}`).message).toMatch(/invalid syncLimit/);
    expect(configErrorOf(`dataDir=/d\ninitLimit=5\nsyncLimit=2\n${servers}`).message).toMatch(/invalid myid: "\/d\/myid"/);
    const { config } = zooCfg(`dataDir=/d\ninitLimit=5\nsyncLimit=2\n${servers}`, { '/d/myid': '2\n' });
    expect(config.ensemble).toMatchObject({ myid: 2, distributed: true, initLimit: 5, syncLimit: 2 });
  });

  it('reads myid from dataDir/myid when present, and refuses a non-numeric one', () => {
    expect(zooCfg('dataDir=/d', { '/d/myid': '7\n' }).config.ensemble.myid).toBe(7);
    expect(zooCfg('dataDir=/d/', { '/d/myid': ' 7 ' }).config.ensemble.myid).toBe(7);
    expect(zooCfg('dataDir=/d').config.ensemble.myid).toBeUndefined();
    expect(configErrorOf('dataDir=/d', { '/d/myid': 'one' }).message).toBe('/d/myid: invalid myid: "one" (expected a server id (a number))');
  });

  it("takes the client port and address from this member's server line when clientPort is absent", () => {
    const files = { '/d/myid': '2' };
    const { config } = zooCfg('dataDir=/d\ninitLimit=5\nsyncLimit=2\nserver.1=a:1:2;2181\nserver.2=b:1:2;127.0.0.2:2182', files);
    expect(config).toMatchObject({ clientPort: 2182, clientPortAddress: '127.0.0.2' });
  });

  it('reads server lines from dynamicConfigFile', () => {
    const files = { '/d/myid': '1', '/conf/zoo.cfg.dynamic.100000000': 'server.1=a:2888:3888;2181\nserver.2=b:2888:3888;2181\nserver.3=c:2888:3888;2181\n' };
    const { config } = zooCfg('dataDir=/d\ninitLimit=5\nsyncLimit=2\ndynamicConfigFile=/conf/zoo.cfg.dynamic.100000000', files);
    expect(config.ensemble.dynamicConfigFile).toBe('/conf/zoo.cfg.dynamic.100000000');
    expect(config.ensemble.servers.map((server) => server.id)).toEqual([1, 2, 3]);
    expect(config.clientPort).toBe(2181);
  });

  it('refuses server lines beside dynamicConfigFile, a missing dynamic file, and other keys inside it', () => {
    expect(configErrorOf('dynamicConfigFile=/x\nserver.1=a:1:2', { '/x': '' }).message).toMatch(/invalid server\.1: .*dynamicConfigFile/);
    expect(configErrorOf('dynamicConfigFile=/missing').message).toMatch(/invalid dynamicConfigFile: "\/missing" \(expected a readable file\)/);
    expect(configErrorOf('dynamicConfigFile=/x', { '/x': 'tickTime=2000' }).message).toMatch(/^\/x:1: invalid tickTime/);
    expect(configErrorOf('dynamicConfigFile=/x', { '/x': 'version=100' }).message).toMatch(/invalid version/);
  });

  it('without a file reader, neither myid nor the dynamic file is read', () => {
    const read: ReadTextFile | undefined = undefined;
    const { config } = resolveZooCfg([{ key: 'dataDir', value: '/d', origin: 'x' }], { profile: 'zoo.cfg', ...(read ? { readTextFile: read } : {}) });
    expect(config.ensemble.myid).toBeUndefined();
  });
});
