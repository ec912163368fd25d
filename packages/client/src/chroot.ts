import { ZooKeeperError, ErrorCode } from '@vivarium/protocol';

/**
 * Client-side chroot, as every ZooKeeper client does it (Java's Chroot): the
 * prefix goes onto request paths and comes off result and event paths; the
 * server never knows.
 */
export class Chroot {
  readonly prefix: string | undefined;

  constructor(prefix: string | undefined) {
    if (prefix === undefined || prefix === '' || prefix === '/') {
      this.prefix = undefined;
      return;
    }
    if (!prefix.startsWith('/') || prefix.endsWith('/') || prefix.includes('//')) {
      throw new ZooKeeperError(ErrorCode.badArguments, { path: prefix, detail: 'a chroot must be an absolute path without a trailing slash' });
    }
    this.prefix = prefix;
  }

  toServer(clientPath: string): string {
    if (this.prefix === undefined) return clientPath;
    return clientPath === '/' ? this.prefix : this.prefix + clientPath;
  }

  toClient(serverPath: string): string {
    const prefix = this.prefix;
    if (prefix === undefined) return serverPath;
    if (serverPath === prefix) return '/';
    if (serverPath.startsWith(prefix + '/')) return serverPath.slice(prefix.length);
    return serverPath;
  }
}
