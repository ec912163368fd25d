/**
 * The body of a worker thread running one ensemble member (started by
 * WorkerMemberHost). The member talks to its peers over MessagePorts handed
 * over by the main thread, keeps its state in files (so a restarted worker
 * comes back with it), serves clients on its TCP client port, and answers the
 * main thread's questions (inspect, readNode, stop) over its parent port.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { EngineConfig } from '@vivarium/store';
import { MessagePortTransport, type OutgoingLinkFaults } from '@vivarium/transport';
import { faultLayer, noFaultStats } from './member-fault-layer.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { SystemClock } from '../system-clock.ts';
import { listenForClients, type ClientListener } from '../wire/client-listener.ts';
import { QuorumMember } from './quorum-member.ts';
import type { MemberStatus } from './realtime-ensemble.ts';

/** What the main thread gives a member's worker. */
export interface WorkerMemberData {
  myId: number;
  voters: readonly number[];
  observers: readonly number[];
  initLimitTicks: number;
  syncLimitTicks: number;
  diffTxnsMax: number;
  engineOptions: Partial<Omit<EngineConfig, 'memberId'>>;
  seed: number;
  incarnation: number;
  clientPort: number;
  dataDir: string;
  forceSync: boolean;
  ensembleConfig: { text: string; version: bigint };
  blocked: readonly number[];
  faults: OutgoingLinkFaults;
  ports: ReadonlyArray<{ peerId: number; port: MessagePort }>;
}

/** Main thread to worker. */
export type ToWorker =
  | { type: 'link'; peerId: number; port: MessagePort }
  | { type: 'block'; peers: readonly number[] }
  | { type: 'faults'; faults: OutgoingLinkFaults }
  /** Test hook: end the thread at once with this exit code, as a member dying on its own would. */
  | { type: 'exit'; code: number }
  | { type: 'request'; id: number; op: 'inspect' | 'stop' | 'faultStats' }
  | { type: 'request'; id: number; op: 'expireSession'; sessionId: bigint }
  | { type: 'request'; id: number; op: 'readNode'; path: string };

/** Worker to main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'status'; status: MemberStatus }
  | { type: 'established'; epoch: number; leader: number }
  | { type: 'fatal'; error: string }
  | { type: 'log'; line: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('worker-member.ts runs only as a worker thread');
  const data = workerData as WorkerMemberData;
  const post = (message: FromWorker): void => port.postMessage(message);
  const log = (line: string): void => post({ type: 'log', line });

  // Links may arrive before the member has started: the transport exists first and takes them at once.
  const transport = new MessagePortTransport({ myId: data.myId, log });
  for (const link of data.ports) transport.setPort(link.peerId, link.port);
  transport.setBlockedPeers(data.blocked);
  // Link faults sit between the member and its ports, for the worker's whole life (one run of the member).
  const faulty = faultLayer(transport, { seed: data.seed, myId: data.myId, incarnation: data.incarnation, faults: data.faults });

  let member: QuorumMember | undefined;
  let listener: ClientListener | undefined;
  let lastStatus = '';
  const publishStatus = (): void => {
    const peer = member?.peer;
    const status: MemberStatus = peer === undefined
      ? { state: 'down', isServing: false, leader: undefined, epoch: 0 }
      : { state: peer.state, isServing: peer.isServing, leader: peer.leader, epoch: peer.epoch };
    const key = `${status.state}|${status.isServing}|${status.leader}|${status.epoch}`;
    if (key === lastStatus) return;
    lastStatus = key;
    post({ type: 'status', status });
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'link':
        transport.setPort(message.peerId, message.port);
        return;
      case 'block':
        transport.setBlockedPeers(message.peers);
        return;
      case 'faults':
        faulty.setOutgoingFaults(message.faults);
        return;
      case 'exit':
        process.exit(message.code);
      case 'request':
        void answer(message).then(
          (result) => post({ type: 'reply', id: message.id, result }),
          (error: unknown) => post({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) }),
        );
        return;
    }
  });

  async function answer(request: Extract<ToWorker, { type: 'request' }>): Promise<unknown> {
    if (request.op === 'faultStats') return member?.isRunning === true ? { ...faulty.stats } : noFaultStats();
    if (member === undefined) throw new Error(`member ${data.myId} is not running`);
    switch (request.op) {
      case 'expireSession':
        return member.expireSession(request.sessionId);
      case 'inspect':
        return member.inspect();
      case 'readNode':
        return member.readNode(request.path);
      case 'stop':
        await listener?.close();
        await member.stop();
        publishStatus();
        return undefined;
    }
  }

  member = new QuorumMember({
    myId: data.myId,
    voters: data.voters,
    observers: data.observers,
    initLimitTicks: data.initLimitTicks,
    syncLimitTicks: data.syncLimitTicks,
    diffTxnsMax: data.diffTxnsMax,
    engineOptions: data.engineOptions,
    seed: data.seed,
    incarnation: () => data.incarnation,
    ensembleConfig: data.ensembleConfig,
    storage: () => new FileStorage({ dataDir: data.dataDir, forceSync: data.forceSync, log }),
    transport: () => faulty,
    onEvent: (event) => {
      if (event.type === 'established') post({ type: 'established', epoch: event.epoch, leader: event.leader });
    },
    onStep: publishStatus,
    onFatal: (error) => {
      post({ type: 'fatal', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      // The member is torn down; end the thread so the main thread sees it as crashed.
      setImmediate(() => process.exit(1));
    },
  });
  await member.start();
  const running = member;
  listener = await listenForClients({
    clientPort: data.clientPort,
    clientPortAddress: '127.0.0.1',
    engine: () => running.engine,
    clock: new SystemClock(),
    mode: () => running.mode,
    log,
  });
  publishStatus();
  post({ type: 'ready' });
}

void main().catch((error: unknown) => {
  parentPort?.postMessage({ type: 'fatal', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromWorker);
  process.exit(1);
});
