/**
 * Puts a connected Unix-socket descriptor into a `pipe_wrap` handle, the kind Node gives its own
 * Unix sockets. `new net.Socket({ fd })` makes the same handle, but first asks the kernel what the
 * descriptor is (four system calls on every connection); the rendezvous made the descriptor and
 * knows.
 *
 * @module
 */
import { Socket } from 'node:net';
import type { NativeSocket } from '@loopfast/core';
import { uvError } from './handoff.js';

/** The methods of a `pipe_wrap` handle that loopfast uses. */
export interface PipeHandle {
  /** The descriptor it holds (Linux and macOS), `-1` once closed. */
  readonly fd?: number;
  open(fd: number): number;
  close(): void;
}

/** The methods of a listening `pipe_wrap` handle that loopfast uses. */
export interface ListeningPipeHandle {
  bind(name: string): number;
  listen(backlog: number): number;
  close(): void;
  onconnection?: unknown;
}

interface PipeWrapBinding {
  Pipe: new (type: number) => PipeHandle & ListeningPipeHandle;
  constants: { SOCKET: number; SERVER: number };
}

let binding: PipeWrapBinding | null | undefined;

/**
 * Whether Node was asked to warn of pending deprecations, among them every `process.binding`
 * call: loopfast's own shortcut must not add a warning `net` would not give.
 */
function pendingDeprecationAsked(): boolean {
  const flag = '--pending-deprecation';
  return (
    process.execArgv.includes(flag) ||
    (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(flag) ||
    process.env.NODE_PENDING_DEPRECATION === '1'
  );
}

/** The `pipe_wrap` binding, or `null` where it is out of reach (the permission model) or would warn. */
function pipeWrap(): PipeWrapBinding | null {
  if (binding === undefined) {
    binding = null;
    if (!pendingDeprecationAsked()) {
      try {
        const withBinding = process as unknown as { binding(name: string): PipeWrapBinding };
        binding = withBinding.binding('pipe_wrap');
      } catch {
        // `new net.Socket({ fd })` makes the same handle, a little more slowly.
      }
    }
  }
  return binding;
}

/**
 * A handle holding the connected Unix socket `fd`, for `new net.Socket({ handle })`; `null` when
 * the binding is out of reach, and the socket is to be made with `{ fd }` instead. Once this
 * returns a handle, the handle owns `fd`; if it throws, the caller still does.
 */
function connectedPipeHandle(fd: NativeSocket): PipeHandle | null {
  const wrap = pipeWrap();
  if (wrap === null) return null;
  const handle = new wrap.Pipe(wrap.constants.SOCKET);
  const status = handle.open(fd);
  if (status !== 0) {
    handle.close();
    throw uvError(status, 'open');
  }
  return handle;
}

/** `net.Socket`'s own method that swaps a socket's handle (Node's `autoSelectFamily` uses it). */
const kReinitializeHandle = Object.getOwnPropertySymbols(Socket.prototype).find(
  (symbol) => symbol.description === 'kReinitializeHandle',
);

/**
 * Puts `handle` into `socket` in place of the handle it has (closed), as Node does when it moves
 * a connect to its next address. Returns false, changing nothing, where Node has no such method.
 *
 * Node's method also resets the socket's stream state (`_undestroy()`), which would forget an
 * `end()` the caller made before the lookup answered: the peer would never see the end. The
 * socket is still connecting, never destroyed, so there is nothing to reset; its state is kept.
 */
export function replaceHandle(socket: Socket, handle: PipeHandle): boolean {
  if (kReinitializeHandle === undefined) return false;
  const reinitialize = (socket as unknown as Record<symbol, unknown>)[kReinitializeHandle];
  if (typeof reinitialize !== 'function') return false;
  const own = socket as unknown as { _undestroy: () => void } & Record<symbol, unknown>;
  own._undestroy = keepState;
  // With `onread: { buffer: () => ... }` Node asks for a buffer as it sets a handle up; the one it
  // got for the handle being replaced, which never read, serves the new one: the caller's
  // `buffer()` runs as often as over TCP.
  const generator = bufferGeneratorKey(socket);
  const generate = generator === undefined ? null : own[generator];
  if (generator !== undefined) own[generator] = null;
  try {
    reinitialize.call(socket, handle);
  } finally {
    delete (own as { _undestroy?: unknown })._undestroy;
    if (generator !== undefined) own[generator] = generate;
  }
  return true;
}

/**
 * Node's keys for a socket's `onread.buffer` function and the buffer it gave (its own symbols,
 * with no other name), read once from a socket made with such an `onread`: every socket uses the
 * same two.
 */
let onreadKeys: { readonly generator: symbol; readonly buffer: symbol } | null | undefined;

function bufferKeys(): { readonly generator: symbol; readonly buffer: symbol } | null {
  if (onreadKeys === undefined) {
    const probe = new Socket({
      onread: { buffer: () => new Uint8Array(1), callback: () => true },
    } as ConstructorParameters<typeof Socket>[0]);
    const symbols = Object.getOwnPropertySymbols(probe);
    const generator = symbols.find((key) => key.description === 'kBufferGen');
    const buffer = symbols.find((key) => key.description === 'kBuffer');
    onreadKeys = generator && buffer ? { generator, buffer } : null;
  }
  return onreadKeys;
}

/** The key of a socket's `onread.buffer` function, when it has one and the buffer it gave. */
function bufferGeneratorKey(socket: Socket): symbol | undefined {
  const keys = bufferKeys();
  if (keys === null) return undefined;
  const own = socket as unknown as Record<symbol, unknown>;
  return typeof own[keys.generator] === 'function' && own[keys.buffer] instanceof Uint8Array
    ? keys.generator
    : undefined;
}

/** Stands in for `_undestroy()` while a connecting socket changes handles. */
function keepState(): void {}

type Carrier = Socket & { _handle: PipeHandle | null };

/**
 * A handle holding the connected Unix socket `fd`, for a socket to take with {@link replaceHandle}:
 * made directly where the binding is at hand, else by `new net.Socket({ fd })`, whose handle is
 * taken from it before it reads anything. Once this returns, the handle owns `fd`; if it throws,
 * the caller still does.
 */
export function adoptablePipeHandle(fd: NativeSocket): PipeHandle {
  const handle = connectedPipeHandle(fd);
  if (handle !== null) return handle;
  // manualStart (Node's own option): no read before the handle is taken.
  const adoption = { fd, readable: true, writable: true, manualStart: true };
  const carrier = new Socket(adoption) as Carrier;
  const taken = carrier._handle as PipeHandle;
  carrier._handle = null;
  return taken;
}

/**
 * A Unix listener bound to `name` and listening, as Node's `listen({ path })` makes one; `null`
 * where the binding is out of reach. Throws what binding or listening failed with (EADDRINUSE,
 * ...), as Node reports it.
 */
export function listeningPipeHandle(name: string): ListeningPipeHandle | null {
  const wrap = pipeWrap();
  if (wrap === null) return null;
  const handle = new wrap.Pipe(wrap.constants.SERVER);
  let status = handle.bind(name);
  // The backlog Node's `listen` asks for.
  if (status === 0) status = handle.listen(511);
  if (status !== 0) {
    handle.close();
    throw uvError(status, 'listen', name);
  }
  return handle;
}
