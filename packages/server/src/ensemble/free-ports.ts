import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * `count` distinct ports that were free on `host` a moment ago (each bound to
 * port 0, then released together). For members that must know each other's
 * ports before any of them listens: zoo.cfg files, or an ensemble whose
 * members restart on the same ports. Another process could take one in
 * between; binding then fails with EADDRINUSE, which callers report.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: 0, exclusive: true }, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
