/**
 * The main thread's handle on a member running in its own worker thread
 * (worker-member.ts): start (a new worker, with a MessagePort to each running
 * peer), stop (the member flushes and closes, then the thread ends), crash
 * (the thread is terminated mid-flight), partitions (the member's transport
 * drops what crosses them), and reads (inspect, readNode) by message. A worker
 * that exits on its own is reported as a crashed member; every request to it
 * is answered or rejected, never left hanging.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { EngineConfig } from '@vivarium/store';
import type { FaultInjectingTransportStats, OutgoingLinkFaults } from '@vivarium/transport';
import { noFaultStats, noOutgoingFaults } from './member-fault-layer.ts';
import type { MemberInspection, NodeView } from './quorum-member.ts';
import type { MemberHost, MemberHostEvents, MemberStatus } from './realtime-ensemble.ts';
import type { FromWorker, ToWorker, WorkerMemberData } from './worker-member.ts';

export interface WorkerMemberHostSpec {
  myId: number;
  voters: readonly number[];
  observers: readonly number[];
  initLimitTicks: number;
  syncLimitTicks: number;
  diffTxnsMax: number;
  engineOptions: Partial<Omit<EngineConfig, 'memberId'>>;
  seed: number;
  clientPort: number;
  dataDir: string;
  forceSync: boolean;
  ensembleConfig: { text: string; version: bigint };
}

const requestTimeoutMs = 10_000;
const down: MemberStatus = { state: 'down', isServing: false, leader: undefined, epoch: 0 };

/**
 * The worker's script: the compiled worker-member.js beside this module, or,
 * when this module is the TypeScript source (tests run the sources), the one
 * in the package's dist/ (Node 20 cannot run .ts in a worker): build first.
 */
