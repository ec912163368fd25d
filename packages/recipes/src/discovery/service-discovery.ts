import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { PathChildrenCache } from '../caches/path-children-cache.ts';
import type { CacheEvent } from '../caches/cache-event.ts';
import { EphemeralNode } from '../membership/ephemeral-node.ts';
import { isNoNode, RecipeError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';

/** One instance of a service, stored as JSON in `basePath/<name>/<id>`. */
export interface ServiceInstance<T = unknown> {
  name: string;
  id: string;
  address?: string;
  port?: number;
  payload?: T;
  /** When it registered, on the recipe's scheduler clock (ms since the epoch for real clocks). */
  registrationTimeMs?: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.includes('/')) throw new TypeError(`service ${what} must be a node name, got ${JSON.stringify(value)}`);
}

function parseInstance<T>(data: Data): ServiceInstance<T> | undefined {
  if (data === null) return undefined;
  try {
    return JSON.parse(decoder.decode(data)) as ServiceInstance<T>;
  } catch {
    return undefined;
  }
}

/**
 * Service discovery (Curator's ServiceDiscovery): instances register as
 * ephemeral nodes `basePath/<service name>/<instance id>` holding their JSON;
 * clients query them or follow one service with a ServiceCache.
 *
 * Connection handling: a registration lives as long as its session; it is
 * checked after each reconnect and created again if it was deleted (Curator
 * does the same). When the session ends the instances are gone from the
 * servers and from this object; register them again on a new client.
 */
export class ServiceDiscovery<T = unknown> {
  readonly basePath: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly options: RecipeOptions;
  private readonly registered = new Map<string, EphemeralNode>();

  constructor(client: ZooKeeperClient, basePath: string, options: RecipeOptions = {}) {
    this.basePath = checkRecipePath('ServiceDiscovery basePath', basePath);
    this.client = client;
    this.options = options;
    this.recipe = resolveRecipeOptions(options);
  }

  /** Register an instance (its node is kept for as long as the session lives). */
  async registerService(instance: ServiceInstance<T>): Promise<void> {
    checkName('name', instance.name);
    checkName('id', instance.id);
    const path = this.instancePath(instance);
    if (this.registered.has(path)) throw new RecipeError(`service instance ${instance.name}/${instance.id} is already registered here`);
    const stamped: ServiceInstance<T> = { ...instance, registrationTimeMs: instance.registrationTimeMs ?? this.recipe.scheduler.nowMs() };
    const node = new EphemeralNode(this.client, path, encoder.encode(JSON.stringify(stamped)), this.recipe);
    this.registered.set(path, node);
    try {
      await node.start();
    } catch (error) {
      this.registered.delete(path);
      throw error;
    }
  }

  /** Replace a registered instance's data. */
  async updateService(instance: ServiceInstance<T>): Promise<void> {
    const node = this.registered.get(this.instancePath(instance));
    if (node === undefined) throw new RecipeError(`service instance ${instance.name}/${instance.id} is not registered here`);
    await node.setData(encoder.encode(JSON.stringify(instance)));
  }

  async unregisterService(instance: Pick<ServiceInstance<T>, 'name' | 'id'>): Promise<void> {
    const path = this.instancePath(instance);
    const node = this.registered.get(path);
    this.registered.delete(path);
    await node?.close();
  }

  /** The names of every service with a node under basePath. */
  async queryForNames(): Promise<string[]> {
    try {
      return (await retrying(() => this.client.getChildren(this.basePath), this.recipe.retriesMax)).sort();
    } catch (error) {
      if (isNoNode(error)) return [];
      throw error;
    }
  }

  /** Every registered instance of a service, by id. */
  async queryForInstances(name: string): Promise<Array<ServiceInstance<T>>> {
    checkName('name', name);
    let ids: string[];
    try {
      ids = await retrying(() => this.client.getChildren(joinPath(this.basePath, name)), this.recipe.retriesMax);
    } catch (error) {
      if (isNoNode(error)) return [];
      throw error;
    }
    const instances: Array<ServiceInstance<T>> = [];
    for (const id of ids.sort()) {
      const instance = await this.queryForInstance(name, id);
      if (instance !== undefined) instances.push(instance);
    }
    return instances;
  }

