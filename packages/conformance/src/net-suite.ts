/**
 * The `@loopfast/net` conformance suite, run once per backend: real servers, real clients, real
 * peers (Python's `socket`, Node's `http` and `fetch`), byte-exact transfers and status checks.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type Agent, createServer as createHttpServer, get as httpGet } from 'node:http';
import { connect as netConnect, type Server, type Socket } from 'node:net';
import type { Backend } from '@loopfast/core';
import { Agent as UndiciAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { openListFor, settleDescriptorCount } from './descriptors.js';
import { sha256 } from './peers.js';
import { type PlatformExpectations, platformExpectations } from './platform-expectations.js';
import { pythonPayload, runPythonClient, startPythonServer } from './python-peers.js';
import { thrownBy } from './throws.js';

/** The status object `fastPathInfo` returns. */
export interface NetStatus {
  readonly requested: boolean;
  readonly state: string;
  readonly mechanism: string | null;
  readonly reason: string;
  readonly error: (Error & { code?: string }) | null;
  readonly backend: string | null;
}

type Options = Record<string, unknown>;

/** What the suite needs of `@loopfast/net`: an instance bound to one backend. */
export interface NetUnderTest {
  connect(options: Options, listener?: () => void): Socket;
  createServer(options?: Options, listener?: (socket: Socket) => void): Server;
  createServer(listener?: (socket: Socket) => void): Server;
  attachFastPath(server: Server, options?: Options): Server;
  fastPathInfo(target: Socket | Server): NetStatus;
  createHttpAgent(options?: Options): Agent;
  createUndiciConnector(
    options?: Options,
  ): (
    options: { hostname: string; protocol: string; port: string },
    callback: (error: Error | null, socket: Socket | null) => void,
  ) => void;
}

const FAST = { loopbackFastPath: true } as const;
const HOSTS = ['127.0.0.1', '::1'] as const;

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function listening(server: Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return portOf(server);
}

async function closed(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Runs `body` with `server` listening on `host`, then closes the server whatever happened. */
async function withServer(
  server: Server,
  host: string,
  body: (port: number) => Promise<void>,
): Promise<void> {
  const port = await listening(server, host);
  try {
    await body(port);
  } finally {
    await closed(server);
  }
}

/**
 * Reads a socket to its end, hashing as it goes. Events rather than `for await`: leaving an async
 * iterator destroys the socket, which would drop writes still queued on it.
 */
function drain(socket: Socket): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  return once(socket, 'end').then(() => ({ hash: hash.digest('hex'), bytes }));
}

/** Deterministic bytes, fast to make in bulk. */
function patterned(size: number, seed: number): Buffer {
  const block = Buffer.alloc(65_536);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + seed) & 0xff;
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += block.length) block.copy(out, offset);
  return out;
}

/**
 * Registers the `@loopfast/net` suite for one backend.
 * @param net - `@loopfast/net` bound to `backend` (for example `createLoopfast({ backend })`).
 */