function workerScript(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(here.replace(/\/src\/ensemble\/[^/]+\.ts$/, '/dist/ensemble/worker-member.js')) : new URL('./worker-member.js', here);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker script ${fileURLToPath(url)} is missing: run "npm run build" (tsc -b) first`);
  return url;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class WorkerMemberHost implements MemberHost {
  readonly clientPort: number;
  private readonly spec: WorkerMemberHostSpec;
  private readonly events: MemberHostEvents;
  private readonly peerHost: (peerId: number) => WorkerMemberHost | undefined;
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private statusValue: MemberStatus = down;
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private blocked: readonly number[] = [];
  private faults: OutgoingLinkFaults = noOutgoingFaults;
  private incarnation = 0;

  constructor(spec: WorkerMemberHostSpec, events: MemberHostEvents, peerHost: (peerId: number) => WorkerMemberHost | undefined) {
    this.spec = spec;
    this.clientPort = spec.clientPort;
    this.events = events;
    this.peerHost = peerHost;
  }

  get status(): MemberStatus {
    return this.statusValue;
  }

  /** True from the moment a worker exists for this member until it has exited. */
  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  start(): Promise<void> {
    if (this.worker !== undefined) return Promise.resolve();
    // Synchronously, so two members starting in the same turn make exactly one channel between them:
    // the later one makes it, with every member that already has a worker.
    const ports: Array<{ peerId: number; port: MessagePort }> = [];
    const all = [...this.spec.voters, ...this.spec.observers];
    for (const peerId of all) {
      if (peerId === this.spec.myId) continue;
      const peer = this.peerHost(peerId);
      if (peer === undefined || !peer.hasWorker) continue;
      const { port1, port2 } = new MessageChannel();
      ports.push({ peerId, port: port1 });
      peer.link(this.spec.myId, port2);
    }
    const data: WorkerMemberData = {
      myId: this.spec.myId,
      voters: this.spec.voters,
      observers: this.spec.observers,
      initLimitTicks: this.spec.initLimitTicks,
      syncLimitTicks: this.spec.syncLimitTicks,
      diffTxnsMax: this.spec.diffTxnsMax,
      engineOptions: this.spec.engineOptions,
      seed: this.spec.seed,
      incarnation: ++this.incarnation,
      clientPort: this.spec.clientPort,
      dataDir: this.spec.dataDir,
      forceSync: this.spec.forceSync,
      ensembleConfig: this.spec.ensembleConfig,
      blocked: this.blocked,
      faults: this.faults,
      ports,
    };
    const worker = new Worker(workerScript(), { workerData: data, transferList: ports.map((p) => p.port) });
    this.worker = worker;
    this.expectingExit = false;
    let lastError: unknown;
    let markReady: () => void = () => undefined;
    let failStart: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    worker.on('message', (message: FromWorker) => this.onMessage(message, markReady));
    worker.on('error', (error) => {
      lastError = error;
    });
    this.exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        this.statusValue = down;
        const reason = new Error(`member ${this.spec.myId}'s worker exited (code ${code})${lastError === undefined ? '' : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`}`);
        for (const [id, pending] of this.pending) {
          clearTimeout(pending.timer);
          pending.reject(reason);
          this.pending.delete(id);
        }
        failStart(reason);
        if (!this.expectingExit) this.events.failed(lastError ?? reason);
        resolve();
      });
    });
    return ready;
  }

  /** A port to a peer that (re)started; dropped if this member's worker is gone. */
  link(peerId: number, port: MessagePort): void {
    const worker = this.worker;
    if (worker === undefined) {
      port.close();
      return;
    }
    worker.postMessage({ type: 'link', peerId, port } satisfies ToWorker, [port]);
  }

  async stop(): Promise<void> {
    if (this.worker === undefined) return;
    try {
      await this.request({ type: 'request', id: 0, op: 'stop' });
    } catch {
      // It died on the way down: terminating below is all that is left.
    }
    await this.terminate();
  }

  crash(): Promise<void> {
    return this.terminate();
  }

  async inspect(): Promise<MemberInspection> {
    if (this.worker === undefined) {
      return { id: this.spec.myId, state: 'down', isServing: false, leader: undefined, epoch: 0, lastLoggedZxid: 0n, lastProcessedZxid: 0n, nodeCount: 0, sessionCount: 0, connectionCount: 0, digest: '' };
    }
    return (await this.request({ type: 'request', id: 0, op: 'inspect' })) as MemberInspection;
  }

  async readNode(path: string): Promise<NodeView | undefined> {
    if (this.worker === undefined) return undefined;
    return (await this.request({ type: 'request', id: 0, op: 'readNode', path })) as NodeView | undefined;
  }

  async setBlockedPeers(peerIds: readonly number[]): Promise<void> {
    this.blocked = [...peerIds];
    this.worker?.postMessage({ type: 'block', peers: this.blocked } satisfies ToWorker);
  }

  async setOutgoingFaults(faults: OutgoingLinkFaults): Promise<void> {
    this.faults = faults;
    this.worker?.postMessage({ type: 'faults', faults } satisfies ToWorker);
  }

  async faultStats(): Promise<FaultInjectingTransportStats> {
    if (this.worker === undefined) return noFaultStats();
    return (await this.request({ type: 'request', id: 0, op: 'faultStats' })) as FaultInjectingTransportStats;
  }

  async expireSession(sessionId: bigint): Promise<boolean> {
    if (this.worker === undefined) return false;
    return (await this.request({ type: 'request', id: 0, op: 'expireSession', sessionId })) as boolean;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  /** Test hook: make the worker end itself with `code`, unannounced (reported as a crash, as any unexpected exit). */
  exitUnexpectedly(code: number): void {
    this.worker?.postMessage({ type: 'exit', code } satisfies ToWorker);
  }

  private async terminate(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.expectingExit = true;
    await worker.terminate();
    await this.exited;
  }

  private request(message: Extract<ToWorker, { type: 'request' }>): Promise<unknown> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(new Error(`member ${this.spec.myId} is not running`));
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`member ${this.spec.myId}'s worker did not answer ${message.op} within ${requestTimeoutMs} ms`));
      }, requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ ...message, id });
    });
  }

  private onMessage(message: FromWorker, markReady: () => void): void {
    switch (message.type) {
      case 'ready':
        markReady();
        return;
      case 'status':
        this.statusValue = message.status;
        return;
      case 'established':
        this.events.established(message.epoch, message.leader);
        return;
      case 'fatal':
        this.events.log(`member ${this.spec.myId}: ${message.error}`);
        // Reported as the failure when the worker exits (it exits right after).
        this.events.failed(new Error(`member ${this.spec.myId} broke an invariant: ${message.error}`));
        this.expectingExit = true;
        return;
      case 'log':
        this.events.log(message.line);
        return;
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.error !== undefined) pending.reject(new Error(message.error));
        else pending.resolve(message.result);
        return;
      }
    }
  }
}
