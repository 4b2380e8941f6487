/**
 * The POSIX "is this descriptor a socket?" check that comes before `ioctl`, the fast-path refusal
 * and `close`: `getsockopt(fd, SOL_SOCKET, SO_TYPE)`, which fails with `EBADF` for a closed
 * descriptor and `ENOTSOCK` for a file, without touching either.
 *
 * @module
 */
import { socketConstants } from '@loopfast/core';
import { posixFailure } from './native-errors.js';
import type { PosixLibrary } from './native-library.js';

const type = new Int32Array(1);
const length = new Uint32Array(1);

/**
 * Throws a {@link LoopfastSystemError} (syscall `getsockopt`) unless `fd` is an open socket.
 */
export function assertPosixSocket(library: PosixLibrary, fd: number): void {
  const { SOL_SOCKET, SO_TYPE } = socketConstants(process.platform);
  length[0] = type.byteLength;
  if (library.getsockopt(fd, SOL_SOCKET, SO_TYPE, type, length) === -1) {
    throw posixFailure(library, 'getsockopt');
  }
}
