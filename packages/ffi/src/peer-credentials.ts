/**
 * The credentials of the peer on a connected Unix domain socket: Linux `SO_PEERCRED`, macOS
 * `getpeereid` plus `LOCAL_PEERPID`. Windows has no such thing for sockets. A socket of another
 * family is refused first: the kernel would answer for a TCP socket too, with placeholders
 * (pid 0, uid and gid 4294967295 on Linux) that must never pass for a peer's identity.
 *
 * @module
 */
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
import { notUnixSocket, socketFamily } from './socket-family.js';

/** Linux `SO_PEERCRED` (`asm-generic/socket.h`). */
const LINUX_SO_PEERCRED = 17;
/** macOS `SOL_LOCAL` (`sys/un.h`). */
const DARWIN_SOL_LOCAL = 0;
/** macOS `LOCAL_PEERPID` (`sys/un.h`). */
const DARWIN_LOCAL_PEERPID = 2;

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
  const family = socketFamily(libc, platform, socket);
  if (family !== socketConstants(platform).AF_UNIX) {
    throw notUnixSocket(platform, socket, family, 'peer credentials', 'no credentials to report');
  }
  return credentialsOf(libc, platform, socket);
}

/**
 * The credentials of the peer of `fd`, known to be an `AF_UNIX` socket (one this backend made).
 * Throws the failed call's error.
 */
export function credentialsOf(
  libc: PosixLibrary,
  platform: 'linux' | 'darwin',
  fd: number,
): PeerCredentials {
  return platform === 'linux' ? linuxCredentials(libc, fd) : darwinCredentials(libc, fd);
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