  async queryForInstance(name: string, id: string): Promise<ServiceInstance<T> | undefined> {
    try {
      const { data } = await retrying(() => this.client.getData(joinPath(joinPath(this.basePath, name), id)), this.recipe.retriesMax);
      return parseInstance<T>(data);
    } catch (error) {
      if (isNoNode(error)) return undefined;
      throw error;
    }
  }

  /** A live view of one service's instances (start() it; close() it when done). */
  serviceCache(name: string): ServiceCache<T> {
    checkName('name', name);
    return new ServiceCache<T>(this.client, joinPath(this.basePath, name), this.options);
  }

  /** Unregister every instance registered through this object. */
  async close(): Promise<void> {
    const nodes = [...this.registered.values()];
    this.registered.clear();
    await Promise.all(nodes.map((node) => node.close()));
  }

  private instancePath(instance: Pick<ServiceInstance<T>, 'name' | 'id'>): string {
    return joinPath(joinPath(this.basePath, instance.name), instance.id);
  }
}

/** One service's instances kept current (Curator's ServiceCache), on a PathChildrenCache. */
export class ServiceCache<T = unknown> {
  private readonly cache: PathChildrenCache;
  private readonly changeListeners: Listeners<Array<ServiceInstance<T>>>;

  constructor(client: ZooKeeperClient, servicePath: string, options: RecipeOptions = {}) {
    this.cache = new PathChildrenCache(client, servicePath, options);
    this.changeListeners = new Listeners(options.onListenerError);
    this.cache.onEvent((event) => {
      if (event.type === 'added' || event.type === 'updated' || event.type === 'removed') this.changeListeners.emit(this.instances);
    });
  }

  async start(): Promise<void> {
    await this.cache.start();
  }

  /** The instances as last seen, by id. */
  get instances(): Array<ServiceInstance<T>> {
    const found: Array<ServiceInstance<T>> = [];
    for (const node of this.cache.current.values()) {
      const instance = parseInstance<T>(node.data);
      if (instance !== undefined) found.push(instance);
    }
    return found;
  }

  /** Called with the instance list after each change. */
  onChange(listener: (instances: Array<ServiceInstance<T>>) => void): () => void {
    return this.changeListeners.add(listener);
  }

  /** Connection and node events of the underlying cache. */
  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.cache.onEvent(listener);
  }

  idle(): Promise<void> {
    return this.cache.idle();
  }

  close(): void {
    this.cache.close();
  }
}

/** How a ServiceProvider picks among instances. */
export type ProviderStrategy<T> = (instances: ReadonlyArray<ServiceInstance<T>>) => ServiceInstance<T> | undefined;

/** Each instance in turn. */
export function roundRobin<T>(): ProviderStrategy<T> {
  let next = 0;
  return (instances) => (instances.length === 0 ? undefined : instances[next++ % instances.length]);
}

/** A random instance, from an injected source of numbers in [0, 1) (seed it for reproducible runs). */
export function randomStrategy<T>(random: () => number): ProviderStrategy<T> {
  return (instances) => (instances.length === 0 ? undefined : instances[Math.floor(random() * instances.length)]);
}

/** Picks an instance of a service from a ServiceCache (Curator's ServiceProvider). */
export class ServiceProvider<T = unknown> {
  private readonly cache: ServiceCache<T>;
  private readonly strategy: ProviderStrategy<T>;

  constructor(cache: ServiceCache<T>, strategy: ProviderStrategy<T> = roundRobin<T>()) {
    this.cache = cache;
    this.strategy = strategy;
  }

  /** An instance, or undefined when the service has none. */
  getInstance(): ServiceInstance<T> | undefined {
    return this.strategy(this.cache.instances);
  }

  getAllInstances(): Array<ServiceInstance<T>> {
    return this.cache.instances;
  }
}
