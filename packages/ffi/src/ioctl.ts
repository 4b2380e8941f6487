/**
 * `SIO_LOOPBACK_FAST_PATH` and the generic socket ioctl: `WSAIoctl` on Windows, `ioctl` on POSIX.
 *
 * @module
 */
import { constants } from 'node:os';
import { type NativeSocket, SIO_LOOPBACK_FAST_PATH } from '@loopfast/core';
import {
  byteLengthOf,
  systemErrorFromErrno,
  validateBoolean,
  validateIoctlBuffers,
  validateSocketDescriptor,
  validateUint32,
} from '@loopfast/core/internal';
import { BACKEND_NAME, posixFailure, winsockFailure } from './native-errors.js';
import { posix, supportedPlatform, windows } from './native-library.js';
import { assertPosixSocket } from './socket-check.js';

/** Why POSIX refuses the Windows control code, appended to the `EOPNOTSUPP` error. */
const POSIX_FAST_PATH_HINT =
  'SIO_LOOPBACK_FAST_PATH is a Windows control code; the connection can use the normal loopback path.';

/**
 * Some requests write more than one int back (SIOCGIFCONF writes 16 bytes, ifreq requests 40,
 * macOS allows up to 8 KiB), so the kernel gets a zeroed scratch area with the int at offset 0,
 * as the napi backend does.
 */
const POSIX_IOCTL_SCRATCH = 8192;

const fastPathInput = new Int32Array(1);
const bytesReturned = new Uint32Array(1);

/**
 * Applies `SIO_LOOPBACK_FAST_PATH` with a 4-byte Boolean input and no output. On POSIX it checks
 * the socket, then throws `EOPNOTSUPP`. See {@link Backend.applyLoopbackFastPath}.
 */
export function applyLoopbackFastPath(socket: NativeSocket, enabled = true): void {
  validateSocketDescriptor(socket);
  validateBoolean(enabled, 'enabled');
  const platform = supportedPlatform();

  if (platform === 'win32') {
    const winsock = windows();
    fastPathInput[0] = enabled ? 1 : 0;
    bytesReturned[0] = 0;
    const result = winsock.WSAIoctl(
      socket,
      SIO_LOOPBACK_FAST_PATH,
      fastPathInput,
      fastPathInput.byteLength,
      null,
      0,
      bytesReturned,
      null,
      null,
    );
    if (result !== 0) throw winsockFailure(winsock, 'WSAIoctl');
    return;
  }

  assertPosixSocket(posix(platform), socket);
  throw systemErrorFromErrno(
    platform,
    constants.errno.EOPNOTSUPP,
    'ioctl',
    BACKEND_NAME,
    POSIX_FAST_PATH_HINT,
  );
}

/**
 * A generic socket ioctl: `WSAIoctl` with any buffers on Windows, `ioctl(fd, code, &int)` on
 * POSIX. See {@link Backend.ioctl}.
 */
export function ioctl(
  socket: NativeSocket,
  code: number,
  input?: Uint8Array | null,
  outputLength = 0,
): Buffer {
  validateSocketDescriptor(socket);
  validateUint32(code, 'code');
  const buffers = validateIoctlBuffers(process.platform, input, outputLength);
  const platform = supportedPlatform();

  if (platform === 'win32') {
    const winsock = windows();
    // The input's real length, as checked: a subclass can make `byteLength` say anything.
    const inLength = buffers.input === null ? 0 : byteLengthOf(buffers.input);
    const inBuffer = inLength > 0 ? buffers.input : null;
    const outBuffer = buffers.outputLength > 0 ? Buffer.alloc(buffers.outputLength) : null;
    bytesReturned[0] = 0;
    const result = winsock.WSAIoctl(
      socket,
      code,
      inBuffer,
      inLength,
      outBuffer,
      buffers.outputLength,
      bytesReturned,
      null,
      null,
    );
    if (result !== 0) throw winsockFailure(winsock, 'WSAIoctl');
    if (outBuffer === null) return Buffer.alloc(0);
    return outBuffer.subarray(0, Math.min(bytesReturned[0] ?? 0, buffers.outputLength));
  }

  const libc = posix(platform);
  assertPosixSocket(libc, socket);
  // The int is native-endian, initialised from the input's bytes as they are.
  const arg = Buffer.alloc(POSIX_IOCTL_SCRATCH);
  if (buffers.input !== null) arg.set(buffers.input);
  if (libc.ioctl(socket, code, 'void *', arg) === -1) throw posixFailure(libc, 'ioctl');
  return buffers.outputLength === 4 ? Buffer.from(arg.subarray(0, 4)) : Buffer.alloc(0);
}
