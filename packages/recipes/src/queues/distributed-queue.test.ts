import { expect, it, vi } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { DistributedPriorityQueue, DistributedQueue, QueueClaimLostError, QueueItemUncertainError, type QueueItem } from './distributed-queue.ts';

const text = (value: string) => new TextEncoder().encode(value);
const textOf = (item: QueueItem | undefined) => (item?.data == null ? undefined : new TextDecoder().decode(item.data));

forEachBackend('DistributedQueue', ({ backend, path }) => {
  function queueOf(client: ZooKeeperClient): DistributedQueue {
    return new DistributedQueue(client, path('queue'), { scheduler: backend().scheduler });
  }

  it('takes items in FIFO order; peek and size do not remove; poll does not wait', async () => {
    const b = backend();
    const queue = queueOf(await b.client());
    expect(await b.drive(queue.poll())).toBeUndefined();
    for (const v of ['a', 'b', 'c']) await b.drive(queue.put(text(v)));
    expect(await b.drive(queue.size())).toBe(3);
    expect(textOf(await b.drive(queue.peek()))).toBe('a');
    expect(textOf(await b.drive(queue.take()))).toBe('a');
    expect(textOf(await b.drive(queue.poll()))).toBe('b');
    expect(textOf(await b.drive(queue.take()))).toBe('c');
    expect(await b.drive(queue.size())).toBe(0);
  });

  it('take() waits for a put, and gives up after timeoutMs', async () => {
    const b = backend();
    const [consumer, producer] = [queueOf(await b.client()), queueOf(await b.client())];
    expect(await b.drive(consumer.take({ timeoutMs: 200 }))).toBeUndefined();
    const taking = consumer.take({ timeoutMs: 10_000 });
    await b.run(100);
    await b.drive(producer.put(text('late')));
    expect(textOf(await b.drive(taking))).toBe('late');
  });

  it('a waiting take() survives a dropped connection and gets an item put meanwhile', async () => {
    const b = backend();
    const [consumerClient, producerClient] = [await b.client(), await b.client()];
    const consumer = queueOf(consumerClient);
    const taking = consumer.take({ timeoutMs: 20_000 });
    await b.run(50);
    consumerClient.disconnect();
    await b.drive(queueOf(producerClient).put(text('while-away')));
    expect(textOf(await b.drive(taking))).toBe('while-away');
    expect(consumerClient.state).toBe('connected');
  });

  it('concurrent consumers get every item exactly once', async () => {
    const b = backend();
    const producer = queueOf(await b.client());
    const items = Array.from({ length: 24 }, (_, i) => `item-${i}`);
    for (const item of items) await b.drive(producer.put(text(item)));
    const consumers = [queueOf(await b.client()), queueOf(await b.client()), queueOf(await b.client())];
    const got: string[][] = consumers.map(() => []);
    await b.drive(Promise.all(consumers.map(async (consumer, i) => {
      for (;;) {
        const item = await consumer.poll();
        if (item === undefined) return;
        got[i]!.push(textOf(item)!);
      }
    })));
    expect(got.flat().sort()).toEqual([...items].sort());
    // Each consumer saw its own items in queue order.
    for (const list of got) expect(list).toEqual([...list].sort((x, y) => Number(x.slice(5)) - Number(y.slice(5))));
  });

  it('a put whose reply was lost is not added twice (protected names)', async () => {
    const b = backend();
    const client = await b.client();
    const create = client.create.bind(client);
    let failures = 0;
    vi.spyOn(client, 'create').mockImplementation(async (p, data, options) => {
      const created = await create(p, data, options);
      if (options?.mode === 'persistentSequential' && failures++ === 0) throw new ZooKeeperError(ErrorCode.connectionLoss, { path: p, detail: 'reply lost (test)' });
      return created;
    });
    const queue = queueOf(client);
    await b.drive(queue.put(text('once')));
    expect(await b.drive(queue.size())).toBe(1);
  });

  it('consume(): the item is removed only after the handler succeeds; a failing handler leaves it queued', async () => {
    const b = backend();
    const queue = queueOf(await b.client());
    await b.drive(queue.put(text('job')));
    await expect(b.drive(queue.consume(async () => { throw new Error('handler failed'); }))).rejects.toThrow(/handler failed/);
    expect(await b.drive(queue.size())).toBe(1);
    const seen: string[] = [];
    expect(await b.drive(queue.consume(async (item) => { seen.push(textOf(item)!); }))).toBe(true);
    expect(seen).toEqual(['job']);
    expect(await b.drive(queue.size())).toBe(0);
    expect(await b.drive(queue.consume(async () => undefined, { timeoutMs: 100 }))).toBe(false);
  });

  it('a consumer whose session ends mid-handler loses its claim; the item is delivered to another consumer', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const [first, second] = [queueOf(c1), queueOf(c2)];
    await b.drive(first.put(text('precious')));
    let release: (() => void) | undefined;
    const stuck = first.consume(() => new Promise<void>((resolve) => { release = resolve; })).then(() => 'consumed', (error: unknown) => error);
    await b.until(() => release !== undefined, undefined, 'first handler running');
    // The item is claimed: the second consumer skips it.
    expect(await b.drive(second.poll())).toBeUndefined();
    const taking = second.take({ timeoutMs: 30_000 });
    await b.drive(b.expireSession(c1));
    expect(textOf(await b.drive(taking))).toBe('precious');
    release!();
    const outcome = await b.drive(stuck);
    expect(outcome instanceof QueueClaimLostError || outcome instanceof QueueItemUncertainError).toBe(true);
    expect(await b.drive(second.size())).toBe(0);
  });
});

forEachBackend('DistributedPriorityQueue', ({ backend, path }) => {
  it('takes the lowest priority number first, equal priorities in arrival order', async () => {
    const b = backend();
    const queue = new DistributedPriorityQueue(await b.client(), path('pq'), { scheduler: b.scheduler });
    const puts: Array<[string, number]> = [['low-1', 10], ['urgent', -5], ['mid', 0], ['low-2', 10], ['max', 0x7fffffff], ['min', -0x80000000]];
    for (const [value, priority] of puts) await b.drive(queue.putPriority(text(value), priority));
    await b.drive(queue.put(text('default-0')));
    const order: string[] = [];
    for (;;) {
      const item = await b.drive(queue.poll());
      if (item === undefined) break;
      order.push(`${textOf(item)}@${item.priority}`);
    }
    expect(order).toEqual(['min@-2147483648', 'urgent@-5', 'mid@0', 'default-0@0', 'low-1@10', 'low-2@10', 'max@2147483647']);
    await expect(queue.putPriority(text('x'), 1.5)).rejects.toThrow(/32-bit integer/);
  });
});
