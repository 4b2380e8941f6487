/**
 * The error classes every layer throws, shaped like Node's own system errors.
 *
 * @module
 */
import { lookupWinsockError, posixErrorMeaning, posixErrorName } from './error-table.js';

/** Codes of errors that loopfast itself raises (not the operating system). */
export const LoopfastErrorCode = Object.freeze({
  /** The platform has no loopback fast path mechanism loopfast knows. */
  UNSUPPORTED_PLATFORM: 'ERR_LOOPFAST_UNSUPPORTED_PLATFORM',
  /** The backend's native part (koffi, the addon) could not be loaded. */
  BACKEND_UNAVAILABLE: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE',
  /** A call that needs a Unix domain socket (peer credentials) was given a socket of another family. */
  NOT_UNIX_SOCKET: 'ERR_LOOPFAST_NOT_UNIX_SOCKET',
} as const);

/** Fields of a {@link LoopfastSystemError}. */
export interface SystemErrorFields {
  /** Symbolic code: a WSA name on Windows (`WSAEOPNOTSUPP`), an errno name on POSIX (`EBADF`). */
  readonly code: string;
  /** The numeric error: Winsock's on Windows, `errno` on POSIX. */
  readonly errno: number;
  /** The native call that failed, such as `WSAIoctl` or `getsockopt`. */
  readonly syscall: string;
  /** The backend that made the call, such as `ffi` or `napi`. */
  readonly backend: string;
  /** What the user can do about it; appended to the message. */
  readonly hint?: string;
}

/**
 * A failed native call, with `code`, `errno` and `syscall` as Node's system errors have, plus the
 * `backend` that made the call.
 */
export class LoopfastSystemError extends Error {
  /** Symbolic code: a WSA name on Windows (`WSAEOPNOTSUPP`), an errno name on POSIX (`EBADF`). */
  readonly code: string;
  /** The numeric error: Winsock's on Windows, `errno` on POSIX. */
  readonly errno: number;
  /** The native call that failed. */
  readonly syscall: string;
  /** The backend that made the call. */
  readonly backend: string;

  /** Builds the error; the message names the call, the code and its meaning. */
  constructor(fields: SystemErrorFields, meaning: string) {
    const hint = fields.hint ? ` ${fields.hint}` : '';
    super(
      `${fields.syscall} ${fields.code} (${fields.errno}): ${meaning} [${fields.backend} backend]${hint}`,
    );
    this.name = 'LoopfastSystemError';
    this.code = fields.code;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    this.backend = fields.backend;
  }
}

/**
 * Turns a native error number into a {@link LoopfastSystemError}: on `win32` the number is
 * Winsock's (`WSAGetLastError()`), elsewhere it is `errno`.
 */
export function systemErrorFromErrno(
  platform: NodeJS.Platform,
  errno: number,
  syscall: string,
  backend: string,
  hint?: string,
): LoopfastSystemError {
  if (platform === 'win32') {
    const info = lookupWinsockError(errno);
    const code = info?.name ?? `WSA_ERROR_${errno}`;
    return new LoopfastSystemError(
      { code, errno, syscall, backend, ...(hint ? { hint } : {}) },
      info?.meaning ?? 'Winsock reported an error loopfast has no description for',
    );
  }
  const code = posixErrorName(errno);
  return new LoopfastSystemError(
    { code, errno, syscall, backend, ...(hint ? { hint } : {}) },
    posixErrorMeaning(code),
  );
}

/** An error loopfast raises itself, with a `code` from {@link LoopfastErrorCode}. */
export class LoopfastError extends Error {
  /** One of {@link LoopfastErrorCode}. */
  readonly code: string;

  /** Builds the error with its code; `cause` keeps the underlying failure, if any. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoopfastError';
    this.code = code;
  }
}

const UNSUPPORTED_CODES: ReadonlySet<string> = new Set([
  'WSAEOPNOTSUPP',
  'EOPNOTSUPP',
  'ENOTSUP',
  LoopfastErrorCode.UNSUPPORTED_PLATFORM,
]);

/**
 * Whether an error means "the fast path does not exist here" rather than "something broke":
 * `WSAEOPNOTSUPP`, `EOPNOTSUPP`/`ENOTSUP`, or an unsupported platform. The seeds ask that such a
 * connection go ahead on the normal path.
 */
export function isUnsupportedError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNSUPPORTED_CODES.has(code);
}
