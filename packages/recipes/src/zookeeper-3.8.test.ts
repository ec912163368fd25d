/**
 * Every recipe test written with forEachBackend, against the real Apache
 * ZooKeeper 3.8 over TCP (connectZooKeeper, wall clock, bounded waits): one JVM
 * for all of them, so the package's suite starts Java once. The same tests run
 * against a Vivarium ensemble in their own files.
 */
import { setBackendMode } from '../test-support/for-each-backend.ts';

setBackendMode('zookeeper-3.8');
await import('./locks/mutex.test.ts');
await import('./locks/semaphore.test.ts');
await import('./locks/read-write-lock.test.ts');
await import('./leader/leader-latch.test.ts');
await import('./leader/leader-selector.test.ts');
await import('./queues/distributed-queue.test.ts');
await import('./barriers/barriers.test.ts');
await import('./counters/shared-count.test.ts');
await import('./membership/group-member.test.ts');
await import('./discovery/service-discovery.test.ts');
await import('./caches/caches.test.ts');
