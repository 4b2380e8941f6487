/**
 * The credentials of the peer on a connected Unix domain socket: Linux `SO_PEERCRED`, macOS
 * `getpeereid` plus `LOCAL_PEERPID`. Windows has no such thing for sockets. A socket of another
 * family is refused first: the kernel would answer for a TCP socket too, with placeholders
 * (pid 0, uid and gid 4294967295 on Linux) that must never pass for a peer's identity.
 *
 * @module
 */
import { endianness } from 'node:os';
import {
  LoopfastError,
  LoopfastErrorCode,
  type NativeSocket,
  type PeerCredentials,
  socketConstants,
} from '@loopfast/core';
import { validateSocketDescriptor } from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure } from './native-errors.js';
import { type PosixLibrary, posix, supportedPlatform } from './native-library.js';

/** Linux `SO_PEERCRED` (`asm-generic/socket.h`). */
const LINUX_SO_PEERCRED = 17;
/** macOS `SOL_LOCAL` (`sys/un.h`). */
const DARWIN_SOL_LOCAL = 0;
/** macOS `LOCAL_PEERPID` (`sys/un.h`). */
const DARWIN_LOCAL_PEERPID = 2;

/** `sizeof(struct sockaddr_storage)` on Linux and macOS: room for any socket address. */
const SOCKADDR_STORAGE_SIZE = 128;

// Reused for every call: calls are synchronous and each module instance has its own.
const socketAddress = new Uint8Array(SOCKADDR_STORAGE_SIZE);
const socketAddressLength = new Uint32Array(1);

/**
 * The peer's pid, uid and gid. See {@link Backend.getPeerCredentials}.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
 */
export function getPeerCredentials(socket: NativeSocket): PeerCredentials {
  validateSocketDescriptor(socket);
  const platform = supportedPlatform();
  if (platform === 'win32') {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `peer credentials are a POSIX feature (Linux SO_PEERCRED, macOS getpeereid); Windows sockets have none [${BACKEND_NAME} backend]`,
    );
  }
  const libc = posix(platform);
  assertUnixSocket(libc, platform, socket);
  return platform === 'linux' ? linuxCredentials(libc, socket) : darwinCredentials(libc, socket);
}

/**
 * Throws unless `fd` is an `AF_UNIX` socket: `getsockname` fails with `EBADF` for a closed
 * descriptor and `ENOTSOCK` for a file; any other family gets `ERR_LOOPFAST_NOT_UNIX_SOCKET`.
 */
function assertUnixSocket(libc: PosixLibrary, platform: 'linux' | 'darwin', fd: number): void {
  socketAddress.fill(0);
  socketAddressLength[0] = SOCKADDR_STORAGE_SIZE;
  if (libc.getsockname(fd, socketAddress, socketAddressLength) === -1) {
    throw posixFailure(libc, 'getsockname');
  }
  const family = addressFamily(platform, socketAddress);
  const constants = socketConstants(platform);
  if (family === constants.AF_UNIX) return;
  throw new LoopfastError(
    LoopfastErrorCode.NOT_UNIX_SOCKET,
    `peer credentials exist only on Unix domain sockets; socket ${fd} is ${familyName(family, constants)}, whose peer has no credentials to report [${BACKEND_NAME} backend]`,
  );
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

function familyName(
  family: number,
  constants: { readonly AF_INET: number; readonly AF_INET6: number },
): string {
  if (family === constants.AF_INET) return 'an AF_INET (IPv4) socket';
  if (family === constants.AF_INET6) return 'an AF_INET6 (IPv6) socket';
  return `a socket of address family ${family}`;
}

/** `struct ucred { pid_t pid; uid_t uid; gid_t gid; }`: three 32-bit fields. */
function linuxCredentials(libc: PosixLibrary, fd: number): PeerCredentials {
  const ucred = new ArrayBuffer(12);
  const length = new Uint32Array([ucred.byteLength]);
  const bytes = new Uint8Array(ucred);
  const { SOL_SOCKET } = socketConstants('linux');
  if (libc.getsockopt(fd, SOL_SOCKET, LINUX_SO_PEERCRED, bytes, length) === -1) {
    throw posixFailure(libc, 'getsockopt');
  }
  const view = new DataView(ucred);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return {
    pid: view.getInt32(0, littleEndian),
    uid: view.getUint32(4, littleEndian),
    gid: view.getUint32(8, littleEndian),
  };
}

function darwinCredentials(libc: PosixLibrary, fd: number): PeerCredentials {
  const getpeereid = libc.getpeereid;
  if (getpeereid === null)
    throw new Error('internal error: getpeereid is not declared on this platform');
  const uid = new Uint32Array(1);
  const gid = new Uint32Array(1);
  if (getpeereid(fd, uid, gid) === -1) throw posixFailure(libc, 'getpeereid');
  const pid = new Int32Array(1);
  const length = new Uint32Array([pid.byteLength]);
  const pidKnown = libc.getsockopt(fd, DARWIN_SOL_LOCAL, DARWIN_LOCAL_PEERPID, pid, length) !== -1;
  return { pid: pidKnown ? (pid[0] ?? -1) : -1, uid: uid[0] ?? 0, gid: gid[0] ?? 0 };
}
