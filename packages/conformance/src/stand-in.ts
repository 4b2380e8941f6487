/**
 * A stand-in for the one call Linux does not have, so the Windows route (native socket, control
 * code, `tcp_wrap` handoff) can run on Linux on real sockets: the real backend, with
 * `applyLoopbackFastPath` answering "applied" instead of `EOPNOTSUPP`. It still checks its
 * arguments and that the socket is a socket (through the real backend), and it records every
 * socket the backend made and closed, so a test can prove each one was closed exactly once or
 * adopted by Node.
 *
 * This module imports nothing but `@loopfast/core`, so a child process can load it alone.
 *
 * @module
 */
import { type Backend, socketConstants } from '@loopfast/core';
import { validateBoolean, validateSocketDescriptor } from '@loopfast/core/internal';

/** A stand-in backend and what it has seen. */
export interface StandIn {
  /** The real backend with `applyLoopbackFastPath` standing in for Windows' control code. */
  readonly backend: Backend;
  /** Every socket `createTcpSocket` made, in order. */
  readonly made: number[];
  /** Every socket `closeSocket` closed, in order. */
  readonly closed: number[];
  /** How many times the control code was "applied". */
  applied: number;
}

/** Wraps `real` so that the control code succeeds wherever the socket is a real socket. */
export function standInBackend(real: Backend): StandIn {
  const { SOL_SOCKET, SO_TYPE } = socketConstants();
  const standIn: StandIn = {
    made: [],
    closed: [],
    applied: 0,
    backend: {
      ...real,
      createTcpSocket(family) {
        const socket = real.createTcpSocket(family);
        standIn.made.push(socket);
        return socket;
      },
      applyLoopbackFastPath(socket, enabled = true) {
        validateSocketDescriptor(socket);
        validateBoolean(enabled, 'enabled');
        // Fails as the real call would on a closed descriptor or a file.
        real.getSocketOption(socket, SOL_SOCKET, SO_TYPE);
        standIn.applied++;
      },
      closeSocket(socket) {
        real.closeSocket(socket);
        standIn.closed.push(socket);
      },
    },
  };
  return standIn;
}
