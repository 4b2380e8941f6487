/**
 * The backend conformance suite: every backend passes the same assertions on real sockets.
 * Call {@link backendConformance} once per backend from that backend's tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Server, Socket } from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Backend,
  type IpFamily,
  isUnsupportedError,
  LoopfastError,
  LoopfastErrorCode,
  LoopfastSystemError,
  type NativeSocket,
  socketConstants,
} from '@loopfast/core';
import { afterEach, describe, expect, it } from 'vitest';
import { badInputCases } from './bad-input.js';
import {
  descriptorFlags,
  O_CLOEXEC,
  O_NONBLOCK,
  openListFor,
  settleDescriptorCount,
} from './descriptors.js';
import { adoptClientSocket, adoptServerHandle } from './handoff.js';
import { sha256, startExchangeServer, unixPair } from './peers.js';
import { type PlatformExpectations, platformExpectations } from './platform-expectations.js';
import { tcpListenerRows } from './tcp-listener-suite.js';
import { expectSystemError, thrownBy } from './throws.js';
import {
  startNodeUnixServer,
  startPythonUnixEchoServer,
  startPythonUnixListener,
} from './unix-peers.js';

const C = socketConstants();
const FAMILIES: readonly { family: IpFamily; host: string }[] = [
  { family: 4, host: '127.0.0.1' },
  { family: 6, host: '::1' },
];

/** Reads a native-endian int32, as the kernel writes one. */
function readInt(bytes: Buffer): number {
  return endianness() === 'LE' ? bytes.readInt32LE(0) : bytes.readInt32BE(0);
}

function intBytes(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  if (endianness() === 'LE') bytes.writeInt32LE(value);
  else bytes.writeInt32BE(value);
  return bytes;
}

/** What a {@link UnixExchangeServer} saw on its first connection. */
interface UnixExchangeRecord {
  readonly hash: string;
  readonly bytes: number;
}

/** A Node server on a Unix socket path: sends `payload` to each client, hashes what it receives. */
interface UnixExchangeServer {
  readonly payload: Buffer;
  /** The sockets it accepted, in order. */
  readonly accepted: Socket[];
  /** Resolves once the next connection arrives. */
  nextConnection(): Promise<unknown>;
  /** Resolves with the first connection's record once its client has ended it. */
  readonly firstRecord: Promise<UnixExchangeRecord>;
  /** Drops every accepted socket and closes the server (which removes the socket file). */
  close(): Promise<void>;
}

