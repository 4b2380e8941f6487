/**
 * How the suites hand a backend's socket to Node: the public `{ fd }` option on POSIX, the
 * `tcp_wrap` binding on Windows (where `{ fd }` is refused). DESIGN.md section 4.
 */
import { Socket, type SocketConstructorOpts } from 'node:net';
import type { NativeSocket } from '@loopfast/core';

interface TcpWrapHandle {
  open(fd: number): number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpWrapHandle;
  constants: { SOCKET: number };
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
  const binding = (process as unknown as { binding(name: string): TcpWrapBinding }).binding(
    'tcp_wrap',
  );
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
