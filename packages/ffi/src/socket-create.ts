/**
 * Making a socket the way Node's event loop adopts one: non-blocking and close-on-exec on POSIX,
 * overlapped and not inheritable on Windows.
 *
 * @module
 */
import { type IpFamily, type NativeSocket, socketConstants } from '@loopfast/core';
import { outOfRangeError, validateFamily } from '@loopfast/core/internal';
import { posixFailure, winsockFailure } from './native-errors.js';
import type { PosixLibrary } from './native-library.js';
import { posix, supportedPlatform, windows } from './native-library.js';

/** Linux `SOCK_NONBLOCK` (`O_NONBLOCK`, octal 04000, on every architecture koffi runs on). */
const LINUX_SOCK_NONBLOCK = 0o4000;
/** Linux `SOCK_CLOEXEC` (`O_CLOEXEC`, octal 02000000, on every architecture koffi runs on). */
const LINUX_SOCK_CLOEXEC = 0o2000000;

/** macOS `fcntl` commands and flags (`sys/fcntl.h`). */
const DARWIN_F_SETFD = 2;
const DARWIN_F_GETFL = 3;
const DARWIN_F_SETFL = 4;
const DARWIN_FD_CLOEXEC = 1;
const DARWIN_O_NONBLOCK = 0x0004;

/** `WSA_FLAG_OVERLAPPED`: the socket can do overlapped I/O, as libuv's IOCP loop needs. */
const WSA_FLAG_OVERLAPPED = 0x01;
/** `WSA_FLAG_NO_HANDLE_INHERIT`: child processes do not inherit the socket. */
const WSA_FLAG_NO_HANDLE_INHERIT = 0x80;

/** The largest socket value the rest of the API (and libuv's `open()`) accepts. */
const INT32_MAX = 0x7fff_ffff;

/**
 * Creates a non-blocking, close-on-exec (POSIX) or overlapped, non-inheritable (Windows) TCP
 * socket of the given family. See {@link Backend.createTcpSocket}.
 */
export function createTcpSocket(family: IpFamily): NativeSocket {
  validateFamily(family);
  const platform = supportedPlatform();
  const { AF_INET, AF_INET6, SOCK_STREAM, IPPROTO_TCP } = socketConstants(platform);
  const af = family === 4 ? AF_INET : AF_INET6;

  if (platform === 'win32') {
    const winsock = windows();
    const socket = winsock.WSASocketW(
      af,
      SOCK_STREAM,
      IPPROTO_TCP,
      null,
      0,
      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
    );
    if (BigInt(socket) === winsock.invalidSocket) throw winsockFailure(winsock, 'WSASocketW');
    const value = Number(socket);
    if (value > INT32_MAX) {
      // Never seen in practice (SOCKETs are small handle values), but a SOCKET the rest of the
      // API would refuse must not leak.
      winsock.closesocket(value);
      throw outOfRangeError('socket', `<= ${INT32_MAX} (a SOCKET libuv can adopt)`, socket);
    }
    return value;
  }

  return openAdoptableStreamSocket(posix(platform), platform, af, IPPROTO_TCP);
}

/**
 * A POSIX stream socket of address family `af`, non-blocking and close-on-exec, as libuv adopts
 * one: both flags in the `socket()` call on Linux, `fcntl` afterwards on macOS. The TCP sockets
 * and the Unix-domain connection (unix-connect.ts) are made here, so both get the same flags.
 * @throws LoopfastSystemError (`socket` or `fcntl`); nothing is left open then.
 */
export function openAdoptableStreamSocket(
  libc: PosixLibrary,
  platform: 'linux' | 'darwin',
  af: number,
  protocol: number,
): number {
  const { SOCK_STREAM } = socketConstants(platform);
  if (platform === 'linux') {
    const fd = libc.socket(af, SOCK_STREAM | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC, protocol);
    if (fd === -1) throw posixFailure(libc, 'socket');
    return fd;
  }

  const fd = libc.socket(af, SOCK_STREAM, protocol);
  if (fd === -1) throw posixFailure(libc, 'socket');
  makeNonBlockingCloseOnExec(libc, fd);
  return fd;
}

/** macOS has no `SOCK_NONBLOCK`/`SOCK_CLOEXEC`: set both with `fcntl`, closing `fd` on failure. */
function makeNonBlockingCloseOnExec(libc: PosixLibrary, fd: number): void {
  const fcntl = libc.fcntl;
  if (fcntl === null) throw new Error('internal error: fcntl is not declared on this platform');
  let ok = fcntl(fd, DARWIN_F_SETFD, 'int', DARWIN_FD_CLOEXEC) !== -1;
  if (ok) {
    const flags = fcntl(fd, DARWIN_F_GETFL);
    ok = flags !== -1 && fcntl(fd, DARWIN_F_SETFL, 'int', flags | DARWIN_O_NONBLOCK) !== -1;
  }
  if (!ok) {
    const error = posixFailure(libc, 'fcntl');
    libc.close(fd);
    throw error;
  }
}
