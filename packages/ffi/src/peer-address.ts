/**
 * The address the peer of a connected Unix domain socket is bound to (`getpeername`). Windows
 * has no such route in loopfast. A socket of another family is refused: its peer has an IP
 * address, which Node reports already.
 *
 * @module
 */
import {
  LoopfastError,
  LoopfastErrorCode,
  type LoopfastSystemError,
  type NativeSocket,
  socketConstants,
} from '@loopfast/core';
import { unixAddressFromSunPath, validateSocketDescriptor } from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure } from './native-errors.js';
import { posix, supportedPlatform } from './native-library.js';
import { notUnixSocket, SOCKADDR_STORAGE_SIZE, socketFamily } from './socket-family.js';
import { SUN_PATH_OFFSET } from './unix-connect.js';

// Reused for every call: calls are synchronous and each module instance has its own.
const peerAddress = new Uint8Array(SOCKADDR_STORAGE_SIZE);
const peerAddressLength = new Uint32Array(1);

/**
 * `''` for an unbound peer, `'\0'` and the name for an abstract address, else the path; names
 * and paths are read as UTF-8. See {@link Backend.getUnixPeerAddress}.
 * @throws LoopfastSystemError with `syscall` `'getpeername'` (`ENOTCONN`, `EBADF`, `ENOTSOCK`).
 * @throws LoopfastError `ERR_LOOPFAST_NOT_UNIX_SOCKET` for a socket of another family.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
 */
export function getUnixPeerAddress(socket: NativeSocket): string {
  validateSocketDescriptor(socket);
  const platform = supportedPlatform();
  if (platform === 'win32') {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `Unix peer addresses are a POSIX feature; Windows has no Unix domain route in loopfast [${BACKEND_NAME} backend]`,
    );
  }
  const libc = posix(platform);
  peerAddress.fill(0);
  peerAddressLength[0] = SOCKADDR_STORAGE_SIZE;
  let failure: LoopfastSystemError | null = null;
  if (libc.getpeername(socket, peerAddress, peerAddressLength) === -1) {
    failure = posixFailure(libc, 'getpeername');
  }
  // The family comes from the socket's own address: an unconnected TCP socket is refused as
  // not a Unix socket rather than as not connected. Should that lookup fail too (a closed
  // descriptor, a file), the getpeername error is the one reported.
  let family: number;
  try {
    family = socketFamily(libc, platform, socket);
  } catch (error) {
    throw failure ?? error;
  }
  if (family !== socketConstants(platform).AF_UNIX) {
    throw notUnixSocket(platform, socket, family, 'Unix peer addresses', 'no Unix address');
  }
  if (failure !== null) throw failure;
  const length = Math.min(peerAddressLength[0] ?? 0, SOCKADDR_STORAGE_SIZE);
  return unixAddressFromSunPath(peerAddress.subarray(SUN_PATH_OFFSET, length), platform);
}
