/**
 * Loading the native addon, lazily, and the shape of what it exports. Internal to the package.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LoopfastError, LoopfastErrorCode } from '@loopfast/core';
import { nativeLoadHint, systemErrorFromErrno } from '@loopfast/core/internal';

const require = createRequire(import.meta.url);

/** The backend's name, as it appears in every error. */
export const BACKEND_NAME = 'napi';

/** The package root: one level above both `src/` and `dist/`. */
export const PACKAGE_ROOT: string = fileURLToPath(new URL('..', import.meta.url));

/** The platforms the addon is built for; elsewhere every method throws `UNSUPPORTED_PLATFORM`. */
const SUPPORTED_PLATFORMS: ReadonlySet<NodeJS.Platform> = new Set(['linux', 'darwin', 'win32']);

/**
 * What `loopfast_napi.node` exports. Arguments arrive already validated by the TypeScript layer;
 * the addon checks their types again and throws a `TypeError` or `RangeError` rather than crash.
 * A failed system call throws an `Error` with numeric `errno` and string `syscall`.
 */
export interface NativeAddon {
  /** The Node-API version the addon was built against. */
  readonly napiVersion: number;
  /** `socket()` (POSIX, non-blocking and close-on-exec) or `WSASocketW` (Windows). */
  createTcpSocket(family: 4 | 6): number;
  /** `close` after a socket check (POSIX) or `closesocket` (Windows). */
  closeSocket(socket: number): void;
  /**
   * POSIX builds only (checked by {@link loadAddon}): `getsockopt(SO_TYPE)`, throwing `EBADF` /
   * `ENOTSOCK` for a non-socket.
   */
  checkSocket(socket: number): void;
  /**
   * Windows builds only (checked by {@link loadAddon}): `WSAStartup(2.2)`; {@link loadAddon}
   * calls it once, before any other call.
   */
  startWinsock(): void;
  /** Windows builds only (checked by {@link loadAddon}): `WSAIoctl(SIO_LOOPBACK_FAST_PATH)`. */
  applyLoopbackFastPath(socket: number, enabled: boolean): void;
  /** `WSAIoctl` (Windows) or `ioctl` with one `int` (POSIX). */
  ioctl(socket: number, code: number, input: Uint8Array | null, outputLength: number): Buffer;
  /** `getsockopt` into an `int`. */
  getSocketOption(socket: number, level: number, name: number): number;
  /** `setsockopt` from an `int`. */
  setSocketOption(socket: number, level: number, name: number, value: number): void;
  /** `getsockopt` into `length` bytes, cut to the length returned. */
  getSocketOptionBuffer(socket: number, level: number, name: number, length: number): Buffer;
  /** `setsockopt` from raw bytes. */
  setSocketOptionBuffer(socket: number, level: number, name: number, value: Uint8Array): void;
  /**
   * POSIX builds only (checked by {@link loadAddon}): the socket's address family from
   * `getsockname`, then, for an `AF_UNIX` socket, `SO_PEERCRED` (Linux) or `getpeereid` and
   * `LOCAL_PEERPID` (macOS). A socket of another family gets its `family` alone.
   */
  getPeerCredentials(socket: number): NativePeerCredentials;
  /**
   * POSIX builds only (checked by {@link loadAddon}): a non-blocking, close-on-exec `AF_UNIX`
   * stream socket, bound first to `localAddress` when given, connected to `path`. Each address is
   * its `sun_path` bytes: a path's UTF-8 bytes and their terminating NUL, or (Linux) an abstract
   * name's bytes, its leading NUL included. With `credentials` (3 elements), the peer's pid, uid
   * and gid are written there once connected (`SO_PEERCRED` on Linux; `getpeereid` and
   * `LOCAL_PEERPID` on macOS). On failure the socket is closed before the `bind`, `connect` or
   * credentials error is thrown.
   */
  connectUnixSocket(
    path: Uint8Array,
    localAddress?: Uint8Array,
    credentials?: Float64Array,
  ): number;
  /**
   * POSIX builds only (checked by {@link loadAddon}): the socket's address family from
   * `getsockname`, then, for an `AF_UNIX` socket, the `sun_path` bytes of its peer's address
   * from `getpeername`. A socket of another family gets its `family` alone.
   */
  getUnixPeerAddress(socket: number): NativeUnixPeerAddress;
  /**
   * Linux builds only (checked by {@link loadAddon}): `request` sent on a new, close-on-exec
   * `NETLINK_SOCK_DIAG` socket, and the kernel's whole answer, up to the message that ends it.
   * The socket is closed before it returns or throws.
   */
  exchangeSockDiag(request: Uint8Array): Buffer;
}

