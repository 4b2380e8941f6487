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
 * An error that means "the fast path does not exist here": what {@link isUnsupportedError}
 * recognizes. System errors from a backend also carry `errno`, `syscall` and `backend`.
 */
export interface UnsupportedError extends Error {
  /** `WSAEOPNOTSUPP`, `EOPNOTSUPP`, `ENOTSUP` or `ERR_LOOPFAST_UNSUPPORTED_PLATFORM`. */
  readonly code: string;
  /** The numeric error, for a system error. */
  readonly errno?: number;
  /** The native call that failed, for a system error. */
  readonly syscall?: string;
  /** The backend that made the call, for a system error. */
  readonly backend?: string;
}

/**
 * Whether an error means "the fast path does not exist here" rather than "something broke":
 * an `Error` whose `code` is `WSAEOPNOTSUPP`, `EOPNOTSUPP`/`ENOTSUP`, or
 * `ERR_LOOPFAST_UNSUPPORTED_PLATFORM`. Microsoft documents `WSAEOPNOTSUPP` as the answer of
 * Windows 7 and of providers without the fast path, and such a socket still works on the normal
 * path, so a caller goes ahead without it. A type guard: in a `catch` block it narrows the
 * `unknown` error to {@link UnsupportedError}.
 *
 * @example
 * ```ts
 * try {
 *   backend.applyLoopbackFastPath(socket);
 * } catch (error) {
 *   if (!isUnsupportedError(error)) throw error;
 *   console.log(error.code, error.message);
 * }
 * ```
 */
export function isUnsupportedError(error: unknown): error is UnsupportedError {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNSUPPORTED_CODES.has(code);
}

/**
 * Whether loading native code failed because Node's permission model forbids addons
 * (`--permission`, or `--experimental-permission` on Node 20, without `--allow-addons`): Node's
 * `ERR_DLOPEN_DISABLED` on the error or anywhere along its `cause` chain.
 */
export function isAddonLoadingDisabled(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if ((current as { code?: unknown }).code === 'ERR_DLOPEN_DISABLED') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** What a backend's "unavailable" error says when the permission model is the cause. */
export const ADDONS_DISABLED_HINT =
  "Node's permission model forbids native addons in this process: add --allow-addons to Node's " +
  'flags to use a loopfast backend, or leave loopbackFastPath off; connections work on the ' +
  'normal path meanwhile.';

/**
 * The advice a backend appends when its native code could not be loaded: {@link
 * ADDONS_DISABLED_HINT} when the permission model is the cause (reinstalling would not help),
 * else the backend's own advice (`otherwise`).
 */
export function nativeLoadHint(cause: unknown, otherwise: string): string {
  return isAddonLoadingDisabled(cause) ? ADDONS_DISABLED_HINT : otherwise;
}
