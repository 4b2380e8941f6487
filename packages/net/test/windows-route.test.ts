/**
 * The Windows route (native socket, fast path, `tcp_wrap` handoff), run on Linux. `tcp_wrap`
 * works on POSIX too, so the handoff runs here on real sockets: with the real backend the
 * ioctl answers EOPNOTSUPP (as Wine answers WSAEOPNOTSUPP); to reach the enabled branch, a thin
 * wrapper around the real backend stands in for the one call Linux does not have.
 */
import { once } from 'node:events';
import { Socket as NetSocket, type Server, type Socket } from 'node:net';
import { openDescriptors, settleDescriptorCount, thrownBy } from '@loopfast/conformance';
import { type Backend, LoopfastError, LoopfastErrorCode } from '@loopfast/core';
import { systemErrorFromErrno } from '@loopfast/core/internal';
import { backend as ffi } from '@loopfast/ffi';
import { backend as napi } from '@loopfast/napi';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWith } from '../src/connect.js';
import { createServerWith } from '../src/server.js';
import { fastPathInfo } from '../src/status-record.js';

const FD_DIR = '/proc/self/fd';

/** A real backend, recording what it made and closed, with `applyLoopbackFastPath` replaced. */
function wrap(real: Backend, apply: Backend['applyLoopbackFastPath']) {
  const made: number[] = [];
  const closed: number[] = [];
  const backend: Backend = {
    ...real,
    createTcpSocket: (family) => {
      const socket = real.createTcpSocket(family);
      made.push(socket);
      return socket;
    },
    applyLoopbackFastPath: apply,
    closeSocket: (socket) => {
      closed.push(socket);
      real.closeSocket(socket);
    },
  };
  return { backend, made, closed };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server, ...args: unknown[]): Promise<number> {
  servers.push(server);
  (server.listen as (...a: unknown[]) => Server)(...args);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function exchange(client: Socket, payload: string): Promise<string> {
  let text = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => {
    text += chunk;
  });
  client.end(payload);
  await once(client, 'close');
  return text;
}

const echo = (socket: Socket) => socket.pipe(socket);

