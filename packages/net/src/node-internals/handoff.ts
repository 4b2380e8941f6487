/**
 * Hands a natively made socket to Node through the `tcp_wrap` binding: the route that works on
 * Windows, where `new net.Socket({ fd })` is refused (`ERR_INVALID_FD_TYPE`) and `listen({ fd })`
 * fails with `EINVAL`. `new TCP(constants.SOCKET).open(socket)` (or `constants.SERVER`, then
 * `bind` and `server.listen(handle)`) adopts it instead. It also works on POSIX, which lets the
 * same code be proven on Linux.
 *
 * @module
 */

import { getSystemErrorMap } from 'node:util';
import { LoopfastError, type NativeSocket } from '@loopfast/core';
import { HANDOFF_UNAVAILABLE } from '../codes.js';

/** The methods of a `tcp_wrap` TCP handle that loopfast uses. */
export interface TcpHandle {
  open(fd: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  close(callback?: () => void): void;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  constants: { SOCKET: number; SERVER: number; UV_TCP_IPV6ONLY: number };
}

let binding: TcpWrapBinding | LoopfastError | undefined;

/**
 * The `tcp_wrap` binding, or the error that keeps it out of reach (`process.binding` throws
 * `ERR_ACCESS_DENIED` under the permission model). The answer is kept for the process.
 */
export function tcpWrap(): TcpWrapBinding | LoopfastError {
  if (binding) return binding;
  try {
    const processWithBinding = process as unknown as { binding(name: string): TcpWrapBinding };
    binding = processWithBinding.binding('tcp_wrap');
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? 'unknown';
    binding = new LoopfastError(
      HANDOFF_UNAVAILABLE,
      `process.binding('tcp_wrap') is unavailable (${code}${code === 'ERR_ACCESS_DENIED' ? ': the permission model is on' : ''}); the native socket cannot be handed to Node`,
      { cause },
    );
  }
  return binding;
}

/** A libuv status as a Node-style system error: `code`, `errno`, `syscall`, and the address. */
export function uvError(
  status: number,
  syscall: string,
  address?: string,
  port?: number,
): NodeJS.ErrnoException {
  const [code, description] = getSystemErrorMap().get(status) ?? ['UNKNOWN', 'unknown error'];
  const where = address === undefined ? '' : ` ${address}${port === undefined ? '' : `:${port}`}`;
  const error = new Error(`${syscall} ${code}: ${description}${where}`) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  Object.assign(error, { code, errno: status, syscall });
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}

function available(): TcpWrapBinding {
  const wrap = tcpWrap();
  if (wrap instanceof Error) throw wrap;
  return wrap;
}

/** A fresh client handle with no socket yet; libuv makes one at `connect` unless one is opened. */
export function emptyClientHandle(): TcpHandle {
  const { TCP, constants } = available();
  return new TCP(constants.SOCKET);
}

/**
 * Puts an unconnected native socket into a client handle. From then on the handle owns the
 * socket and closes it; if this throws, the caller still owns `socket` and must close it.
 */
export function openClientHandle(handle: TcpHandle, socket: NativeSocket): void {
  const status = handle.open(socket);
  if (status !== 0) throw uvError(status, 'open');
}

/**
 * Wraps a native socket in a server handle and binds it; `listen` is left to `net.Server`. The
 * socket is this function's to hand over: where it cannot be opened into a handle (the binding
 * out of reach, a failed `open`), it closes it with `closeSocket`; once `open` succeeds the handle
 * owns it, so a bind failure closes the handle and the socket with it. Either way the caller owns
 * nothing after a throw.
 */
export function adoptServerHandle(
  socket: NativeSocket,
  closeSocket: (socket: NativeSocket) => void,
  address: string,
  port: number,
  family: 4 | 6,
  ipv6Only: boolean,
): TcpHandle {
  let handle: TcpHandle;
  let wrap: TcpWrapBinding;
  try {
    wrap = available();
    handle = new wrap.TCP(wrap.constants.SERVER);
    const opened = handle.open(socket);
    if (opened !== 0) {
      handle.close();
      throw uvError(opened, 'open');
    }
  } catch (error) {
    closeSocket(socket);
    throw error;
  }
  const { constants } = wrap;
  const bound =
    family === 6
      ? handle.bind6(address, port, ipv6Only ? constants.UV_TCP_IPV6ONLY : 0)
      : handle.bind(address, port);
  if (bound !== 0) {
    handle.close();
    throw uvError(bound, 'listen', address, port);
  }
  return handle;
}
