/**
 * How a client finds the TCP listener its destination reaches (Linux): the backend's reading of
 * the kernel's table (`sock_diag`), which says which IPv6 listeners are IPv6-only, and `/proc`
 * where that reading fails.
 */
import { once } from 'node:events';
import type { AddressInfo, Server, Socket } from 'node:net';
import { type Backend, LoopfastSystemError } from '@loopfast/core';
import { backend as napi } from '@loopfast/napi';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, fastPathInfo } from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
});

/** A fast-path server with `backend` that ends each connection with `reply`. */
async function serving(
  backend: Backend,
  reply: string,
  listen: Record<string, unknown>,
): Promise<number> {
  const server = createServer({ loopbackFastPath: true, backend }, (socket: Socket) =>
    socket.end(reply),
  );
  servers.push(server);
  server.listen(listen);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A fast-path client's reading of `host`:`port`, and its status. */
async function ask(backend: Backend, host: string, port: number) {
  const socket = connect({ loopbackFastPath: true, backend, port, host });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end();
  await once(socket, 'close');
  return { text: Buffer.concat(chunks).toString(), info: fastPathInfo(socket) };
}

describe.runIf(process.platform === 'linux')("the kernel's table of TCP listeners", () => {
  it('an IPv4 wildcard beside an IPv6-only one on the same port: each family reaches its own, over the rendezvous', async () => {
    const port = await serving(napi, 'four', { port: 0, host: '0.0.0.0' });
    await serving(napi, 'six', { port, host: '::', ipv6Only: true });
    const four = await ask(napi, '127.0.0.1', port);
    const six = await ask(napi, '::1', port);
    expect(four.text).toBe('four');
    expect(four.info.state, four.info.reason).toBe('enabled');
    expect(six.text).toBe('six');
    expect(six.info.state, six.info.reason).toBe('enabled');
  });

  it('a backend whose reading fails (netlink closed to the process): the client reads /proc and still takes the rendezvous', async () => {
    let asked = 0;
    const refusing: Backend = {
      ...napi,
      listTcpListeners() {
        asked++;
        throw new LoopfastSystemError(
          { code: 'EPERM', errno: 1, syscall: 'socket', backend: 'napi' },
          'operation not permitted',
        );
      },
    };
    const port = await serving(refusing, 'served', { port: 0, host: '127.0.0.1' });
    const seen = await ask(refusing, '127.0.0.1', port);
    expect(asked).toBeGreaterThan(0);
    expect(seen.text).toBe('served');
    expect(seen.info.state, seen.info.reason).toBe('enabled');
  });
});