describe.runIf(process.platform === 'linux').each([
  ['ffi', ffi],
  ['napi', napi],
])('the Windows route on Linux, %s backend', (_name, real) => {
  it('enabled: the backend-made descriptor is the one Node uses, on both sides; Node alone closes it', async () => {
    const before = openDescriptors(FD_DIR).length;
    const { backend, made, closed } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    for (const host of ['127.0.0.1', '::1']) {
      const server = createServerWith(defaults, [echo]);
      const port = await listen(server, 0, host);
      expect(fastPathInfo(server)).toMatchObject({
        state: 'enabled',
        mechanism: 'sio-loopback-fast-path',
        backend: real.name,
      });
      expect((server as unknown as { _handle: { fd: number } })._handle.fd).toBe(made.at(-1));
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      const client = connectWith(defaults, [{ port, host }]);
      await once(client, 'connect');
      expect((client as unknown as { _handle: { fd: number } })._handle.fd).toBe(made.at(-1));
      expect(fastPathInfo(client)).toMatchObject({
        state: 'enabled',
        mechanism: 'sio-loopback-fast-path',
      });
      const [socket] = await accepted;
      expect(fastPathInfo(socket)).toEqual(fastPathInfo(server));
      expect(await exchange(client, `through ${host}`)).toBe(`through ${host}`);
      await new Promise((resolve) => server.close(resolve));
    }
    expect(made.length).toBe(4);
    expect(closed).toEqual([]);
    expect(await settleDescriptorCount(FD_DIR, before)).toBe(before);
  });

  it('enabled: a host name is resolved first and the one socket made is the one connected', async () => {
    const { backend, made } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const client = connectWith(defaults, [{ port, host: 'localhost', family: 4 }]);
    expect(fastPathInfo(client).state).toBe('pending');
    await once(client, 'connect');
    expect(fastPathInfo(client).state).toBe('enabled');
    expect((client as unknown as { _handle: { fd: number } })._handle.fd).toBe(made.at(-1));
    expect(made.length).toBe(2);
    expect(await exchange(client, 'named')).toBe('named');
  });

  it('unsupported: the real ioctl answer; the socket is closed again, the connection uses the normal path, later sockets skip the attempt', async () => {
    const before = openDescriptors(FD_DIR).length;
    const { backend, made, closed } = wrap(real, real.applyLoopbackFastPath);
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const serverInfo = fastPathInfo(servers[0] as Server);
    expect(serverInfo).toMatchObject({ state: 'unsupported', mechanism: null, backend: real.name });
    expect(serverInfo.error).toMatchObject({ code: 'EOPNOTSUPP', syscall: 'ioctl' });
    expect(closed).toEqual(made);
    for (let i = 0; i < 3; i++) {
      const client = connectWith(defaults, [{ port, host: '127.0.0.1' }]);
      expect(await exchange(client, `plain ${i}`)).toBe(`plain ${i}`);
      expect(fastPathInfo(client)).toMatchObject({ state: 'unsupported', error: serverInfo.error });
      expect(fastPathInfo(client).reason).toMatch(/reported EOPNOTSUPP before/);
    }
    expect(made.length).toBe(1);
    await new Promise((resolve) => (servers.pop() as Server).close(resolve));
    expect(await settleDescriptorCount(FD_DIR, before)).toBe(before);
  });

  it('failed: an ioctl error other than "unsupported" is reported, and the connection still works', async () => {
    const { backend, made, closed } = wrap(real, () => {
      throw systemErrorFromErrno('win32', 10013, 'WSAIoctl', real.name);
    });
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const client = connectWith(defaults, [{ port, host: '127.0.0.1' }]);
    expect(await exchange(client, 'still works')).toBe('still works');
    for (const target of [servers[0] as Server, client]) {
      expect(fastPathInfo(target)).toMatchObject({
        state: 'failed',
        error: { code: 'WSAEACCES', errno: 10013 },
      });
    }
    // A failure is not cached: each socket tried, and each native socket was closed again.
    expect(made.length).toBe(2);
    expect(closed).toEqual(made);
  });

  it('unsupported: a backend whose native part cannot load', async () => {
    const { backend } = wrap(real, () => {});
    backend.createTcpSocket = () => {
      throw new LoopfastError(LoopfastErrorCode.BACKEND_UNAVAILABLE, 'the addon is missing');
    };
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const client = connectWith(defaults, [{ port, host: '127.0.0.1' }]);
    expect(await exchange(client, 'no addon')).toBe('no addon');
    expect(fastPathInfo(client)).toMatchObject({
      state: 'unsupported',
      error: { code: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE' },
    });
    expect(fastPathInfo(client).reason).toMatch(/could not make a socket: the addon is missing/);
  });

  it('dual-stack: listen() on the default wildcard is left on the normal path; ipv6Only :: gets the fast path', async () => {
    const { backend, made } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const dual = createServerWith(defaults, [echo]);
    await listen(dual);
    expect(fastPathInfo(dual)).toMatchObject({ state: 'not-applicable' });
    expect(fastPathInfo(dual).reason).toMatch(/dual-stack/);
    expect(made.length).toBe(0);
    const v6only = createServerWith(defaults, [echo]);
    const port = await listen(v6only, { port: 0, host: '::', ipv6Only: true });
    expect(fastPathInfo(v6only).state).toBe('enabled');
    const client = connectWith(defaults, [{ port, host: '::1' }]);
    expect(await exchange(client, 'v6 only')).toBe('v6 only');
    expect(made.length).toBe(2);
  });

  it('an option net rejects inside connect() (a bad localAddress) throws as net does, and the prepared socket is closed', async () => {
    const { backend, made } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const before = openDescriptors(FD_DIR).length;
    const error = thrownBy(() =>
      connectWith(defaults, [{ port, host: '127.0.0.1', localAddress: 'not-an-ip' }]),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_IP_ADDRESS' });
    expect(made.length).toBe(2);
    expect(await settleDescriptorCount(FD_DIR, before)).toBe(before);
  });

  it("a socket the caller made is Node's to connect, with the status that says so; the backend makes nothing", async () => {
    const { backend, made } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const madeByServer = made.length;
    const client = new NetSocket();
    expect(connectWith(defaults, [{ port, host: '127.0.0.1' }], undefined, client)).toBe(client);
    expect(fastPathInfo(client)).toMatchObject({ state: 'not-applicable', requested: true });
    expect(fastPathInfo(client).reason).toMatch(/made with new net\.Socket\(\)/);
    expect(await exchange(client, 'bare')).toBe('bare');
    expect(made.length).toBe(madeByServer);
  });

  it.each([
    ['close()', (server: Server) => server.listen(0, 'localhost').close()],
    [
      'an aborted signal',
      (server: Server) => {
        const controller = new AbortController();
        server.listen({ port: 0, host: 'localhost', signal: controller.signal });
        controller.abort();
      },
    ],
  ])(
    '%s while a listen by host name resolves: nothing listens, no socket is made',
    async (_, stop) => {
      const { backend, made } = wrap(real, () => {});
      const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
      const server = createServerWith(defaults, [echo]);
      let listened = false;
      server.on('listening', () => {
        listened = true;
      });
      stop(server);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(listened).toBe(false);
      expect(server.listening).toBe(false);
      expect(made).toEqual([]);
    },
  );

  it('a bind failure is the error node:net gives (EADDRINUSE from listen), and nothing leaks', async () => {
    const { backend } = wrap(real, () => {});
    const defaults = { platform: 'win32' as const, backend, loopbackFastPath: true };
    const port = await listen(createServerWith(defaults, [echo]), 0, '127.0.0.1');
    const before = openDescriptors(FD_DIR).length;
    const second = createServerWith(defaults, [echo]);
    second.listen(port, '127.0.0.1');
    const [error] = (await once(second, 'error')) as [
      NodeJS.ErrnoException & { address: string; port: number },
    ];
    expect(error).toMatchObject({
      code: 'EADDRINUSE',
      syscall: 'listen',
      address: '127.0.0.1',
      port,
    });
    expect(error.message).toBe(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    expect(await settleDescriptorCount(FD_DIR, before)).toBe(before);
  });
});
