/**
 * Connecting a Unix domain stream socket to a socket file or (Linux) an abstract name without
 * blocking, bound first to a local address when one is given: the client half of the POSIX
 * shortcut. The socket is made non-blocking and close-on-exec, so Node can adopt it
 * with `new net.Socket({ fd })`. Windows has no such route in loopfast.
 *
 * @module
 */
import { constants, endianness } from 'node:os';
import {
  type ConnectedUnixSocket,
  LoopfastError,
  LoopfastErrorCode,
  type NativeSocket,
  socketConstants,
} from '@loopfast/core';
import { sunPathSize, systemErrorFromErrno, validateUnixSocketPath } from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure } from './native-errors.js';
import { type PosixLibrary, posix, supportedPlatform } from './native-library.js';
import { credentialsOf } from './peer-credentials.js';
import { openAdoptableStreamSocket } from './socket-create.js';

/**
 * `offsetof(struct sockaddr_un, sun_path)`: a 16-bit `sun_family` on Linux; one `sun_len` byte
 * and one `sun_family` byte on macOS. Two bytes either way.
 */
export const SUN_PATH_OFFSET = 2;

/**
 * Connects a new Unix domain stream socket to `path` (a socket file, or on Linux an abstract
 * name), bound first to `localAddress` when given, and returns it; the caller owns it. See
 * {@link Backend.connectUnixSocket}.
 * @throws LoopfastSystemError with `syscall` `'connect'` (`ENOENT`, `ECONNREFUSED`, `EAGAIN`, ...)
 * or `'bind'` (`EADDRINUSE`, ...) after closing the socket, or `'socket'`/`'fcntl'` when it could
 * not be made.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
 */
export function connectUnixSocket(path: string, localAddress?: string): NativeSocket {
  return connectUnix(path, localAddress).fd;
}

/**
 * {@link connectUnixSocket}, and the peer's credentials read on the socket this module made (no
 * check of its family first). See {@link Backend.connectUnixSocketWithPeer}.
 */
export function connectUnixSocketWithPeer(
  path: string,
  localAddress?: string,
): ConnectedUnixSocket {
  const { fd, libc, platform } = connectUnix(path, localAddress);
  try {
    return { socket: fd, peer: credentialsOf(libc, platform, fd) };
  } catch (error) {
    libc.close(fd);
    throw error;
  }
}

function connectUnix(
  path: string,
  localAddress: string | undefined,
): { fd: NativeSocket; libc: PosixLibrary; platform: 'linux' | 'darwin' } {
  const pathBytes = validateUnixSocketPath(path, process.platform);
  const localBytes =
    localAddress === undefined
      ? null
      : validateUnixSocketPath(localAddress, process.platform, 'localAddress');
  const platform = supportedPlatform();
  if (platform === 'win32') {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `Unix domain socket connections are a POSIX route of loopfast; on Windows the fast path is SIO_LOOPBACK_FAST_PATH [${BACKEND_NAME} backend]`,
    );
  }
  const libc = posix(platform);
  const { AF_UNIX } = socketConstants(platform);
  const address = unixAddress(platform, AF_UNIX, pathBytes);
  const local = localBytes === null ? null : unixAddress(platform, AF_UNIX, localBytes);
  const fd = openAdoptableStreamSocket(libc, platform, AF_UNIX, 0);
  if (local !== null && libc.bind(fd, local, local.length) === -1) {
    const error = posixFailure(libc, 'bind');
    libc.close(fd);
    throw error;
  }
  const errno = connectRetryingOnInterrupt(libc, fd, address);
  if (errno !== 0) {
    // This module made the socket, so it is the one that closes it when the connection fails.
    libc.close(fd);
    throw systemErrorFromErrno(platform, errno, 'connect', BACKEND_NAME);
  }
  return { fd, libc, platform };
}

/**
 * A `struct sockaddr_un` for `pathBytes` (from {@link validateUnixSocketPath}, so they fit
 * `sun_path`: a path's bytes and their NUL, or an abstract name's bytes), cut to the length
 * `connect` and `bind` are given: the offset of `sun_path` plus those bytes.
 */
function unixAddress(platform: 'linux' | 'darwin', family: number, pathBytes: Buffer): Buffer {
  const address = Buffer.alloc(SUN_PATH_OFFSET + sunPathSize(platform));
  const length = SUN_PATH_OFFSET + pathBytes.length;
  if (platform === 'linux') {
    // sa_family_t is a native-endian unsigned 16-bit integer.
    if (endianness() === 'LE') address.writeUInt16LE(family, 0);
    else address.writeUInt16BE(family, 0);
  } else {
    address[0] = length; // sun_len: the BSD socket address carries its own length.
    address[1] = family;
  }
  pathBytes.copy(address, SUN_PATH_OFFSET);
  return address.subarray(0, length);
}

/**
 * `connect()`, again if a signal interrupted it. Returns 0 once connected, else the `errno` of
 * the failure, read right after the failing call. A non-blocking Unix-domain connect does not
 * sleep, so an interruption is not expected; should one happen, the kernel may have finished the
 * connection meanwhile, and the retry then reports `EISCONN`, which means connected.
 */
function connectRetryingOnInterrupt(libc: PosixLibrary, fd: number, address: Buffer): number {
  let interrupted = false;
  for (;;) {
    if (libc.connect(fd, address, address.length) === 0) return 0;
    const errno = libc.errno();
    if (errno === constants.errno.EINTR) {
      interrupted = true;
      continue;
    }
    if (interrupted && errno === constants.errno.EISCONN) return 0;
    return errno;
  }
}
