/**
 * A socket's address family, from `getsockname`, and the refusal of a socket that is not a Unix
 * domain socket, for the calls that only mean something on one (peer credentials, the peer's
 * Unix address).
 *
 * @module
 */
import { endianness } from 'node:os';
import type { LoopfastError } from '@loopfast/core';
import { notUnixSocketError } from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure } from './native-errors.js';
import type { PosixLibrary } from './native-library.js';

/** `sizeof(struct sockaddr_storage)` on Linux and macOS: room for any socket address. */
export const SOCKADDR_STORAGE_SIZE = 128;

// Reused for every call: calls are synchronous and each module instance has its own.
const socketAddress = new Uint8Array(SOCKADDR_STORAGE_SIZE);
const socketAddressLength = new Uint32Array(1);

/**
 * The address family of socket `fd`: `getsockname` fails with `EBADF` for a closed descriptor
 * and `ENOTSOCK` for a file.
 * @throws LoopfastSystemError with `syscall` `'getsockname'`.
 */
export function socketFamily(libc: PosixLibrary, platform: 'linux' | 'darwin', fd: number): number {
  socketAddress.fill(0);
  socketAddressLength[0] = SOCKADDR_STORAGE_SIZE;
  if (libc.getsockname(fd, socketAddress, socketAddressLength) === -1) {
    throw posixFailure(libc, 'getsockname');
  }
  return addressFamily(platform, socketAddress);
}

/**
 * `sa_family` of a socket address: a native-endian 16-bit integer at offset 0 on Linux; on
 * macOS the byte at offset 1, after `sa_len`.
 */
function addressFamily(platform: 'linux' | 'darwin', address: Uint8Array): number {
  if (platform === 'darwin') return address[1] ?? 0;
  const view = new DataView(address.buffer, address.byteOffset, 2);
  return view.getUint16(0, endianness() === 'LE');
}

/**
 * `ERR_LOOPFAST_NOT_UNIX_SOCKET` for socket `fd` of address `family`: `feature` says what exists
 * only on Unix domain sockets, `lack` what the peer of this one therefore has not.
 */
export function notUnixSocket(
  platform: 'linux' | 'darwin',
  fd: number,
  family: number,
  feature: string,
  lack: string,
): LoopfastError {
  return notUnixSocketError(fd, family, feature, lack, BACKEND_NAME, platform);
}