async function startUnixExchangeServer(path: string): Promise<UnixExchangeServer> {
  const payload = randomBytes(192 * 1024);
  const accepted: Socket[] = [];
  let recordFirst: (record: UnixExchangeRecord) => void = () => {};
  const firstRecord = new Promise<UnixExchangeRecord>((resolve) => {
    recordFirst = resolve;
  });
  const server: Server = createServer((socket: Socket) => {
    const first = accepted.length === 0;
    accepted.push(socket);
    // A test may close its end with bytes unread; the reset that follows is not a failure.
    socket.on('error', () => {});
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    socket.on('end', () => {
      if (first) recordFirst({ hash: hash.digest('hex'), bytes });
    });
    socket.write(payload);
  });
  server.listen(path);
  await once(server, 'listening');
  return {
    payload,
    accepted,
    nextConnection: () => once(server, 'connection'),
    firstRecord,
    close: async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh abstract name (Linux): a NUL byte, then a name no other test uses. */
function abstractName(label: string): string {
  return `\0loopfast-test-${label}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The descriptor of a socket Node holds. */
function nodeDescriptor(socket: Socket | Server): number {
  return (socket as unknown as { _handle: { fd: number } })._handle.fd;
}

/** Writes `message` on the adopted socket `client` and resolves once as many bytes came back. */
async function echoed(client: Socket, message: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const done = new Promise<void>((resolve) => {
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= message.length) resolve();
    });
  });
  client.write(message);
  await done;
  return Buffer.concat(chunks);
}

/** A path of exactly `bytes` bytes of UTF-8 inside `directory`. */
function pathOfBytes(directory: string, bytes: number): string {
  const room = bytes - Buffer.byteLength(join(directory, 'x')) + 1;
  if (room < 1) throw new Error(`${directory} is too long for a ${bytes}-byte path`);
  return join(directory, 'p'.repeat(room));
}

/**
 * Registers the backend suite for `backend` with vitest.
 * @param expectations - the platform's expectations; the running platform's by default.
 */
export function backendConformance(
  backend: Backend,
  expectations: PlatformExpectations = platformExpectations(),
): void {
  const x = expectations;
  const opened: NativeSocket[] = [];
  /** What the process holds open (descriptors, or sockets on Windows), or `null`. */
  const openList = openListFor(x, backend);

  /** A fresh socket that the test's cleanup closes unless the test hands it on. */
  function freshSocket(family: IpFamily): NativeSocket {
    const socket = backend.createTcpSocket(family);
    opened.push(socket);
    return socket;
  }

  /** Forgets a socket the test closed or handed to Node, so cleanup does not close it twice. */
  function release(socket: NativeSocket): NativeSocket {
    opened.splice(opened.indexOf(socket), 1);
    return socket;
  }

  /** Hands the connected `socket` to Node, sends `message` through it, and gives what came back. */
  async function echoedThroughNode(socket: NativeSocket, message: Buffer): Promise<Buffer> {
    const client = new Socket({ fd: release(socket), readable: true, writable: true });
    try {
      return await echoed(client, message);
    } finally {
      client.destroy();
      await once(client, 'close');
    }
  }

  /** A descriptor that was open a moment ago and is closed now. */
  function closedDescriptor(): NativeSocket {
    const socket = release(freshSocket(4));
    backend.closeSocket(socket);
    return socket;
  }

  const directories: string[] = [];
  /** A private temporary folder for socket files, removed after the test. */
  function temporaryDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'loopfast-unix-'));
    directories.push(directory);
    return directory;
  }

  /** A Unix-domain connection to `path` that the test's cleanup closes unless handed on. */
  function connectedUnixSocket(path: string, localAddress?: string): NativeSocket {
    const socket =
      localAddress === undefined
        ? backend.connectUnixSocket(path)
        : backend.connectUnixSocket(path, localAddress);
    opened.push(socket);
    return socket;
  }

  /**
   * `connectUnixSocket(path, localAddress)` fails with `code` from `syscall`, and nothing is
   * left open.
   */
  function expectConnectFailure(
    path: string,
    code: string,
    localAddress?: string,
    syscall = 'connect',
  ): void {
    const before = openList?.();
    expectSystemError(() => connectedUnixSocket(path, localAddress), backend, code, syscall);
    if (openList) expect(openList()).toEqual(before);
  }

  /**
   * Connects to `server` (listening on `path`), bound first to `localAddress` when given, and
   * resolves once the server has the connection: the client's descriptor, and the address the
   * server's side reads for its peer.
   */
  async function connectAndAsk(
    server: UnixExchangeServer,
    path: string,
    localAddress?: string,
  ): Promise<{ fd: NativeSocket; seenByServer: string }> {
    const seen = server.nextConnection();
    const fd = connectedUnixSocket(path, localAddress);
    await seen;
    const accepted = server.accepted.at(-1) as Socket;
    return { fd, seenByServer: backend.getUnixPeerAddress(nodeDescriptor(accepted)) };
  }

  /** The call throws `ERR_LOOPFAST_NOT_UNIX_SOCKET`, naming the backend; not "unsupported". */
  function expectNotUnixSocket(call: () => unknown): void {
    const error = thrownBy(call);
    expect(error).toBeInstanceOf(LoopfastError);
    expect(error).toHaveProperty('code', LoopfastErrorCode.NOT_UNIX_SOCKET);
    expect((error as Error).message).toContain(`[${backend.name} backend]`);
    expect(isUnsupportedError(error)).toBe(false);
  }

  describe(`backend "${backend.name}" on ${x.label}`, () => {
    afterEach(() => {
      for (const socket of opened.splice(0)) backend.closeSocket(socket);
      for (const directory of directories.splice(0)) {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    it('names itself and its version', () => {
      expect(backend.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(backend.version).toMatch(/^\d+\.\d+\.\d+/);
    });

    describe('createTcpSocket', () => {
      it.each(FAMILIES)('makes an IPv$family stream socket', ({ family }) => {
        const socket = freshSocket(family);
        expect(Number.isInteger(socket) && socket >= 0).toBe(true);
        expect(backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
      });

      it.runIf(x.descriptorFlags)('makes it non-blocking and close-on-exec', () => {
        const flags = descriptorFlags(freshSocket(4));
        expect(flags & O_NONBLOCK).toBe(O_NONBLOCK);
        expect(flags & O_CLOEXEC).toBe(O_CLOEXEC);
      });

      it('gives a distinct socket each call', () => {
        const a = freshSocket(4);
        const b = freshSocket(6);
        expect(a).not.toBe(b);
      });
    });

    describe('applyLoopbackFastPath', () => {
      it.each(FAMILIES)(`on a fresh IPv$family socket: ${describeOutcome(x)}`, ({ family }) => {
        for (const enabled of [true, false]) {
          const socket = freshSocket(family);
          const call = () => backend.applyLoopbackFastPath(socket, enabled);
          if (x.fastPath.outcome === 'applied') {
            expect(call).not.toThrow();
            continue;
          }
          const error = thrownBy(call);
          expect(error).toBeInstanceOf(LoopfastSystemError);
          expect(error).toMatchObject({
            code: x.fastPath.code,
            syscall: x.fastPath.syscall,
            backend: backend.name,
          });
          expect(isUnsupportedError(error)).toBe(x.fastPath.unsupported);
          // The socket is still usable afterwards: Microsoft's documentation has the connection go on
          // over the normal path then.
          expect(backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
        }
      });

      it('defaults to enabling', () => {
        const socket = freshSocket(4);
        const implicit = outcomeOf(() => backend.applyLoopbackFastPath(socket));
        const explicit = outcomeOf(() => backend.applyLoopbackFastPath(socket, true));
        expect(implicit).toEqual(explicit);
      });

      it(`fails with ${x.closedSocketFastPathCode} on a closed socket`, () => {
        const socket = closedDescriptor();
        expectSystemError(
          () => backend.applyLoopbackFastPath(socket),
          backend,
          x.closedSocketFastPathCode,
        );
      });
    });

    describe('ioctl', () => {
      it('sets non-blocking mode through FIONBIO and returns no output', () => {
        const socket = freshSocket(4);
        expect(backend.ioctl(socket, C.FIONBIO, intBytes(1))).toEqual(Buffer.alloc(0));
      });

      it('reads FIONREAD into a 4-byte output (0 on a fresh socket)', () => {
        const output = backend.ioctl(freshSocket(4), C.FIONREAD, null, 4);
        expect(output.length).toBe(4);
        expect(readInt(output)).toBe(0);
      });

      it(`fails with ${x.closedSocketCode} on a closed socket`, () => {
        const socket = closedDescriptor();
        expectSystemError(
          () => backend.ioctl(socket, C.FIONREAD, null, 4),
          backend,
          x.closedSocketCode,
        );
      });

      it.runIf(x.overlongIoctl !== null)(
        'gives the kernel room for a request that writes back more than one int',
        () => {
          // SIOCGIFCONF with a zeroed struct ifconf (no buffer) reports the bytes the interface
          // list needs: a whole number of 40-byte entries, at least one for loopback.
          const needed = readInt(backend.ioctl(freshSocket(4), x.overlongIoctl as number, null, 4));
          expect(needed).toBeGreaterThan(0);
          expect(needed % 40).toBe(0);
        },
      );
    });

    describe('socket options', () => {
      it('round-trips SO_RCVBUF (the kernel may round it up)', () => {
        const socket = freshSocket(4);
        backend.setSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF, 96 * 1024);
        const value = backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF);
        expect(value).toBeGreaterThanOrEqual(96 * 1024);
        backend.setSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF, 48 * 1024);
        expect(backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF)).toBeLessThan(value);
      });

      it.each([
        ['SO_REUSEADDR', 4, C.SOL_SOCKET, C.SO_REUSEADDR],
        ['TCP_NODELAY', 4, C.IPPROTO_TCP, C.TCP_NODELAY],
        ['IPV6_V6ONLY', 6, C.IPPROTO_IPV6, C.IPV6_V6ONLY],
      ] as const)('round-trips %s on and off', (_name, family, level, name) => {
        const socket = freshSocket(family);
        backend.setSocketOption(socket, level, name, 1);
        expect(backend.getSocketOption(socket, level, name)).not.toBe(0);
        backend.setSocketOption(socket, level, name, 0);
        expect(backend.getSocketOption(socket, level, name)).toBe(0);
      });

      it('round-trips IP_TTL and IPV6_UNICAST_HOPS exactly', () => {
        const v4 = freshSocket(4);
        backend.setSocketOption(v4, C.IPPROTO_IP, C.IP_TTL, 42);
        expect(backend.getSocketOption(v4, C.IPPROTO_IP, C.IP_TTL)).toBe(42);
        const v6 = freshSocket(6);
        backend.setSocketOption(v6, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, 17);
        expect(backend.getSocketOption(v6, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS)).toBe(17);
      });

      it('reads an int option as raw bytes, cut to the size the call returned', () => {
        const socket = freshSocket(4);
        const asInt = backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF);
        const bytes = backend.getSocketOptionBuffer(socket, C.SOL_SOCKET, C.SO_RCVBUF, 16);
        expect(bytes.length).toBe(4);
        expect(readInt(bytes)).toBe(asInt);
      });

      it('round-trips a structure option (SO_LINGER) as raw bytes', () => {
        const socket = freshSocket(4);
        const linger = Buffer.alloc(x.lingerSize);
        const half = x.lingerSize / 2;
        linger.writeUIntLE(1, 0, half);
        linger.writeUIntLE(7, half, half);
        if (endianness() === 'BE') linger.swap16();
        backend.setSocketOptionBuffer(socket, C.SOL_SOCKET, C.SO_LINGER, linger);
        expect(
          backend.getSocketOptionBuffer(socket, C.SOL_SOCKET, C.SO_LINGER, x.lingerSize),
        ).toEqual(linger);
      });

      it(`fails with ${x.unknownOptionCode} for an unknown option`, () => {
        const socket = freshSocket(4);
        expectSystemError(
          () => backend.getSocketOption(socket, C.SOL_SOCKET, 0x7777),
          backend,
          x.unknownOptionCode,
          'getsockopt',
        );
        expectSystemError(
          () => backend.setSocketOption(socket, C.SOL_SOCKET, 0x7777, 1),
          backend,
          x.unknownOptionCode,
          'setsockopt',
        );
      });

      it(`fails with ${x.closedSocketCode} on a closed socket`, () => {
        const socket = closedDescriptor();
        expectSystemError(
          () => backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF),
          backend,
          x.closedSocketCode,
        );
        expectSystemError(
          () => backend.setSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF, 1),
          backend,
          x.closedSocketCode,
        );
      });
    });

    describe.runIf(x.regularFileCode !== null)('a descriptor that is not a socket', () => {
      it(`is refused with ${x.regularFileCode} by every call, and stays open`, () => {
        const fd = openSync(join(tmpdir(), `loopfast-not-a-socket-${process.pid}`), 'w');
        try {
          const code = x.regularFileCode as string;
          expectSystemError(() => backend.applyLoopbackFastPath(fd), backend, code);
          expectSystemError(() => backend.ioctl(fd, C.FIONREAD, null, 4), backend, code);
          expectSystemError(
            () => backend.getSocketOption(fd, C.SOL_SOCKET, C.SO_RCVBUF),
            backend,
            code,
          );
          expectSystemError(
            () => backend.setSocketOption(fd, C.SOL_SOCKET, C.SO_RCVBUF, 1),
            backend,
            code,
          );
          expectSystemError(() => backend.getPeerCredentials(fd), backend, code);
          if (x.unixSockets !== null) {
            expectSystemError(() => backend.getUnixPeerAddress(fd), backend, code, 'getpeername');
          }
          expectSystemError(() => backend.closeSocket(fd), backend, code);
          expect(fstatSync(fd).isFile()).toBe(true);
        } finally {
          closeSync(fd);
        }
      });
    });

    describe('getPeerCredentials', () => {
      it.runIf(x.peerCredentials)(
        'reports this process as the peer of a Unix domain socket',
        async () => {
          const pair = await unixPair();
          try {
            const fd = (pair.accepted as unknown as { _handle: { fd: number } })._handle.fd;
            expect(backend.getPeerCredentials(fd)).toEqual({
              pid: process.pid,
              uid: process.getuid?.(),
              gid: process.getgid?.(),
            });
          } finally {
            await pair.close();
          }
        },
      );

      it.runIf(!x.peerCredentials)('is unsupported', () => {
        const socket = freshSocket(4);
        expect(isUnsupportedError(thrownBy(() => backend.getPeerCredentials(socket)))).toBe(true);
      });

      it.runIf(x.peerCredentials)(`fails with ${x.closedSocketCode} on a closed socket`, () => {
        const socket = closedDescriptor();
        expectSystemError(() => backend.getPeerCredentials(socket), backend, x.closedSocketCode);
      });

      describe.runIf(x.peerCredentials)('on a socket that is not a Unix domain socket', () => {
        it.each(FAMILIES)(
          'refuses a fresh IPv$family TCP socket with ERR_LOOPFAST_NOT_UNIX_SOCKET; the socket stays open and usable',
          ({ family }) => {
            const socket = freshSocket(family);
            expectNotUnixSocket(() => backend.getPeerCredentials(socket));
            if (openList) expect(openList()).toContain(socket);
            expect(backend.getSocketOption(socket, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
          },
        );

        it('refuses the descriptor of a connected TCP socket Node holds, which keeps carrying data', async () => {
          const server = await startExchangeServer('127.0.0.1');
          try {
            const client = connect(server.port, '127.0.0.1');
            await once(client, 'connect');
            const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
            expectNotUnixSocket(() => backend.getPeerCredentials(fd));

            const upload = Buffer.alloc(64 * 1024, 0x33);
            const received: Buffer[] = [];
            client.on('data', (chunk: Buffer) => received.push(chunk));
            client.end(upload);
            const record = server.nextRecord();
            await once(client, 'close');
            expect(sha256(Buffer.concat(received))).toBe(sha256(server.payload));
            expect(await record).toEqual({
              receivedHash: sha256(upload),
              receivedBytes: upload.length,
            });
          } finally {
            await server.close();
          }
        });
      });
    });

    describe('connectUnixSocket', () => {
      it('refuses every bad path before making a socket: nothing is opened', () => {
        const rows = badInputCases(x).filter((row) => row.method === 'connectUnixSocket');
        expect(rows.length).toBeGreaterThan(5);
        const before = openList?.();
        // connectUnixSocketWithPeer takes the same arguments and refuses the same ones.
        for (const method of ['connectUnixSocket', 'connectUnixSocketWithPeer'] as const) {
          for (const row of rows) {
            const call = backend[method] as (...args: unknown[]) => unknown;
            const error = thrownBy(() => call(...row.args(-1)));
            expect(error, `${method}: ${row.label}`).toBeInstanceOf(
              row.type === 'TypeError' ? TypeError : RangeError,
            );
            expect(error, `${method}: ${row.label}`).toHaveProperty('code', row.code);
          }
        }
        if (openList) expect(openList()).toEqual(before);
      });

      it.runIf(x.unixSockets === null)(
        'is refused with ERR_LOOPFAST_UNSUPPORTED_PLATFORM once the path is valid, and opens nothing',
        () => {
          const before = openList?.();
          const path = join(tmpdir(), 'loopfast.sock');
          for (const error of [
            thrownBy(() => backend.connectUnixSocket(path)),
            thrownBy(() => backend.connectUnixSocketWithPeer(path)),
          ]) {
            expect(error).toBeInstanceOf(LoopfastError);
            expect(error).toHaveProperty('code', LoopfastErrorCode.UNSUPPORTED_PLATFORM);
            expect((error as Error).message).toContain(`[${backend.name} backend]`);
            expect(isUnsupportedError(error)).toBe(true);
          }
          if (openList) expect(openList()).toEqual(before);
        },
      );

      describe.runIf(x.unixSockets !== null)('on a system with Unix domain sockets', () => {
        const regularFileCode = x.unixSockets?.regularFileCode ?? 'a system error';
        const fullBacklogCode = x.unixSockets?.fullBacklogCode ?? 'a system error';

        it('connects to a listening socket; Node adopts the descriptor, bytes flow both ways, and Node alone closes it', async () => {
          const list = openList;
          const before = list ? list().length : 0;
          const path = join(temporaryDirectory(), 's.sock');
          const server = await startUnixExchangeServer(path);
          const afterServer = list ? list().length : 0;
          try {
            const seen = server.nextConnection();
            const fd = connectedUnixSocket(path);
            expect(Number.isInteger(fd) && fd >= 0).toBe(true);
            if (list) expect(list()).toContain(fd);
            expect(backend.getSocketOption(fd, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
            // The server side sees the connection.
            await seen;
            expect(server.accepted).toHaveLength(1);

            const client = new Socket({ fd: release(fd), readable: true, writable: true });
            const upload = randomBytes(320 * 1024);
            const received: Buffer[] = [];
            client.on('data', (chunk: Buffer) => received.push(chunk));
            client.end(upload);
            await once(client, 'close');
            expect(sha256(Buffer.concat(received))).toBe(sha256(server.payload));
            expect(await server.firstRecord).toEqual({
              hash: sha256(upload),
              bytes: upload.length,
            });
            // Node closed the descriptor; nothing else did, and nothing is left open.
            if (list) expect(await settleDescriptorCount(list, afterServer)).toBe(afterServer);
          } finally {
            await server.close();
          }
          if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
        });

        it.runIf(x.descriptorFlags)(
          'makes the descriptor non-blocking and close-on-exec',
          async () => {
            const path = join(temporaryDirectory(), 's.sock');
            const server = await startUnixExchangeServer(path);
            try {
              const flags = descriptorFlags(connectedUnixSocket(path));
              expect(flags & O_NONBLOCK).toBe(O_NONBLOCK);
              expect(flags & O_CLOEXEC).toBe(O_CLOEXEC);
            } finally {
              await server.close();
            }
          },
        );

        it.runIf(x.peerCredentials)(
          "gives a descriptor whose peer credentials are this process's (the server's) uid, gid and pid",
          async () => {
            const path = join(temporaryDirectory(), 's.sock');
            const server = await startUnixExchangeServer(path);
            try {
              const fd = connectedUnixSocket(path);
              expect(backend.getPeerCredentials(fd)).toEqual({
                pid: process.pid,
                uid: process.getuid?.(),
                gid: process.getgid?.(),
              });
            } finally {
              await server.close();
            }
          },
        );

        it.runIf(x.peerCredentials)(
          'reaches a server in another process: its pid in the peer credentials, its echo on the adopted socket',
          async () => {
            const path = join(temporaryDirectory(), 'child.sock');
            const child = await startNodeUnixServer(path);
            try {
              const fd = connectedUnixSocket(path);
              const credentials = backend.getPeerCredentials(fd);
              expect(credentials).toEqual({
                pid: child.pid,
                uid: process.getuid?.(),
                gid: process.getgid?.(),
              });
              expect(credentials.pid).not.toBe(process.pid);

              const message = randomBytes(4096);
              expect(await echoedThroughNode(fd, message)).toEqual(message);
            } finally {
              await child.stop();
            }
          },
        );

        it.runIf(x.peerCredentials)(
          "connectUnixSocketWithPeer: the server's credentials in the same call, from another process; Node adopts the socket",
          async () => {
            const path = join(temporaryDirectory(), 'child.sock');
            const child = await startNodeUnixServer(path);
            try {
              const { socket, peer } = backend.connectUnixSocketWithPeer(path);
              opened.push(socket);
              expect(peer).toEqual({
                pid: child.pid,
                uid: process.getuid?.(),
                gid: process.getgid?.(),
              });
              // The same answer getPeerCredentials gives for the socket.
              expect(backend.getPeerCredentials(socket)).toEqual(peer);
              const flags = x.descriptorFlags ? descriptorFlags(socket) : null;
              if (flags !== null) expect(flags & O_NONBLOCK).toBe(O_NONBLOCK);
              const message = randomBytes(4096);
              expect(await echoedThroughNode(socket, message)).toEqual(message);
            } finally {
              await child.stop();
            }
          },
        );

        it('connectUnixSocketWithPeer fails as connectUnixSocket does, and leaves nothing open', async () => {
          const directory = temporaryDirectory();
          const before = openList?.();
          expectSystemError(
            () => backend.connectUnixSocketWithPeer(join(directory, 'missing.sock')),
            backend,
            'ENOENT',
            'connect',
          );
          // A killed server leaves its socket file, where nobody listens.
          const path = join(directory, 'stale.sock');
          const child = await startNodeUnixServer(path);
          await child.stop('SIGKILL');
          expectSystemError(
            () => backend.connectUnixSocketWithPeer(path),
            backend,
            'ECONNREFUSED',
            'connect',
          );
          if (openList) expect(openList()).toEqual(before);
        });

        it('connects to a path of exactly the longest length sun_path holds', async () => {
          const path = pathOfBytes(temporaryDirectory(), x.sunPathSize - 1);
          expect(Buffer.byteLength(path)).toBe(x.sunPathSize - 1);
          const server = await startUnixExchangeServer(path);
          try {
            const seen = server.nextConnection();
            const fd = connectedUnixSocket(path);
            await seen;
            expect(server.accepted).toHaveLength(1);
            expect(backend.getSocketOption(fd, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
          } finally {
            await server.close();
          }
        });

        it('fails with ENOENT for a missing path, also one of exactly the longest length, and leaves nothing open', () => {
          const directory = temporaryDirectory();
          expectConnectFailure(join(directory, 'missing.sock'), 'ENOENT');
          expectConnectFailure(pathOfBytes(directory, x.sunPathSize - 1), 'ENOENT');
          expectConnectFailure(join(directory, 'no-such-folder', 's.sock'), 'ENOENT');
        });

        it('fails with ECONNREFUSED for a stale socket file (its server was killed) and leaves nothing open', async () => {
          const path = join(temporaryDirectory(), 'stale.sock');
          const child = await startNodeUnixServer(path);
          try {
            // While the server lives, the same path connects.
            backend.closeSocket(release(connectedUnixSocket(path)));
          } finally {
            await child.stop('SIGKILL');
          }
          // Killed, the server could not remove its socket file.
          expect(lstatSync(path).isSocket()).toBe(true);
          expectConnectFailure(path, 'ECONNREFUSED');
        });

        it(`fails with ${regularFileCode} for a regular file, which stays as it was, and leaves nothing open`, () => {
          const path = join(temporaryDirectory(), 'plain-file');
          writeFileSync(path, 'not a socket');
          expectConnectFailure(path, regularFileCode);
          expect(readFileSync(path, 'utf8')).toBe('not a socket');
        });

        it.runIf(x.python !== null)(
          `fails with ${fullBacklogCode} once the backlog of a listener that never accepts is full; only the queued connections stay open`,
          async () => {
            const path = join(temporaryDirectory(), 'full.sock');
            const listener = await startPythonUnixListener(x.python as string, path, 1);
            try {
              const before = openList?.() ?? [];
              const queued: NativeSocket[] = [];
              let failure: unknown;
              for (let attempt = 0; attempt < 64 && failure === undefined; attempt++) {
                try {
                  queued.push(connectedUnixSocket(path));
                } catch (error) {
                  failure = error;
                }
              }
              expect(failure).toBeInstanceOf(LoopfastSystemError);
              expect(failure).toMatchObject({
                code: fullBacklogCode,
                syscall: 'connect',
                backend: backend.name,
              });
              // A backlog of 1 holds a connection or two (the kernels count differently).
              expect(queued.length).toBeGreaterThanOrEqual(1);
              expect(queued.length).toBeLessThanOrEqual(4);
              if (openList) {
                expect(openList()).toEqual([...before, ...queued].sort((a, b) => a - b));
              }
              // Still full: the next attempt fails the same way and opens nothing either.
              expectConnectFailure(path, fullBacklogCode);
            } finally {
              await listener.stop();
            }
          },
        );
      });

      describe.runIf(x.unixSockets !== null)('with a local address', () => {
        it('binds the socket to a path first: the server sees that path as its peer, and the client still sees the server', async () => {
          const directory = temporaryDirectory();
          const path = join(directory, 's.sock');
          const local = join(directory, 'client.sock');
          const server = await startUnixExchangeServer(path);
          try {
            const { fd, seenByServer } = await connectAndAsk(server, path, local);
            expect(lstatSync(local).isSocket()).toBe(true);
            expect(seenByServer).toBe(local);
            expect(backend.getUnixPeerAddress(fd)).toBe(path);
          } finally {
            await server.close();
          }
        });

        it('fails with EADDRINUSE from bind when the local path exists, closes the socket, and leaves the file alone', async () => {
          const directory = temporaryDirectory();
          const path = join(directory, 's.sock');
          const taken = join(directory, 'taken');
          writeFileSync(taken, 'not yours');
          const server = await startUnixExchangeServer(path);
          try {
            expectConnectFailure(path, 'EADDRINUSE', taken, 'bind');
            expect(readFileSync(taken, 'utf8')).toBe('not yours');
            expect(server.accepted).toHaveLength(0);
          } finally {
            await server.close();
          }
        });

        it.runIf(x.abstractSockets)(
          'fails with EADDRINUSE from bind while another socket holds the abstract name, leaves nothing open, and binds it again once that socket is closed',
          async () => {
            const path = join(temporaryDirectory(), 's.sock');
            const local = abstractName('held');
            const server = await startUnixExchangeServer(path);
            try {
              const holder = await connectAndAsk(server, path, local);
              expectConnectFailure(path, 'EADDRINUSE', local, 'bind');
              backend.closeSocket(release(holder.fd));
              expect((await connectAndAsk(server, path, local)).seenByServer).toBe(local);
            } finally {
              await server.close();
            }
          },
        );

        it('fails from connect after a successful bind and leaves nothing open', () => {
          const directory = temporaryDirectory();
          const local = x.abstractSockets ? abstractName('refused') : join(directory, 'c.sock');
          expectConnectFailure(join(directory, 'missing.sock'), 'ENOENT', local);
          // The abstract name was released with the socket: it binds again.
          if (x.abstractSockets)
            expectConnectFailure(join(directory, 'missing.sock'), 'ENOENT', local);
        });
      });

      describe.runIf(x.unixSockets !== null && x.abstractSockets && x.python !== null)(
        'abstract names (Linux), served by a Python process',
        () => {
          it('connects; bytes flow both ways; the peer is the server process, bound to the name; the server sees an unbound client', async () => {
            const name = abstractName('server');
            const server = await startPythonUnixEchoServer(x.python as string, name);
            try {
              const fd = connectedUnixSocket(name);
              expect(await server.nextPeer()).toBe('');
              expect(backend.getPeerCredentials(fd)).toEqual({
                pid: server.pid,
                uid: process.getuid?.(),
                gid: process.getgid?.(),
              });
              expect(backend.getUnixPeerAddress(fd)).toBe(name);
              if (x.descriptorFlags) {
                const flags = descriptorFlags(fd);
                expect(flags & O_NONBLOCK).toBe(O_NONBLOCK);
                expect(flags & O_CLOEXEC).toBe(O_CLOEXEC);
              }
              const message = randomBytes(256 * 1024);
              expect(sha256(await echoedThroughNode(fd, message))).toBe(sha256(message));
            } finally {
              await server.stop();
            }
          });

          it('connects to a name that fills sun_path, its leading NUL included', async () => {
            const base = abstractName('long');
            const name = base + 'n'.repeat(x.sunPathSize - Buffer.byteLength(base));
            expect(Buffer.byteLength(name)).toBe(x.sunPathSize);
            const server = await startPythonUnixEchoServer(x.python as string, name);
            try {
              const fd = connectedUnixSocket(name);
              expect(await server.nextPeer()).toBe('');
              expect(backend.getUnixPeerAddress(fd)).toBe(name);
            } finally {
              await server.stop();
            }
          });

          it('binds to an abstract local address first: the server process sees it', async () => {
            const name = abstractName('server');
            const local = abstractName('client');
            const server = await startPythonUnixEchoServer(x.python as string, name);
            try {
              const fd = connectedUnixSocket(name, local);
              expect(await server.nextPeer()).toBe(local);
              expect(backend.getUnixPeerAddress(fd)).toBe(name);
            } finally {
              await server.stop();
            }
          });

          it('fails with ECONNREFUSED for a name nobody holds, also one the server held until it stopped, and leaves nothing open', async () => {
            expectConnectFailure(abstractName('nobody'), 'ECONNREFUSED');
            const name = abstractName('stopped');
            const server = await startPythonUnixEchoServer(x.python as string, name);
            try {
              backend.closeSocket(release(connectedUnixSocket(name)));
            } finally {
              await server.stop('SIGKILL');
            }
            // A killed process leaves no abstract name behind, unlike a socket file.
            expectConnectFailure(name, 'ECONNREFUSED');
          });

          it('tells a name from the socket file of the same spelling', async () => {
            const path = join(temporaryDirectory(), 's.sock');
            const server = await startUnixExchangeServer(path);
            try {
              expectConnectFailure(`\0${path}`, 'ECONNREFUSED');
            } finally {
              await server.close();
            }
          });
        },
      );
    });

    describe('getUnixPeerAddress', () => {
      it.runIf(x.unixSockets === null)(
        'is refused with ERR_LOOPFAST_UNSUPPORTED_PLATFORM once the socket is valid',
        () => {
          const socket = freshSocket(4);
          const error = thrownBy(() => backend.getUnixPeerAddress(socket));
          expect(error).toBeInstanceOf(LoopfastError);
          expect(error).toHaveProperty('code', LoopfastErrorCode.UNSUPPORTED_PLATFORM);
          expect((error as Error).message).toContain(`[${backend.name} backend]`);
          expect(isUnsupportedError(error)).toBe(true);
        },
      );

      describe.runIf(x.unixSockets !== null)('on a system with Unix domain sockets', () => {
        it("reads '' for an unbound peer and the path for a peer bound to one", async () => {
          const path = join(temporaryDirectory(), 's.sock');
          const server = await startUnixExchangeServer(path);
          const seen = server.nextConnection();
          const client = connect(path);
          client.on('error', () => {});
          try {
            await once(client, 'connect');
            await seen;
            expect(backend.getUnixPeerAddress(nodeDescriptor(server.accepted[0] as Socket))).toBe(
              '',
            );
            expect(backend.getUnixPeerAddress(nodeDescriptor(client))).toBe(path);
          } finally {
            client.destroy();
            await server.close();
          }
        });

        it.runIf(x.abstractSockets)(
          'reads a NUL and the name (as UTF-8) for a peer bound to an abstract name',
          async () => {
            const path = join(temporaryDirectory(), 's.sock');
            const server = await startUnixExchangeServer(path);
            try {
              for (const local of [abstractName('a'), abstractName('é-utf8')]) {
                expect((await connectAndAsk(server, path, local)).seenByServer).toBe(local);
              }
            } finally {
              await server.close();
            }
          },
        );

        it('fails with ENOTCONN from getpeername on a listening Unix socket, which keeps listening', async () => {
          const path = join(temporaryDirectory(), 's.sock');
          const server = createServer((socket) => socket.destroy());
          server.listen(path);
          await once(server, 'listening');
          try {
            expectSystemError(
              () => backend.getUnixPeerAddress(nodeDescriptor(server)),
              backend,
              'ENOTCONN',
              'getpeername',
            );
            const seen = once(server, 'connection');
            connectedUnixSocket(path);
            await seen;
          } finally {
            await new Promise<void>((resolve) => server.close(() => resolve()));
          }
        });

        it(`fails with ${x.closedSocketCode} from getpeername on a closed descriptor`, () => {
          const socket = closedDescriptor();
          expectSystemError(
            () => backend.getUnixPeerAddress(socket),
            backend,
            x.closedSocketCode,
            'getpeername',
          );
        });

        it.each(FAMILIES)(
          'refuses a fresh IPv$family TCP socket with ERR_LOOPFAST_NOT_UNIX_SOCKET, not ENOTCONN; the socket stays open',
          ({ family }) => {
            const socket = freshSocket(family);
            expectNotUnixSocket(() => backend.getUnixPeerAddress(socket));
            if (openList) expect(openList()).toContain(socket);
          },
        );

        it('refuses the descriptor of a connected TCP socket with ERR_LOOPFAST_NOT_UNIX_SOCKET', async () => {
          const server = createServer((socket) => socket.on('error', () => {}));
          server.listen(0, '127.0.0.1');
          await once(server, 'listening');
          const { port } = server.address() as { port: number };
          const client = connect(port, '127.0.0.1');
          client.on('error', () => {});
          try {
            await once(client, 'connect');
            expectNotUnixSocket(() => backend.getUnixPeerAddress(nodeDescriptor(client)));
          } finally {
            client.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
          }
        });
      });
    });

    tcpListenerRows(backend, x, openList);

    describe('closeSocket', () => {
      it.runIf(openList !== null)('closes the descriptor exactly once', () => {
        const list = openList as () => number[];
        const socket = release(freshSocket(4));
        expect(list()).toContain(socket);
        backend.closeSocket(socket);
        expect(list()).not.toContain(socket);
        expectSystemError(() => backend.closeSocket(socket), backend, x.closedSocketCode);
      });

      it('refuses a second close of the same socket', () => {
        const socket = closedDescriptor();
        expectSystemError(() => backend.closeSocket(socket), backend, x.closedSocketCode);
      });
    });

    describe('handoff to node:net', () => {
      it.each(FAMILIES)(
        'an IPv$family socket adopted by Node connects, carries data both ways and is closed by Node alone',
        async ({ family, host }) => {
          const list = openList;
          const before = list ? list().length : 0;
          const server = await startExchangeServer(host);
          const afterServer = list ? list().length : 0;
          try {
            const native = release(backend.createTcpSocket(family));
            const client = adoptClientSocket(x.handoff, native);
            client.connect(server.port, host);
            await once(client, 'connect');
            expect(client.remoteAddress).toBe(host);

            const upload = Buffer.alloc(512 * 1024, family);
            const received: Buffer[] = [];
            client.on('data', (chunk: Buffer) => received.push(chunk));
            client.end(upload);
            const record = server.nextRecord();
            await once(client, 'close');

            expect(sha256(Buffer.concat(received))).toBe(sha256(server.payload));
            expect(await record).toEqual({
              receivedHash: sha256(upload),
              receivedBytes: upload.length,
            });
            if (list) {
              // Node closed the descriptor; nothing else did, and nothing is left open.
              expect(await settleDescriptorCount(list, afterServer)).toBe(afterServer);
            }
          } finally {
            await server.close();
          }
          if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
        },
      );

      it.each(FAMILIES)(
        'an IPv$family socket adopted as a server listens on that socket, accepts, carries data both ways, and server close lets Node alone close it',
        async ({ family, host }) => {
          const list = openList;
          const before = list ? list().length : 0;
          const native = release(backend.createTcpSocket(family));
          const handle = adoptServerHandle(native, host, family);
          const payload = Buffer.alloc(256 * 1024, 0x50 + family);
          const seen: Promise<{ hash: string; bytes: number }>[] = [];
          const server = createServer((accepted: Socket) => {
            const hash = createHash('sha256');
            let bytes = 0;
            accepted.on('data', (chunk: Buffer) => {
              hash.update(chunk);
              bytes += chunk.length;
            });
            seen.push(once(accepted, 'end').then(() => ({ hash: hash.digest('hex'), bytes })));
            accepted.end(payload);
          });
          server.listen(handle);
          await once(server, 'listening');
          const address = server.address();
          if (address === null || typeof address === 'string') throw new Error('no TCP address');
          expect(address.address).toBe(host);
          // Listening is a property of the backend's socket itself: Node listens on that socket.
          expect(backend.getSocketOption(native, C.SOL_SOCKET, x.soAcceptConn)).not.toBe(0);

          // Two clients in turn, each sending its own bytes: accepted sockets work both ways.
          for (const seed of [1, 2]) {
            const upload = Buffer.alloc(384 * 1024 + seed, seed);
            const client = connect(address.port, host);
            const received: Buffer[] = [];
            client.on('data', (chunk: Buffer) => received.push(chunk));
            client.end(upload);
            await once(client, 'close');
            expect(sha256(Buffer.concat(received))).toBe(sha256(payload));
            expect(await seen[seed - 1]).toEqual({ hash: sha256(upload), bytes: upload.length });
          }

          await new Promise<void>((resolve) => server.close(() => resolve()));
          const refused = connect(address.port, host);
          const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
          expect(error.code).toBe('ECONNREFUSED');
          // Node closed the listening socket on server close, and nothing else is left open.
          if (list) expect(await settleDescriptorCount(list, before)).toBe(before);
        },
      );

      it('FIONREAD counts bytes waiting in the kernel on an adopted, paused socket', async () => {
        const server = await startExchangeServer('127.0.0.1', 1000);
        try {
          const native = release(backend.createTcpSocket(4));
          const client = adoptClientSocket(x.handoff, native, true);
          client.connect(server.port, '127.0.0.1');
          await once(client, 'connect');
          const deadline = Date.now() + 5000;
          let waiting = 0;
          while (waiting < 1000 && Date.now() < deadline) {
            waiting = readInt(backend.ioctl(native, C.FIONREAD, null, 4));
            if (waiting < 1000) await new Promise((r) => setTimeout(r, 10));
          }
          expect(waiting).toBe(1000);
          const received: Buffer[] = [];
          client.on('data', (chunk: Buffer) => received.push(chunk));
          client.resume();
          client.end();
          await once(client, 'close');
          expect(Buffer.concat(received)).toEqual(server.payload);
        } finally {
          await server.close();
        }
      });
    });

    describe('bad input', () => {
      it.each(badInputCases(x))(
        '$method($label) throws $type $code',
        ({ method, args, type, code }) => {
          const socket = freshSocket(4);
          const call = () => (backend[method] as (...a: unknown[]) => unknown)(...args(socket));
          const error = thrownBy(call);
          expect(error).toBeInstanceOf(type === 'TypeError' ? TypeError : RangeError);
          expect(error).toHaveProperty('code', code);
        },
      );
    });
  });
}

function describeOutcome(x: PlatformExpectations): string {
  return x.fastPath.outcome === 'applied' ? 'applies' : `fails with ${x.fastPath.code}`;
}

function outcomeOf(call: () => void): string {
  try {
    call();
    return 'applied';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}