/**
 * What the addon's `getUnixPeerAddress` returns: the socket's address family, with the peer's
 * `sun_path` bytes (as many as `getpeername` returned) only when the family is `AF_UNIX`.
 */
export type NativeUnixPeerAddress =
  | { readonly family: number; readonly sunPath: Buffer }
  | { readonly family: number; readonly sunPath?: undefined };

/**
 * What the addon's `getPeerCredentials` returns: the socket's address family, with the peer's
 * credentials only when the family is `AF_UNIX`.
 */
export type NativePeerCredentials =
  | { readonly family: number; readonly pid: number; readonly uid: number; readonly gid: number }
  | { readonly family: number; readonly pid?: undefined };

/** The functions every build exports, then the ones only one platform family has. */
const COMMON_FUNCTIONS = [
  'createTcpSocket',
  'closeSocket',
  'ioctl',
  'getSocketOption',
  'setSocketOption',
  'getSocketOptionBuffer',
  'setSocketOptionBuffer',
] as const;
const PLATFORM_FUNCTIONS: readonly string[] =
  process.platform === 'win32'
    ? ['startWinsock', 'applyLoopbackFastPath']
    : [
        'checkSocket',
        'getPeerCredentials',
        'connectUnixSocket',
        'getUnixPeerAddress',
        ...(process.platform === 'linux' ? ['exchangeSockDiag'] : []),
      ];

let addon: NativeAddon | undefined;

function unavailable(message: string, cause?: unknown): LoopfastError {
  return new LoopfastError(
    LoopfastErrorCode.BACKEND_UNAVAILABLE,
    `@loopfast/napi: ${message} (platform ${process.platform}-${process.arch}, Node ${process.version}). ${nativeLoadHint(
      cause,
      'Reinstall @loopfast/napi where a C++ toolchain is available so it can build from source, ' +
        'or use the @loopfast/ffi backend.',
    )}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The addon, loaded on first use through `node-gyp-build` (a local `build/` first, then
 * `prebuilds/<platform>-<arch>/`).
 *
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on a platform other than Linux, macOS
 * or Windows; `ERR_LOOPFAST_BACKEND_UNAVAILABLE` when no binary loads.
 * @throws LoopfastSystemError when `WSAStartup` fails on Windows.
 */
export function loadAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  if (!SUPPORTED_PLATFORMS.has(process.platform)) {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `@loopfast/napi supports win32, linux and darwin, not "${process.platform}"`,
    );
  }
  let loaded: unknown;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    loaded = nodeGypBuild(PACKAGE_ROOT);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.trim() : String(cause);
    throw unavailable(`the native addon could not be loaded: ${reason}`, cause);
  }
  const exports = loaded as Record<string, unknown>;
  const missing = [...COMMON_FUNCTIONS, ...PLATFORM_FUNCTIONS].filter(
    (name) => typeof exports[name] !== 'function',
  );
  if (missing.length > 0) {
    throw unavailable(`the loaded addon lacks ${missing.join(', ')} (a stale build?)`);
  }
  const ready = loaded as NativeAddon;
  if (process.platform === 'win32') {
    // Reference-counted, so it coexists with libuv's own start. On failure nothing is cached and
    // the next call tries again.
    try {
      ready.startWinsock();
    } catch (error) {
      throw translateNativeError(error);
    }
  }
  addon = ready;
  return addon;
}

/** An error thrown by the addon for a failed system call. */
interface NativeSystemError {
  readonly errno: number;
  readonly syscall: string;
}

function isNativeSystemError(error: unknown): error is NativeSystemError {
  return (
    error instanceof Error &&
    typeof (error as Partial<NativeSystemError>).errno === 'number' &&
    typeof (error as Partial<NativeSystemError>).syscall === 'string'
  );
}

/**
 * Turns what the addon threw into the error the backend reports: a failed system call becomes
 * core's `LoopfastSystemError` (via `systemErrorFromErrno`); anything else passes unchanged.
 */
export function translateNativeError(error: unknown): unknown {
  if (!isNativeSystemError(error)) return error;
  return systemErrorFromErrno(process.platform, error.errno, error.syscall, BACKEND_NAME);
}
