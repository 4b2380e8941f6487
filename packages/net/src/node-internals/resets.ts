/**
 * `resetAndDestroy()` over the rendezvous. A Unix socket has no reset, but Linux gives the peer
 * of a Unix stream socket `ECONNRESET` (on its next read, after what it had not read yet) when
 * the socket closes with unread data in its receive queue; a plain close gives it a clean end,
 * and `SO_LINGER` with a zero timeout changes nothing. So a reset closes the socket with its
 * receive queue holding data:
 * - what the peer sent and this side has not read makes it so already (any process);
 * - a peer in this process (the abstract place pairs a client with the connection its server
 *   accepted, by the client's bound name) writes one byte into it first, through its own
 *   descriptor; nobody ever reads that byte, since the socket it goes to closes at once.
 *
 * A peer in another process with nothing unread sees a clean end, as it would after `destroy()`:
 * nothing in this process can put data in this socket's receive queue.
 *
 * Writing to a peer that has closed fails at once on a Unix socket (`EPIPE`). TCP takes the
 * first such write as far as its send buffer holds it (the data is lost, the peer answers with a
 * reset; the rest of a larger write fails) and fails the later ones with `EPIPE`, or with
 * `ECONNRESET` where the peer's close was a reset; the rendezvous's handles report writes so.
 *
 * @module
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { type Backend, socketConstants } from '@loopfast/core';

/** Where a handle keeps the handle at the other end of its connection, when that is in this process. */
const kPeer = Symbol('loopfast.peer');

/** Set on a handle whose peer in this process reset the connection. */
const kResetByPeer = Symbol('loopfast.resetByPeer');

/** What a reset reads of a `pipe_wrap` handle: its descriptor, `-1` once closed. */
interface PairedHandle {
  readonly fd?: number;
  close(...args: unknown[]): unknown;
  [kPeer]?: PairedHandle;
  [kResetByPeer]?: boolean;
  [kWaitingAs]?: string;
}

type Resettable = Socket & {
  _handle: PairedHandle | null;
  resetAndDestroy(this: Resettable): Resettable;
};

/** Clients of this process by their bound name, until their server accepts them here or they close. */
const waiting = new Map<string, PairedHandle>();

const ONE_BYTE = Buffer.alloc(1);

/** Where a client's handle keeps the name it waits under in {@link waiting}. */
const kWaitingAs = Symbol('loopfast.waitingAs');

/**
 * Remembers the handle of a client this process connected over the rendezvous, bound to `name`,
 * so that a server of this process that accepts it can pair with it. The handle is TCP-like
 * (`tcp-emulation.ts`): its `close` ({@link closeUnpairing}) forgets it.
 */
export function awaitPeer(name: string, handle: object | null): void {
  if (handle === null) return;
  const client = handle as PairedHandle;
  waiting.set(name, client);
  client[kWaitingAs] = name;
}

/** The `close` of TCP-like handles: a client still waiting for its server is forgotten first. */
export function closeUnpairing(base: Record<string, unknown>): PropertyDescriptorMap {
  const close = base.close as (this: PairedHandle, ...args: unknown[]) => unknown;
  return {
    close: {
      value: function closeUnpaired(this: PairedHandle, ...args: unknown[]) {
        const name = this[kWaitingAs];
        if (name !== undefined && waiting.get(name) === this) waiting.delete(name);
        return close.apply(this, args);
      },
      writable: true,
      configurable: true,
    },
  };
}

/**
 * Pairs a connection a rendezvous listener accepted with its client, when the client is in this
 * process; `peerName` says whom the accepted handle is connected to (asked only when some client
 * of this process waits, as it costs a system call).
 */
export function pairAccepted<Handle extends object>(
  handle: Handle | null,
  peerName: (handle: Handle) => string | null,
): void {
  if (handle === null || waiting.size === 0) return;
  const name = peerName(handle);
  const client = name === null ? undefined : waiting.get(name);
  if (client === undefined) return;
  waiting.delete(name as string);
  (handle as PairedHandle)[kPeer] = client;
  client[kPeer] = handle as PairedHandle;
}

/** Closes `socket` as a reset: its receive queue holds data first wherever this process can see to it. */
function reset(socket: Resettable): void {
  const peer = socket._handle?.[kPeer];
  const fd = peer?.fd;
  if (peer !== undefined && typeof fd === 'number' && fd >= 0) {
    peer[kResetByPeer] = true;
    try {
      writeSync(fd, ONE_BYTE);
    } catch {
      // The peer's send buffer is full (so this side has unread data already) or it shut down
      // its writing: the close is the reset the kernel makes of it.
    }
  }
  socket.destroy();
}

