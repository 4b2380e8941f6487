/**
 * How the suites hand a backend's socket to Node: for clients the public `{ fd }` option on
 * POSIX, the `tcp_wrap` binding on Windows (where `{ fd }` is refused); for servers `tcp_wrap`
 * everywhere. `listen({ fd })` does not bind an adopted socket and is refused on Windows, while a
 * `tcp_wrap` server handle has `bind`; after either handoff libuv owns the descriptor and closes
 * it, so the native side never closes it again.
 */
import { Socket, type SocketConstructorOpts } from 'node:net';
import type { NativeSocket } from '@loopfast/core';

interface TcpWrapHandle {
  open(fd: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  close(): void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpWrapHandle;
  constants: { SOCKET: number; SERVER: number };
}

function tcpWrap(): TcpWrapBinding {
  return (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');
}

/**
 * Wraps an unconnected native TCP socket in a `net.Socket` without starting a read on it (which
 * would fail with ENOTCONN and destroy the socket). With `paused`, reading also stays off after
 * the connection is made, so received bytes wait in the kernel.
 */
export function adoptClientSocket(
  handoff: 'fd' | 'tcp_wrap',
  socket: NativeSocket,
  paused = false,
): Socket {
  const start = paused ? { pauseOnCreate: true } : { manualStart: true };
  if (handoff === 'fd') return new Socket({ fd: socket, readable: true, writable: true, ...start });
  const binding = tcpWrap();
  const handle = new binding.TCP(binding.constants.SOCKET);
  const status = handle.open(socket);
  if (status !== 0) throw new Error(`tcp_wrap open(${socket}) failed with status ${status}`);
  // `handle` is accepted by the constructor but missing from its public typings.
  const options = {
    handle,
    readable: true,
    writable: true,
    ...start,
  } as unknown as SocketConstructorOpts;
  return new Socket(options);
}

/**
 * Wraps an unbound native TCP socket in a `tcp_wrap` server handle and binds it to `host`, port 0;
 * `server.listen(handle)` then listens on that very socket. The one route on every platform:
 * Windows refuses `{ fd }`, and on POSIX Node would not bind a socket adopted through `{ fd }`.
 * Once `open` succeeds the handle owns the socket; on a failed bind it is closed here.
 */
export function adoptServerHandle(socket: NativeSocket, host: string, family: 4 | 6): object {
  const binding = tcpWrap();
  const handle = new binding.TCP(binding.constants.SERVER);
  const opened = handle.open(socket);
  if (opened !== 0) throw new Error(`tcp_wrap open(${socket}) failed with status ${opened}`);
  const bound = family === 6 ? handle.bind6(host, 0, 0) : handle.bind(host, 0);
  if (bound !== 0) {
    handle.close();
    throw new Error(`tcp_wrap bind(${host}) failed with status ${bound}`);
  }
  return handle;
}
