/**
 * Turning a failed C call into a {@link LoopfastSystemError}, the one way errors leave this
 * backend. Each helper must be called right after the failing call, with no other native call in
 * between, so the error number still belongs to that call.
 *
 * @module
 */
import type { LoopfastSystemError } from '@loopfast/core';
import { systemErrorFromErrno } from '@loopfast/core/internal';
import type { PosixLibrary, WindowsLibrary } from './native-library.js';

/** The backend's name, as it appears in `backend.name` and in every error. */
export const BACKEND_NAME = 'ffi';

/** The error for a failed POSIX call, from `errno` (read through koffi). */
export function posixFailure(library: PosixLibrary, syscall: string): LoopfastSystemError {
  return systemErrorFromErrno(process.platform, library.errno(), syscall, BACKEND_NAME);
}

/**
 * The error for a failed Winsock call, from `WSAGetLastError()` (never the return value, never
 * the C runtime's `errno`, which `koffi.errno()` reads).
 */
export function winsockFailure(library: WindowsLibrary, syscall: string): LoopfastSystemError {
  return systemErrorFromErrno('win32', library.WSAGetLastError(), syscall, BACKEND_NAME);
}