export function netConformance(
  net: NetUnderTest,
  backend: Backend,
  expectations: PlatformExpectations = platformExpectations(),
): void {
  const x = expectations;
  /** What the process holds open (descriptors, or sockets on Windows), or `null`. */
  const openList = openListFor(x, backend);

  function expectPlatformStatus(info: NetStatus): void {
    expect(info).toMatchObject({
      requested: true,
      state: x.net.state,
      mechanism: x.net.mechanism,
      backend: backend.name,
    });
    expect(info.reason).toMatch(x.net.reason);
    expect(info.error?.code ?? null).toBe(x.net.errorCode);
  }

  describe(`@loopfast/net over "${backend.name}" on ${x.label}`, () => {
    describe('status', () => {
      it.each(HOSTS)(
        `a requested fast path on %s is ${x.net.state}, for server, client and accepted socket`,
        async (host) => {
          const server = net.createServer(FAST, (socket) => socket.end());
          await withServer(server, host, async (port) => {
            expectPlatformStatus(net.fastPathInfo(server));
            const accepted = once(server, 'connection') as Promise<[Socket]>;
            const client = net.connect({ ...FAST, port, host });
            await once(client, 'connect');
            expectPlatformStatus(net.fastPathInfo(client));
            const [socket] = await accepted;
            expectPlatformStatus(net.fastPathInfo(socket));
            client.resume();
            await once(client, 'close');
          });
        },
      );

      it('is disabled and not requested unless asked for (the default)', async () => {
        const server = net.createServer((socket) => socket.end());
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({ port, host: '127.0.0.1' });
          await once(client, 'connect');
          for (const target of [server, client]) {
            expect(net.fastPathInfo(target)).toMatchObject({
              requested: false,
              state: 'disabled',
              mechanism: null,
            });
          }
          client.destroy();
        });
      });

      it('is disabled by the kill switch, though requested', async () => {
        const saved = process.env.LOOPFAST_DISABLE;
        process.env.LOOPFAST_DISABLE = '1';
        try {
          const server = net.createServer(FAST, (socket) => socket.end());
          const port = await listening(server, '127.0.0.1');
          const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
          await once(client, 'connect');
          for (const target of [server, client]) {
            const info = net.fastPathInfo(target);
            expect(info).toMatchObject({ requested: true, state: 'disabled', mechanism: null });
            expect(info.reason).toMatch(/LOOPFAST_DISABLE/);
          }
          client.destroy();
          await closed(server);
        } finally {
          if (saved === undefined) delete process.env.LOOPFAST_DISABLE;
          else process.env.LOOPFAST_DISABLE = saved;
        }
      });

      it('resolves localhost first and reports the decision by the connect event', async () => {
        const server = net.createServer(FAST, (socket) => socket.end('via localhost'));
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({ ...FAST, port, host: 'localhost', family: 4 });
          expect(net.fastPathInfo(client).state).toMatch(/^(pending|unsupported|enabled)$/);
          await once(client, 'connect');
          expect(client.remoteAddress).toBe('127.0.0.1');
          expectPlatformStatus(net.fastPathInfo(client));
          expect((await drain(client)).bytes).toBe('via localhost'.length);
        });
      });
    });

    describe('data', () => {
      it.each(HOSTS)('carries data both ways over %s, byte for byte', async (host) => {
        const fromServer = patterned(1024 * 1024, 1);
        const fromClient = patterned(768 * 1024, 2);
        let serverSaw: Promise<{ hash: string; bytes: number }> | undefined;
        const server = net.createServer(FAST, (socket) => {
          serverSaw = drain(socket);
          socket.end(fromServer);
        });
        await withServer(server, host, async (port) => {
          const client = net.connect({ ...FAST, port, host });
          client.end(fromClient);
          const clientSaw = await drain(client);
          expect(clientSaw).toEqual({ hash: sha256(fromServer), bytes: fromServer.length });
          expect(await serverSaw).toEqual({ hash: sha256(fromClient), bytes: fromClient.length });
        });
      });

      it('moves 64 MiB through one connection with equal SHA-256 on both sides', async () => {
        const size = 64 * 1024 * 1024;
        const chunk = patterned(1024 * 1024, 3);
        let serverSaw: Promise<{ hash: string; bytes: number }> | undefined;
        const server = net.createServer(FAST, (socket) => {
          serverSaw = drain(socket).then((seen) => {
            socket.end();
            return seen;
          });
        });
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
          const sentHash = createHash('sha256');
          for (let sent = 0; sent < size; sent += chunk.length) {
            sentHash.update(chunk);
            if (!client.write(chunk)) await once(client, 'drain');
          }
          client.end();
          client.resume();
          await once(client, 'close');
          expect(await serverSaw).toEqual({ hash: sentHash.digest('hex'), bytes: size });
        });
      }, 120_000);

      it('keeps flow control: a writer that honours backpressure and a pausing reader lose nothing, memory stays bounded', async () => {
        const total = 24 * 1024 * 1024;
        const chunk = patterned(256 * 1024, 4);
        let serverSaw: Promise<{ hash: string; bytes: number }> | undefined;
        const server = net.createServer(FAST, (socket) => {
          // The reader pauses for 50 ms after every 2 MiB, so the writer meets a full pipe.
          const hash = createHash('sha256');
          let bytes = 0;
          let sincePause = 0;
          socket.on('data', (data: Buffer) => {
            hash.update(data);
            bytes += data.length;
            sincePause += data.length;
            if (sincePause >= 2 * 1024 * 1024) {
              sincePause = 0;
              socket.pause();
              setTimeout(() => socket.resume(), 50);
            }
          });
          serverSaw = once(socket, 'end').then(() => {
            socket.end();
            return { hash: hash.digest('hex'), bytes };
          });
        });
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
          await once(client, 'connect');
          const sentHash = createHash('sha256');
          const rssBefore = process.memoryUsage().rss;
          let maxQueued = 0;
          let waits = 0;
          for (let sent = 0; sent < total; sent += chunk.length) {
            sentHash.update(chunk);
            const more = client.write(chunk);
            maxQueued = Math.max(maxQueued, client.writableLength);
            if (!more) {
              waits++;
              await once(client, 'drain');
            }
          }
          client.end();
          client.resume();
          await once(client, 'close');
          expect(await serverSaw).toEqual({ hash: sentHash.digest('hex'), bytes: total });
          expect(waits).toBeGreaterThan(0);
          // Never more than one chunk beyond the high-water mark waits in user space.
          expect(maxQueued).toBeLessThanOrEqual(client.writableHighWaterMark + chunk.length);
          expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
        });
      }, 120_000);
    });

    describe('lifecycle', () => {
      it(`every socket the backend makes for a requested fast path is handed to Node or closed exactly once; ${x.net.state === 'enabled' ? 'Node closes the handed ones' : 'the connection takes the normal path'}; nothing leaks`, async () => {
        // Fresh backend objects (the real methods, counted), so no answer remembered from an
        // earlier test saves the attempt: server and client each try for themselves.
        const counted = () => {
          const made: number[] = [];
          const closedByLoopfast: number[] = [];
          const wrapper: Backend = {
            ...backend,
            name: backend.name,
            createTcpSocket: (family) => {
              const socket = backend.createTcpSocket(family);
              made.push(socket);
              return socket;
            },
            closeSocket: (socket) => {
              closedByLoopfast.push(socket);
              backend.closeSocket(socket);
            },
          };
          return { wrapper, made, closedByLoopfast };
        };
        const forServer = counted();
        const forClient = counted();
        const list = openList;
        const before = list ? list().length : 0;
        const fromServer = patterned(200 * 1024, 8);
        const fromClient = patterned(300 * 1024, 9);
        let serverSaw: Promise<{ hash: string; bytes: number }> | undefined;
        const server = net.createServer({ ...FAST, backend: forServer.wrapper }, (socket) => {
          serverSaw = drain(socket);
          socket.end(fromServer);
        });
        const port = await listening(server, '127.0.0.1');
        expectPlatformStatus(net.fastPathInfo(server));
        const client = net.connect({
          ...FAST,
          backend: forClient.wrapper,
          port,
          host: '127.0.0.1',
        });
        client.end(fromClient);
        expect(await drain(client)).toEqual({ hash: sha256(fromServer), bytes: fromServer.length });
        expect(await serverSaw).toEqual({ hash: sha256(fromClient), bytes: fromClient.length });
        expectPlatformStatus(net.fastPathInfo(client));
        await closed(server);
        for (const { made, closedByLoopfast } of [forServer, forClient]) {
          expect(made).toHaveLength(x.net.nativeSockets ? 1 : 0);
          // Closed by loopfast exactly once each; when the fast path is on, none (Node owns it).
          expect(closedByLoopfast).toEqual(x.net.state === 'enabled' ? [] : made);
        }
        if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
      });

      it('server close: open connections finish, new ones are refused with ECONNREFUSED', async () => {
        const server = net.createServer(FAST, (socket) => {
          socket.resume();
          socket.on('end', () => socket.end('bye'));
        });
        const port = await listening(server, '127.0.0.1');
        const accepted = once(server, 'connection');
        const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
        await once(client, 'connect');
        // Open means accepted: a connection still in the backlog is dropped by close(), over
        // TCP as over a Unix socket.
        await accepted;
        const serverClosed = once(server, 'close');
        server.close();
        client.end('last words');
        expect((await drain(client)).bytes).toBe(3);
        await serverClosed;
        const refused = net.connect({ ...FAST, port, host: '127.0.0.1' });
        const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
        expect(error).toMatchObject({
          code: 'ECONNREFUSED',
          syscall: 'connect',
          address: '127.0.0.1',
          port,
        });
      });

      it('a client destroyed during connect closes without connecting or leaking', async () => {
        const list = openList;
        const server = net.createServer(FAST, (socket) => socket.destroy());
        await withServer(server, '127.0.0.1', async (port) => {
          const before = list ? list().length : 0;
          for (const host of ['127.0.0.1', 'localhost']) {
            const client = net.connect({ ...FAST, port, host, family: 4 });
            let connected = false;
            client.on('connect', () => {
              connected = true;
            });
            client.destroy();
            const [hadError] = await once(client, 'close');
            expect(hadError).toBe(false);
            expect(connected).toBe(false);
          }
          if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
        });
      });

      it('a thousand connections leave no descriptor behind', async () => {
        const list = openList;
        const server = net.createServer(FAST, (socket) => socket.end('x'));
        await withServer(server, '127.0.0.1', async (port) => {
          const before = list ? list().length : 0;
          for (let i = 0; i < 1000; i++) {
            const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
            client.resume();
            await once(client, 'close');
          }
          if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
        });
      }, 120_000);

      it('a peer killed mid-stream gives the reader an error or an early end, never a hang', async () => {
        const server = net.createServer(FAST, (socket) => {
          socket.write(patterned(256 * 1024, 5));
          setTimeout(() => socket.resetAndDestroy(), 20);
        });
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({ ...FAST, port, host: '127.0.0.1' });
          let bytes = 0;
          client.on('data', (data: Buffer) => {
            bytes += data.length;
          });
          const outcome = await new Promise<string>((resolve) => {
            client.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
            client.on('close', () => resolve('closed'));
          });
          expect(['ECONNRESET', 'closed']).toContain(outcome);
          expect(bytes).toBeLessThanOrEqual(256 * 1024);
        });
      });
    });

    describe('option guard', () => {
      it.runIf(x.net.optionGuard)(
        "policy 'throw': setNoDelay(true) and setKeepAlive(true) throw ERR_LOOPFAST_UNSUPPORTED_OPTION; turning off passes",
        async () => {
          const server = net.createServer({ ...FAST, optionPolicy: 'throw' }, (socket) => {
            expect(thrownBy(() => socket.setNoDelay(true))).toHaveProperty(
              'code',
              'ERR_LOOPFAST_UNSUPPORTED_OPTION',
            );
            socket.end();
          });
          await withServer(server, '127.0.0.1', async (port) => {
            const client = net.connect({ ...FAST, optionPolicy: 'throw', port, host: '127.0.0.1' });
            await once(client, 'connect');
            expect(thrownBy(() => client.setNoDelay(true))).toHaveProperty(
              'code',
              'ERR_LOOPFAST_UNSUPPORTED_OPTION',
            );
            expect(thrownBy(() => client.setNoDelay())).toHaveProperty(
              'code',
              'ERR_LOOPFAST_UNSUPPORTED_OPTION',
            );
            expect(thrownBy(() => client.setKeepAlive(true, 1000))).toHaveProperty(
              'code',
              'ERR_LOOPFAST_UNSUPPORTED_OPTION',
            );
            expect(client.setNoDelay(false)).toBe(client);
            expect(client.setKeepAlive(false)).toBe(client);
            client.resume();
            await once(client, 'close');
          });
        },
      );

      it.runIf(x.net.optionGuard)(
        "policy 'throw': the noDelay and keepAlive options are refused before anything is made",
        () => {
          for (const option of ['noDelay', 'keepAlive']) {
            const error = thrownBy(() =>
              net.connect({
                ...FAST,
                optionPolicy: 'throw',
                port: 9,
                host: '127.0.0.1',
                [option]: true,
              }),
            );
            expect(error).toHaveProperty('code', 'ERR_LOOPFAST_UNSUPPORTED_OPTION');
          }
        },
      );

      it.runIf(!x.net.optionGuard)(
        "policy 'throw' leaves TCP options alone where the mechanism does not restrict them (a Unix socket ignores them)",
        async () => {
          const server = net.createServer({ ...FAST, optionPolicy: 'throw' }, (socket) => {
            expect(socket.setNoDelay(true)).toBe(socket);
            expect(socket.setKeepAlive(true, 1000)).toBe(socket);
            socket.end();
          });
          await withServer(server, '127.0.0.1', async (port) => {
            const client = net.connect({
              ...FAST,
              optionPolicy: 'throw',
              port,
              host: '127.0.0.1',
              noDelay: true,
              keepAlive: true,
            });
            await once(client, 'connect');
            expectPlatformStatus(net.fastPathInfo(client));
            expect(client.setNoDelay(true)).toBe(client);
            expect(client.setKeepAlive(true, 1000)).toBe(client);
            client.resume();
            await once(client, 'close');
          });
        },
      );

      it("policy 'allow': the option is set for real", async () => {
        const server = net.createServer(FAST, (socket) => socket.end());
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({
            ...FAST,
            optionPolicy: 'allow',
            port,
            host: '127.0.0.1',
            noDelay: true,
          });
          await once(client, 'connect');
          expect(client.setNoDelay(true)).toBe(client);
          client.resume();
          await once(client, 'close');
        });
      });

      it('a socket without the fast path is never guarded', async () => {
        const server = net.createServer((socket) => socket.end());
        await withServer(server, '127.0.0.1', async (port) => {
          const client = net.connect({
            optionPolicy: 'throw',
            port,
            host: '127.0.0.1',
            noDelay: true,
          });
          await once(client, 'connect');
          expect(client.setNoDelay(true)).toBe(client);
          client.resume();
          await once(client, 'close');
        });
      });
    });

    describe('bad input', () => {
      it.each([
        [
          'loopbackFastPath "yes"',
          { loopbackFastPath: 'yes', port: 1 },
          TypeError,
          'ERR_INVALID_ARG_TYPE',
        ],
        [
          'optionPolicy "sometimes"',
          { ...FAST, optionPolicy: 'sometimes', port: 1 },
          TypeError,
          'ERR_INVALID_ARG_VALUE',
        ],
        ['backend {}', { ...FAST, backend: {}, port: 1 }, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [
          'backend "rust"',
          { ...FAST, backend: 'rust', port: 1 },
          TypeError,
          'ERR_INVALID_ARG_VALUE',
        ],
        ['port -1', { ...FAST, port: -1, host: '127.0.0.1' }, RangeError, 'ERR_SOCKET_BAD_PORT'],
        [
          'port 65536',
          { ...FAST, port: 65536, host: '127.0.0.1' },
          RangeError,
          'ERR_SOCKET_BAD_PORT',
        ],
        [
          'port "http"',
          { ...FAST, port: 'http', host: '127.0.0.1' },
          RangeError,
          'ERR_SOCKET_BAD_PORT',
        ],
        [
          'port true',
          { ...FAST, port: true, host: '127.0.0.1' },
          TypeError,
          'ERR_INVALID_ARG_TYPE',
        ],
        ['host 5', { ...FAST, port: 1, host: 5 }, TypeError, 'ERR_INVALID_ARG_TYPE'],
      ])('connect with %s throws %s %s', (_label, options, type, code) => {
        const error = thrownBy(() => net.connect(options));
        expect(error).toBeInstanceOf(type);
        expect(error).toHaveProperty('code', code);
      });

      it('port errors are exactly the ones node:net gives', () => {
        for (const port of [-1, 65536, 'http', 1.5]) {
          const ours = thrownBy(() =>
            net.connect({ ...FAST, port, host: '127.0.0.1' }),
          ) as Error & { code: string };
          const theirs = thrownBy(() =>
            netConnect({ port: port as number, host: '127.0.0.1' }),
          ) as Error & { code: string };
          expect([ours.constructor, ours.code]).toEqual([theirs.constructor, theirs.code]);
        }
      });

      it('listen with a bad port throws ERR_SOCKET_BAD_PORT, and fastPathInfo refuses what is not a socket', () => {
        const server = net.createServer(FAST);
        expect(thrownBy(() => server.listen(70_000, '127.0.0.1'))).toHaveProperty(
          'code',
          'ERR_SOCKET_BAD_PORT',
        );
        expect(thrownBy(() => net.fastPathInfo({} as Socket))).toHaveProperty(
          'code',
          'ERR_INVALID_ARG_TYPE',
        );
      });
    });

    describe.runIf(x.python !== null)('Python peers', () => {
      it.each(HOSTS)('Python client of a fast-path server on %s', async (host) => {
        const size = 3 * 1024 * 1024 + 17;
        const fromServer = patterned(size, 6);
        let serverSaw: Promise<{ hash: string; bytes: number }> | undefined;
        const server = net.createServer(FAST, (socket) => {
          serverSaw = drain(socket);
          socket.end(fromServer);
        });
        await withServer(server, host, async (port) => {
          const report = await runPythonClient(x.python as string, host, port, size);
          expect(report.receivedHash).toBe(sha256(fromServer));
          expect(await serverSaw).toEqual({ hash: report.sentHash, bytes: size });
          expect(report.sentHash).toBe(sha256(pythonPayload(size)));
        });
      });

      it.each(HOSTS)('Python server for a fast-path client on %s', async (host) => {
        const size = 2 * 1024 * 1024 + 5;
        const python = await startPythonServer(x.python as string, host, size);
        const fromClient = patterned(size, 7);
        const client = net.connect({ ...FAST, port: python.port, host });
        client.end(fromClient);
        const clientSaw = await drain(client);
        const report = await python.report;
        expect(clientSaw).toEqual({ hash: report.sentHash, bytes: size });
        expect(report).toMatchObject({ receivedHash: sha256(fromClient), receivedBytes: size });
        if (x.net.bothSides) {
          // A server that did not ask for the fast path offers no rendezvous: TCP, and why.
          expect(net.fastPathInfo(client)).toMatchObject({
            state: 'no-fast-peer',
            mechanism: null,
          });
          expect(net.fastPathInfo(client).reason).toMatch(/no fast-path server/);
        } else {
          expectPlatformStatus(net.fastPathInfo(client));
        }
      });
    });

    describe('HTTP', () => {
      it('http.createServer with the fast path serves http.get through the fast-path agent', async () => {
        const server = net.attachFastPath(
          createHttpServer((request, response) => response.end(`hello ${request.url}`)),
          { ...FAST, optionPolicy: 'allow' },
        );
        const agent = net.createHttpAgent({ keepAlive: true, optionPolicy: 'allow' });
        try {
          const port = await listening(server, '127.0.0.1');
          expectPlatformStatus(net.fastPathInfo(server));
          for (const path of ['/a', '/b']) {
            const body = await new Promise<string>((resolve, reject) => {
              httpGet({ host: '127.0.0.1', port, path, agent }, (response) => {
                let text = '';
                response.setEncoding('utf8');
                response.on('data', (chunk: string) => {
                  text += chunk;
                });
                response.on('end', () => resolve(text));
              }).on('error', reject);
            });
            expect(body).toBe(`hello ${path}`);
          }
          const sockets = Object.values(
            (agent as unknown as { freeSockets: Record<string, Socket[]> }).freeSockets,
          ).flat();
          expect(sockets.length).toBe(1);
          expectPlatformStatus(net.fastPathInfo(sockets[0] as Socket));
        } finally {
          agent.destroy();
          await closed(server);
        }
      });

      it.each([
        ['127.0.0.1', '127.0.0.1'],
        ['::1', '[::1]'],
      ])(
        'fetch through an undici Agent with the loopfast connector, server on %s',
        async (host, urlHost) => {
          const server = net.attachFastPath(
            createHttpServer((request, response) =>
              response.end(JSON.stringify({ url: request.url })),
            ),
            { ...FAST, optionPolicy: 'allow' },
          );
          let accepted = 0;
          server.on('connection', () => {
            accepted++;
          });
          const connected: Socket[] = [];
          const connector = net.createUndiciConnector({ optionPolicy: 'allow' });
          const dispatcher = new UndiciAgent({
            connect: (options, callback) =>
              connector(options, (error, socket) => {
                if (socket) {
                  connected.push(socket);
                  callback(null, socket);
                } else {
                  callback(error ?? new Error('no socket'), null);
                }
              }),
          });
          try {
            const port = await listening(server, host);
            for (const path of ['/one', '/two?x=1']) {
              const response = await fetch(`http://${urlHost}:${port}${path}`, {
                dispatcher,
              } as RequestInit);
              expect(await response.json()).toEqual({ url: path });
            }
            // Every connection the server accepted was made by loopfast's connector.
            expect(connected.length).toBeGreaterThan(0);
            expect(connected.length).toBe(accepted);
            for (const socket of connected) expectPlatformStatus(net.fastPathInfo(socket));
          } finally {
            await dispatcher.close();
            await closed(server);
          }
        },
      );
    });
  });
}
