/**
 * The error both backends give a call that only means something on a Unix domain socket (peer
 * credentials, the peer's Unix address) when it is given a socket of another family.
 *
 * @module
 */
import { LoopfastError, LoopfastErrorCode } from './errors.js';
import { socketConstants } from './socket-constants.js';

/**
 * The refusal of socket `socket`, of address family `family` (its number on `platform`), by a call
 * that only means something on a Unix domain socket: `feature` says what exists only there, `lack`
 * what this socket's peer therefore has not. Both backends word it alike.
 */
export function notUnixSocketError(
  socket: number,
  family: number,
  feature: string,
  lack: string,
  backend: string,
  platform: NodeJS.Platform = process.platform,
): LoopfastError {
  const { AF_INET, AF_INET6 } = socketConstants(platform);
  const what =
    family === AF_INET
      ? 'an AF_INET (IPv4) socket'
      : family === AF_INET6
        ? 'an AF_INET6 (IPv6) socket'
        : `a socket of address family ${family}`;
  return new LoopfastError(
    LoopfastErrorCode.NOT_UNIX_SOCKET,
    `${feature} exist only on Unix domain sockets; socket ${socket} is ${what}, whose peer has ${lack} [${backend} backend]`,
  );
}
