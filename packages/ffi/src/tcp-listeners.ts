/**
 * Linux's table of TCP listeners, asked of the kernel over a `NETLINK_SOCK_DIAG` socket: one
 * request, answers read until the kernel's last message. The request's and answers' bytes are
 * `@loopfast/core`'s; this module makes the exchange.
 *
 * @module
 */
import { constants } from 'node:os';
import type { IpFamily, TcpListenerEntry } from '@loopfast/core';
import {
  SOCK_DIAG_SOCKET,
  tcpListenerAnswerEnded,
  tcpListenerRequest,
  tcpListenersFromAnswer,
  validateTcpListenerQuery,
} from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure } from './native-errors.js';
import { type PosixLibrary, posix, supportedPlatform } from './native-library.js';

/** Room for one `recv` of the answer: the kernel fills up to a page's worth of messages. */
const ANSWER_CHUNK = 32 * 1024;

/**
 * The TCP listeners of `family` on `port` (0: every port). See {@link Backend.listTcpListeners}.
 * @throws LoopfastSystemError with `syscall` `'socket'`, `'send'` or `'recv'`.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows and macOS.
 */
export function listTcpListeners(family: IpFamily, port: number): TcpListenerEntry[] {
  const query = validateTcpListenerQuery(family, port, supportedPlatform(), BACKEND_NAME);
  const libc = posix('linux');
  const { AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG } = SOCK_DIAG_SOCKET;
  const fd = libc.socket(AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd === -1) throw posixFailure(libc, 'socket');
  try {
    return tcpListenersFromAnswer(
      exchange(libc, fd, tcpListenerRequest(query.family, query.port)),
      BACKEND_NAME,
    );
  } finally {
    libc.close(fd);
  }
}

/** Sends `request` on `fd` and reads every answer up to the last message. */
function exchange(libc: PosixLibrary, fd: number, request: Buffer): Buffer {
  while (libc.send(fd, request, request.length, 0) === -1) {
    if (libc.errno() !== constants.errno.EINTR) throw posixFailure(libc, 'send');
  }
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.alloc(ANSWER_CHUNK);
    const received = libc.recv(fd, chunk, chunk.length, 0);
    if (received === -1) {
      // A signal interrupted the wait: it is made again.
      if (libc.errno() === constants.errno.EINTR) continue;
      throw posixFailure(libc, 'recv');
    }
    const answer = chunk.subarray(0, received);
    chunks.push(answer);
    if (received === 0 || tcpListenerAnswerEnded(answer)) return Buffer.concat(chunks);
  }
}
