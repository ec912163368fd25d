/**
 * A member in this thread whose peers are reached over TCP on loopback: the
 * same QuorumMember and TcpPeerTransport a `vivarium start` process runs, so
 * an in-process test exercises the multi-process wiring. A crash closes the
 * member's peer sockets at once (as a dying process's are) and loses its
 * unflushed appends; the client port stays open and refuses connections
 * while the member is down.
 */
import { join } from 'node:path';
import type { EngineConfig, Storage } from '@vivarium/store';
import { InMemoryStorage } from '@vivarium/store';
import { TcpPeerTransport, type FaultInjectingTransportStats, type OutgoingLinkFaults } from '@vivarium/transport';
import { faultLayer, noFaultStats, noOutgoingFaults } from './member-fault-layer.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { SystemClock } from '../system-clock.ts';
import { listenForClients, type ClientListener } from '../wire/client-listener.ts';
import { QuorumMember, type MemberInspection, type NodeView } from './quorum-member.ts';
import type { MemberHost, MemberHostEvents, MemberStatus } from './realtime-ensemble.ts';

export interface TcpMemberHostSpec {
  myId: number;
  voters: readonly number[];
  observers: readonly number[];
  initLimitTicks: number;
  syncLimitTicks: number;
  diffTxnsMax: number;
  engineOptions: Partial<Omit<EngineConfig, 'memberId'>>;
  seed: number;
  clientPort: number;
  /** Every member's quorum and election ports on 127.0.0.1. */
  peerPorts: ReadonlyMap<number, { quorumPort: number; electionPort: number }>;
  /** FileStorage here; undefined keeps the member's storage in memory. */
  dataDir: string | undefined;
  forceSync: boolean;
  ensembleConfig: { text: string; version: bigint };
}

const host = '127.0.0.1';

export class TcpMemberHost implements MemberHost {
  readonly clientPort: number;
  private readonly member: QuorumMember;
  private readonly events: MemberHostEvents;
  private listener: ClientListener | undefined;
  private blocked: readonly number[] = [];
  private faults: OutgoingLinkFaults = noOutgoingFaults;
  private peerTransport: TcpPeerTransport | undefined;
  private faultLayerValue: ReturnType<typeof faultLayer> | undefined;
  private incarnation = 0;

  constructor(spec: TcpMemberHostSpec, events: MemberHostEvents) {
    this.clientPort = spec.clientPort;
    this.events = events;
    const mine = spec.peerPorts.get(spec.myId);
    if (mine === undefined) throw new Error(`no peer ports for member ${spec.myId}`);
    let memory: InMemoryStorage | undefined;
    const storage = (): Storage =>
      spec.dataDir === undefined ? (memory ??= new InMemoryStorage()) : new FileStorage({ dataDir: join(spec.dataDir), forceSync: spec.forceSync });
    this.member = new QuorumMember({
      myId: spec.myId,
      voters: spec.voters,
      observers: spec.observers,
      initLimitTicks: spec.initLimitTicks,
      syncLimitTicks: spec.syncLimitTicks,
      diffTxnsMax: spec.diffTxnsMax,
      engineOptions: spec.engineOptions,
      seed: spec.seed,
      storage,
      ensembleConfig: spec.ensembleConfig,
      incarnation: () => ++this.incarnation,
      transport: async () => {
        const transport = await TcpPeerTransport.open({
          myId: spec.myId,
          peers: [...spec.peerPorts].filter(([id]) => id !== spec.myId).map(([id, ports]) => ({ id, host, port: ports.electionPort })),
          listen: [{ host, port: mine.quorumPort }, { host, port: mine.electionPort }],
          reconnectDelayMaxMs: 250,
          log: events.log,
        });
        transport.setBlockedPeers(this.blocked);
        this.peerTransport = transport;
        this.faultLayerValue = faultLayer(transport, { seed: spec.seed, myId: spec.myId, incarnation: this.incarnation, faults: this.faults });
        return this.faultLayerValue;
      },
      onEvent: (event) => {
        if (event.type === 'established') events.established(event.epoch, event.leader);
      },
      onFatal: (error) => events.failed(error),
    });
  }

  get status(): MemberStatus {
    const peer = this.member.peer;
    if (peer === undefined) return { state: 'down', isServing: false, leader: undefined, epoch: 0 };
    return { state: peer.state, isServing: peer.isServing, leader: peer.leader, epoch: peer.epoch };
  }

  async start(): Promise<void> {
    await this.member.start();
    this.listener ??= await listenForClients({
      clientPort: this.clientPort,
      clientPortAddress: host,
      engine: () => this.member.engine,
      clock: new SystemClock(),
      mode: () => this.member.mode,
      log: this.events.log,
    });
  }

  stop(): Promise<void> {
    return this.member.stop();
  }

  crash(): Promise<void> {
    return this.member.crash();
  }

  async inspect(): Promise<MemberInspection> {
    return this.member.inspect();
  }

  async readNode(path: string): Promise<NodeView | undefined> {
    return this.member.readNode(path);
  }

  async setBlockedPeers(peerIds: readonly number[]): Promise<void> {
    this.blocked = [...peerIds];
    if (this.member.isRunning) this.peerTransport?.setBlockedPeers(this.blocked);
  }

  async setOutgoingFaults(faults: OutgoingLinkFaults): Promise<void> {
    this.faults = faults;
    if (this.member.isRunning) this.faultLayerValue?.setOutgoingFaults(faults);
  }

  async faultStats(): Promise<FaultInjectingTransportStats> {
    return this.member.isRunning && this.faultLayerValue !== undefined ? { ...this.faultLayerValue.stats } : noFaultStats();
  }

  async expireSession(sessionId: bigint): Promise<boolean> {
    return this.member.expireSession(sessionId);
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
    await this.member.stop();
  }
}
