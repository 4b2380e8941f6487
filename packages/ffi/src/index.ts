/**
 * `@loopfast/ffi`: the loopfast {@link Backend} through koffi, calling `ws2_32.dll` on Windows
 * and the C library on Linux and macOS. No compiler and no addon build: koffi's prebuilt binary
 * does the calls. koffi and the C library load on the first method call, never on import.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import type { Backend } from '@loopfast/core';
import { applyLoopbackFastPath, ioctl } from './ioctl.js';
import { BACKEND_NAME } from './native-errors.js';
import { getUnixPeerAddress } from './peer-address.js';
import { getPeerCredentials } from './peer-credentials.js';
import { closeSocket } from './socket-close.js';
import { createTcpSocket } from './socket-create.js';
import {
  getSocketOption,
  getSocketOptionBuffer,
  setSocketOption,
  setSocketOptionBuffer,
} from './socket-options.js';
import { listTcpListeners } from './tcp-listeners.js';
import { connectUnixSocket, connectUnixSocketWithPeer } from './unix-connect.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * The koffi backend. Pass it to `@loopfast/net`, or call it directly. Its `name` is `'ffi'`,
 * which every error it throws carries as `backend`.
 *
 * @example
 * ```ts
 * import { backend } from '@loopfast/ffi';
 * const socket = backend.createTcpSocket(4);
 * backend.closeSocket(socket);
 * ```
 */
export const backend: Backend = Object.freeze({
  name: BACKEND_NAME,
  version,
  createTcpSocket,
  applyLoopbackFastPath,
  ioctl,
  getSocketOption,
  setSocketOption,
  getSocketOptionBuffer,
  setSocketOptionBuffer,
  getPeerCredentials,
  connectUnixSocket,
  connectUnixSocketWithPeer,
  getUnixPeerAddress,
  listTcpListeners,
  closeSocket,
});