/**
 * Whether the peer of `socket` (in this process) reset the connection: before `'connect'`, TCP
 * then reports the connect as failed with `ECONNRESET`.
 */
export function resetByPeer(socket: Socket): boolean {
  return (socket as Resettable)._handle?.[kResetByPeer] === true;
}

const nodeResetAndDestroy = Socket.prototype.resetAndDestroy as (this: Socket) => Socket;

/** As Node's: after the connect when still connecting, and Node's own error once closed. */
function resetOverRendezvous(this: Resettable): Resettable {
  if (this._handle === null) return nodeResetAndDestroy.call(this) as Resettable;
  if (this.connecting) this.once('connect', () => reset(this));
  else reset(this);
  return this;
}

/**
 * Gives `socket`, connected over the rendezvous, a `resetAndDestroy()` (Node's refuses anything
 * but a TCP handle) that gives the peer what Linux can of a reset.
 */
export function emulateReset(socket: Socket): void {
  (socket as Resettable).resetAndDestroy = resetOverRendezvous;
}

const UV_EPIPE = -constants.errno.EPIPE;
const UV_ECONNRESET = -constants.errno.ECONNRESET;

/**
 * The write methods of a `pipe_wrap` handle, each returning a libuv status, with the encoding of
 * the string it takes (`null`: buffers).
 */
const WRITES = {
  writeBuffer: null,
  writev: null,
  writeUtf8String: 'utf8',
  writeLatin1String: 'latin1',
  writeAsciiString: 'ascii',
  writeUcs2String: 'ucs2',
} as const satisfies Record<string, BufferEncoding | null>;

type Write = (this: WritingHandle, req: unknown, data: unknown, extra: unknown) => number;

/** Set once a handle has accepted, as TCP does, the first write to a peer that has closed. */
const kAcceptedOnce = Symbol('loopfast.acceptedOnce');

interface WritingHandle {
  readonly fd?: number;
  [kAcceptedOnce]?: boolean;
}

/** The bytes a write method was given: buffers, `writev`'s list, or a string in `encoding`. */
function bytesOf(data: unknown, extra: unknown, encoding: BufferEncoding | null): number {
  if (encoding !== null) return Buffer.byteLength(String(data), encoding);
  if (!Array.isArray(data)) return ArrayBuffer.isView(data) ? data.byteLength : 0;
  // `writev`: all buffers, or each chunk followed by its encoding.
  const step = extra === true ? 1 : 2;
  let total = 0;
  for (let i = 0; i < data.length; i += step) {
    const chunk: unknown = data[i];
    total += ArrayBuffer.isView(chunk)
      ? chunk.byteLength
      : Buffer.byteLength(String(chunk), data[i + 1] as BufferEncoding);
  }
  return total;
}

/**
 * What a TCP socket reports for a write of `bytes` that failed with `EPIPE` on `handle`: a reset
 * pending on the socket as `ECONNRESET`; the first write to a peer that closed as accepted, if it
 * fits the send buffer (TCP takes that much and loses it; the rest of a larger write fails).
 */
function epipeAsTcp(handle: WritingHandle, backend: Backend, bytes: () => number): number {
  const fd = handle.fd;
  if (typeof fd !== 'number' || fd < 0) return UV_EPIPE;
  const { SOL_SOCKET, SO_ERROR, SO_SNDBUF } = socketConstants();
  try {
    if (backend.getSocketOption(fd, SOL_SOCKET, SO_ERROR) === constants.errno.ECONNRESET) {
      return UV_ECONNRESET;
    }
    if (handle[kAcceptedOnce]) return UV_EPIPE;
    handle[kAcceptedOnce] = true;
    return bytes() <= backend.getSocketOption(fd, SOL_SOCKET, SO_SNDBUF) ? 0 : UV_EPIPE;
  } catch {
    // Unreadable: the write's own error stands.
    return UV_EPIPE;
  }
}

/**
 * The write methods of TCP-like handles (`tcp-emulation.ts`) over `base`'s: a write to a peer
 * that has closed is reported as a TCP socket reports it (see {@link epipeAsTcp}), `backend`
 * asking the kernel.
 */
export function writesLikeTcp(
  base: Record<string, unknown>,
  backend: Backend,
): PropertyDescriptorMap {
  const methods: PropertyDescriptorMap = {};
  for (const [name, encoding] of Object.entries(WRITES)) {
    const write = base[name] as Write | undefined;
    if (typeof write !== 'function') continue;
    const value: Write = function writeLikeTcp(req, data, extra) {
      const status = write.call(this, req, data, extra);
      if (status !== UV_EPIPE) return status;
      return epipeAsTcp(this, backend, () => bytesOf(data, extra, encoding));
    };
    methods[name] = { value, writable: true, configurable: true };
  }
  return methods;
}
