/**
 * Closing a socket that was never handed to Node: `closesocket` on Windows; on POSIX `close`,
 * after checking the descriptor is a socket, so a file descriptor passed by mistake stays open.
 *
 * @module
 */
import type { NativeSocket } from '@loopfast/core';
import { validateSocketDescriptor } from '@loopfast/core/internal';
import { posixFailure, winsockFailure } from './native-errors.js';
import { posix, supportedPlatform, windows } from './native-library.js';
import { assertPosixSocket } from './socket-check.js';

/** Closes a socket Node has not adopted. See {@link Backend.closeSocket}. */
export function closeSocket(socket: NativeSocket): void {
  validateSocketDescriptor(socket);
  const platform = supportedPlatform();
  if (platform === 'win32') {
    const winsock = windows();
    if (winsock.closesocket(socket) !== 0) throw winsockFailure(winsock, 'closesocket');
    return;
  }
  const libc = posix(platform);
  assertPosixSocket(libc, socket);
  if (libc.close(socket) === -1) throw posixFailure(libc, 'close');
}
