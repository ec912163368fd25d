import { describe, expect, it } from 'vitest';
import { dynamicConfigFileName, dynamicConfigText, staticConfigPointingTo } from './dynamic-config-file.ts';

describe('dynamic config file', () => {
  it('is named zoo.cfg.dynamic.<version hex> beside zoo.cfg and holds the server lines only, no trailing newline', () => {
    expect(dynamicConfigFileName('/etc/zk/zoo.cfg', 0x10000000fn)).toBe('/etc/zk/zoo.cfg.dynamic.10000000f');
    expect(dynamicConfigText('server.1=h:1:2:participant;h:3\nserver.3=h:4:5:observer;h:6\nversion=10000000f')).toBe('server.1=h:1:2:participant;h:3\nserver.3=h:4:5:observer;h:6');
  });

  it('rewrites zoo.cfg without quorum lines, pointing to the dynamic file', () => {
    const text = 'tickTime=2000\nserver.1=h:1:2\ngroup.1=1:2\nweight.1=1\ndynamicConfigFile=/old\nreconfigEnabled=true\n\n';
    expect(staticConfigPointingTo(text, '/etc/zk/zoo.cfg.dynamic.2')).toBe('tickTime=2000\nreconfigEnabled=true\ndynamicConfigFile=/etc/zk/zoo.cfg.dynamic.2\n');
  });
});
