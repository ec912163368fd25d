import type { RunMemberOptions, WireServerOptions } from '@vivarium/server';
import { ConfigError } from '@vivarium/store';
import type { ZooCfg } from './zoo-cfg.ts';

/**
 * Map a zoo.cfg with server.N lines onto one ensemble member's options: this
 * member is dataDir/myid; each server.N line gives a member's host, quorum
 * port and election port (the first address when multiAddress lists several)
 * and its role. Pure: no I/O.
 */
export function toRunMemberOptions(config: ZooCfg, wire: WireServerOptions): { options: RunMemberOptions; notices: string[] } {
  const { ensemble } = config;
  const notices: string[] = [];
  if (ensemble.myid === undefined) throw new ConfigError('myid', undefined, 'a dataDir/myid file for an ensemble');
  if (ensemble.initLimit === undefined || ensemble.syncLimit === undefined) throw new ConfigError('initLimit', ensemble.initLimit, 'initLimit and syncLimit for an ensemble');
  const me = ensemble.servers.find((server) => server.id === ensemble.myid);
  if (me === undefined) throw new ConfigError('myid', ensemble.myid, `the id of one of the server.N lines (${ensemble.servers.map((s) => s.id).join(', ')})`);
  if (ensemble.peerType !== undefined && ensemble.peerType !== me.role) {
    notices.push(`peerType=${ensemble.peerType} differs from server.${me.id}'s role ${me.role}: the server.${me.id} line wins`);
  }
  if (ensemble.groups.length > 0 || ensemble.weights.length > 0) notices.push('group.N and weight.N lines ignored: Vivarium counts a majority of participants');
  const servers = ensemble.servers.map((server) => {
    const address = server.addresses[0];
    if (address === undefined) throw new ConfigError(`server.${server.id}`, undefined, 'a quorum address');
    if (server.addresses.length > 1) notices.push(`server.${server.id}: only the first of ${server.addresses.length} addresses is used`);
    return {
      id: server.id, host: address.host, quorumPort: address.quorumPort, electionPort: address.electionPort, role: server.role,
      clientHost: server.clientHost, clientPort: server.clientPort,
    };
  });
  const { clock: _clock, memberId: _memberId, ...rest } = wire;
  const reconfig = ensemble.reconfigEnabled ? { reconfigEnabled: true } : {};
  // ZooKeeper takes the configuration's version from the dynamic config file's name (zoo.cfg.dynamic.<hex>).
  const versionText = /\.dynamic\.([0-9a-f]+)$/i.exec(ensemble.dynamicConfigFile ?? '')?.[1];
  const version = versionText === undefined ? {} : { configVersion: BigInt(`0x${versionText}`) };
  return { options: { ...rest, ...reconfig, ...version, myId: ensemble.myid, servers, initLimitTicks: ensemble.initLimit, syncLimitTicks: ensemble.syncLimit }, notices };
}
