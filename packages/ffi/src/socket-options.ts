/**
 * Socket options: `getsockopt`/`setsockopt` with an `int`, or with raw bytes for options that
 * are structures (`SO_LINGER`).
 *
 * @module
 */
import type { NativeSocket } from '@loopfast/core';
import {
  byteLengthOf,
  MAX_OPTION_BUFFER,
  validateBytes,
  validateInt32,
  validateInteger,
  validateSocketDescriptor,
} from '@loopfast/core/internal';
import { posixFailure, winsockFailure } from './native-errors.js';
import { posix, supportedPlatform, windows } from './native-library.js';

// Reused for every call: calls are synchronous and each module instance has its own.
const intValue = new Int32Array(1);
const posixLength = new Uint32Array(1);
const windowsLength = new Int32Array(1);

function validateOption(socket: unknown, level: unknown, name: unknown): void {
  validateSocketDescriptor(socket);
  validateInt32(level, 'level');
  validateInt32(name, 'name');
}

/** Reads an integer option (`getsockopt` into an `int`). See {@link Backend.getSocketOption}. */
export function getSocketOption(socket: NativeSocket, level: number, name: number): number {
  validateOption(socket, level, name);
  const platform = supportedPlatform();
  // Zeroed first, so an option that writes fewer than 4 bytes still reads right.
  intValue[0] = 0;
  if (platform === 'win32') {
    const winsock = windows();
    windowsLength[0] = intValue.byteLength;
    if (winsock.getsockopt(socket, level, name, intValue, windowsLength) !== 0) {
      throw winsockFailure(winsock, 'getsockopt');
    }
  } else {
    const libc = posix(platform);
    posixLength[0] = intValue.byteLength;
    if (libc.getsockopt(socket, level, name, intValue, posixLength) === -1) {
      throw posixFailure(libc, 'getsockopt');
    }
  }
  return intValue[0] ?? 0;
}

/** Sets an integer option (`setsockopt` with an `int`). See {@link Backend.setSocketOption}. */
export function setSocketOption(
  socket: NativeSocket,
  level: number,
  name: number,
  value: number,
): void {
  validateOption(socket, level, name);
  validateInt32(value, 'value');
  const platform = supportedPlatform();
  intValue[0] = value;
  if (platform === 'win32') {
    const winsock = windows();
    if (winsock.setsockopt(socket, level, name, intValue, intValue.byteLength) !== 0) {
      throw winsockFailure(winsock, 'setsockopt');
    }
    return;
  }
  const libc = posix(platform);
  if (libc.setsockopt(socket, level, name, intValue, intValue.byteLength) === -1) {
    throw posixFailure(libc, 'setsockopt');
  }
}

/**
 * Reads an option as raw bytes: offers `length` bytes and returns the ones the call filled in.
 * See {@link Backend.getSocketOptionBuffer}.
 */
export function getSocketOptionBuffer(
  socket: NativeSocket,
  level: number,
  name: number,
  length: number,
): Buffer {
  validateOption(socket, level, name);
  validateInteger(length, 'length', 1, MAX_OPTION_BUFFER);
  const platform = supportedPlatform();
  const value = Buffer.alloc(length);
  let returned: number;
  if (platform === 'win32') {
    const winsock = windows();
    windowsLength[0] = length;
    if (winsock.getsockopt(socket, level, name, value, windowsLength) !== 0) {
      throw winsockFailure(winsock, 'getsockopt');
    }
    returned = windowsLength[0] ?? 0;
  } else {
    const libc = posix(platform);
    posixLength[0] = length;
    if (libc.getsockopt(socket, level, name, value, posixLength) === -1) {
      throw posixFailure(libc, 'getsockopt');
    }
    returned = posixLength[0] ?? 0;
  }
  return value.subarray(0, Math.max(0, Math.min(returned, length)));
}

/** Sets an option from raw bytes (1 to 1024). See {@link Backend.setSocketOptionBuffer}. */
export function setSocketOptionBuffer(
  socket: NativeSocket,
  level: number,
  name: number,
  value: Uint8Array,
): void {
  validateOption(socket, level, name);
  validateBytes(value, 'value', 1, MAX_OPTION_BUFFER);
  // The view's real length, as checked: a subclass can make `value.byteLength` say anything.
  const length = byteLengthOf(value);
  const platform = supportedPlatform();
  if (platform === 'win32') {
    const winsock = windows();
    if (winsock.setsockopt(socket, level, name, value, length) !== 0) {
      throw winsockFailure(winsock, 'setsockopt');
    }
    return;
  }
  const libc = posix(platform);
  if (libc.setsockopt(socket, level, name, value, length) === -1) {
    throw posixFailure(libc, 'setsockopt');
  }
}
