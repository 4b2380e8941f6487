/**
 * How every bench server listens: TCP on the loopback host with a port of the system's choosing,
 * or a Unix socket path; bounded by the server's own `'listening'` or `'error'`.
 *
 * @module
 */
import { once } from 'node:events';
import type { Server } from 'node:net';
import { LOOPBACK_HOST } from './modes.js';

/** Where a server listens once it does, or why it does not. */
export type Listening =
  | { readonly port: number | null; readonly path: string | null; readonly error: null }
  | { readonly port: null; readonly path: null; readonly error: string };

/** Listens on TCP 127.0.0.1 (port 0) or on `path`, for the mode named `id`. */
export async function listenFor(
  server: Server,
  id: string,
  transport: 'tcp' | 'unix',
  path: string | null,
): Promise<Listening> {
  try {
    if (transport === 'unix') {
      if (path === null) throw new TypeError(`mode ${id} has no socket path`);
      server.listen(path);
    } else {
      server.listen(0, LOOPBACK_HOST);
    }
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    return { port: null, path: null, error: (error as Error).message };
  }
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : null,
    path: transport === 'unix' ? path : null,
    error: null,
  };
}
