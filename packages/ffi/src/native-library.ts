/**
 * The one module that touches koffi. It loads koffi and the platform's C library lazily, on the
 * first call that needs them (importing `@loopfast/ffi` loads neither), and declares every C
 * prototype the backend uses, each exactly once, in the tables below.
 *
 * On Windows it also starts Winsock once (`WSAStartup(2.2)`, which is reference-counted, so it
 * coexists with the start libuv made) and exposes `WSAGetLastError`, the only correct source of
 * Winsock error numbers through koffi.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { LoopfastError, LoopfastErrorCode } from '@loopfast/core';
import { nativeLoadHint, systemErrorFromErrno } from '@loopfast/core/internal';
import type { LibraryHandle } from 'koffi';
import { BACKEND_NAME } from './native-errors.js';

/** The platforms this backend has C declarations for. */
export type SupportedPlatform = 'linux' | 'darwin' | 'win32';

/**
 * The C prototypes used on Linux and macOS. Lengths are `socklen_t` (an unsigned 32-bit int on
 * both). `ioctl` is variadic in the C library, so it is declared variadic: on macOS arm64 a
 * variadic argument travels on the stack, not in a register.
 */
export const POSIX_PROTOTYPES = Object.freeze({
  socket: 'int socket(int domain, int type, int protocol)',
  connect: 'int connect(int sockfd, const void *addr, uint32_t addrlen)',
  bind: 'int bind(int sockfd, const void *addr, uint32_t addrlen)',
  getsockname: 'int getsockname(int sockfd, void *addr, uint32_t *addrlen)',
  getpeername: 'int getpeername(int sockfd, void *addr, uint32_t *addrlen)',
  close: 'int close(int fd)',
  getsockopt: 'int getsockopt(int sockfd, int level, int optname, void *optval, uint32_t *optlen)',
  setsockopt:
    'int setsockopt(int sockfd, int level, int optname, const void *optval, uint32_t optlen)',
  ioctl: 'int ioctl(int fd, unsigned long request, ...)',
  send: 'intptr_t send(int sockfd, const void *buf, size_t len, int flags)',
  recv: 'intptr_t recv(int sockfd, void *buf, size_t len, int flags)',
});

/** The C prototypes used on macOS only (`fcntl` is variadic, like `ioctl`). */
export const DARWIN_PROTOTYPES = Object.freeze({
  fcntl: 'int fcntl(int fd, int cmd, ...)',
  getpeereid: 'int getpeereid(int fd, uint32_t *euid, uint32_t *egid)',
});

/**
 * The Winsock prototypes (`ws2_32.dll`). `SOCKET` is `UINT_PTR`, a pointer-sized unsigned
 * integer, so it is `uintptr_t`; `DWORD` and `GROUP` are 32-bit unsigned; every call is
 * `WINAPI` (`__stdcall`), which matters on 32-bit x86 and is the only convention on x64.
 */
export const WINDOWS_PROTOTYPES = Object.freeze({
  WSAStartup: 'int __stdcall WSAStartup(uint16_t wVersionRequested, void *lpWSAData)',
  WSAGetLastError: 'int __stdcall WSAGetLastError(void)',
  WSASocketW:
    'uintptr_t __stdcall WSASocketW(int af, int type, int protocol, void *lpProtocolInfo, uint32_t g, uint32_t dwFlags)',
  WSAIoctl:
    'int __stdcall WSAIoctl(uintptr_t s, uint32_t dwIoControlCode, const void *lpvInBuffer, uint32_t cbInBuffer, void *lpvOutBuffer, uint32_t cbOutBuffer, uint32_t *lpcbBytesReturned, void *lpOverlapped, void *lpCompletionRoutine)',
  getsockopt:
    'int __stdcall getsockopt(uintptr_t s, int level, int optname, void *optval, int32_t *optlen)',
  setsockopt:
    'int __stdcall setsockopt(uintptr_t s, int level, int optname, const void *optval, int optlen)',
  closesocket: 'int __stdcall closesocket(uintptr_t s)',
});

/** The shared library each platform's functions come from. */
export const LIBRARY_PATHS: Readonly<Record<SupportedPlatform, string>> = Object.freeze({
  linux: 'libc.so.6',
  darwin: '/usr/lib/libSystem.B.dylib',
  win32: 'ws2_32.dll',
});

/** A buffer koffi passes to C as a pointer to its first byte, or `null` for `NULL`. */
export type NativeBuffer = Uint8Array | Int32Array | Uint32Array | null;

/** The C library on Linux and macOS, as typed JavaScript functions. */
export interface PosixLibrary {
  /** Always `'posix'`. */
  readonly kind: 'posix';
  /** `socket(2)`. */
  readonly socket: (domain: number, type: number, protocol: number) => number;
  /** `connect(2)`; `address` holds a `struct sockaddr` of at least `length` bytes. */
  readonly connect: (fd: number, address: NativeBuffer, length: number) => number;
  /** `bind(2)`; `address` holds a `struct sockaddr` of at least `length` bytes. */
  readonly bind: (fd: number, address: NativeBuffer, length: number) => number;
  /** `getsockname(2)`; `length` is a one-element `Uint32Array`, in: the room, out: the size. */
  readonly getsockname: (fd: number, address: NativeBuffer, length: Uint32Array) => number;
  /** `getpeername(2)`; `length` as for `getsockname`. */
  readonly getpeername: (fd: number, address: NativeBuffer, length: Uint32Array) => number;
  /** `close(2)`. */
  readonly close: (fd: number) => number;
  /** `getsockopt(2)`; `optlen` is a one-element `Uint32Array`. */
  readonly getsockopt: (
    fd: number,
    level: number,
    name: number,
    value: NativeBuffer,
    length: Uint32Array,
  ) => number;
  /** `setsockopt(2)`. */
  readonly setsockopt: (
    fd: number,
    level: number,
    name: number,
    value: NativeBuffer,
    length: number,
  ) => number;
  /** `ioctl(2)` with one variadic pointer argument, passed as koffi wants: type, then value. */
  readonly ioctl: (fd: number, request: number, argType: 'void *', arg: NativeBuffer) => number;
  /** `send(2)`; the bytes sent, or -1. */
  readonly send: (fd: number, bytes: NativeBuffer, length: number, flags: number) => number;
  /** `recv(2)`; the bytes received, or -1. */
  readonly recv: (fd: number, bytes: NativeBuffer, length: number, flags: number) => number;
  /** `fcntl(2)` (macOS only; `null` elsewhere), with an optional variadic `int`. */
  readonly fcntl: ((fd: number, cmd: number, ...variadic: ['int', number] | []) => number) | null;
  /** `getpeereid(3)` (macOS only; `null` elsewhere). */
  readonly getpeereid: ((fd: number, uid: Uint32Array, gid: Uint32Array) => number) | null;
  /** The calling thread's `errno`, as the C library left it after the last call. */
  readonly errno: () => number;
}

/** A Winsock `SOCKET` as koffi hands a `uintptr_t` back: a number, or a BigInt above 2^53. */
export type WindowsSocketValue = number | bigint;

/** Winsock (`ws2_32.dll`), as typed JavaScript functions. */
export interface WindowsLibrary {
  /** Always `'win32'`. */
  readonly kind: 'win32';
  /** `INVALID_SOCKET` (`~0` as a pointer-sized unsigned integer), as a BigInt. */
  readonly invalidSocket: bigint;
  /** `WSAGetLastError()`: call it right after the failing call, before any other Winsock call. */
  readonly WSAGetLastError: () => number;
  /** `WSASocketW()`. */
  readonly WSASocketW: (
    af: number,
    type: number,
    protocol: number,
    protocolInfo: null,
    group: number,
    flags: number,
  ) => WindowsSocketValue;
  /** `WSAIoctl()`, synchronous: no `OVERLAPPED`, no completion routine. */
  readonly WSAIoctl: (
    socket: number,
    code: number,
    input: NativeBuffer,
    inputLength: number,
    output: NativeBuffer,
    outputLength: number,
    bytesReturned: Uint32Array,
    overlapped: null,
    completionRoutine: null,
  ) => number;
  /** `getsockopt()`; `optlen` is a one-element `Int32Array` (Winsock's `int *`). */
  readonly getsockopt: (
    socket: number,
    level: number,
    name: number,
    value: NativeBuffer,
    length: Int32Array,
  ) => number;
  /** `setsockopt()`. */
  readonly setsockopt: (
    socket: number,
    level: number,
    name: number,
    value: NativeBuffer,
    length: number,
  ) => number;
  /** `closesocket()`. */
  readonly closesocket: (socket: number) => number;
}

type Koffi = typeof import('koffi');

/** Winsock 2.2, as `MAKEWORD(2, 2)`. */
const WINSOCK_VERSION = 0x0202;
/** Room for a `WSADATA` (408 bytes on x64, 400 on x86), rounded up. */
const WSADATA_SIZE = 512;

let posixLibrary: PosixLibrary | undefined;
let windowsLibrary: WindowsLibrary | undefined;

/**
 * The running platform, if this backend supports it.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on any other platform.
 */
export function supportedPlatform(): SupportedPlatform {
  const platform = process.platform;
  if (platform === 'linux' || platform === 'darwin' || platform === 'win32') return platform;
  throw new LoopfastError(
    LoopfastErrorCode.UNSUPPORTED_PLATFORM,
    `the ${BACKEND_NAME} backend supports linux, darwin and win32, not "${platform}"`,
  );
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function unavailable(what: string, cause: unknown): LoopfastError {
  return new LoopfastError(
    LoopfastErrorCode.BACKEND_UNAVAILABLE,
    `the ${BACKEND_NAME} backend is unavailable: ${what} (${messageOf(cause)}). ${nativeLoadHint(
      cause,
      'Install koffi with its binary package for this platform (@koromix/koffi-<platform>-<arch>), or use another backend such as @loopfast/napi.',
    )}`,
    { cause },
  );
}

function loadKoffi(): Koffi {
  // createRequire here, not a static import: importing @loopfast/ffi must not load koffi.
  const require = createRequire(import.meta.url);
  try {
    return require('koffi') as Koffi;
  } catch (cause) {
    throw unavailable('koffi could not be loaded', cause);
  }
}

function openLibrary(koffi: Koffi, path: string): LibraryHandle {
  try {
    return koffi.load(path);
  } catch (cause) {
    throw unavailable(`koffi could not load ${path}`, cause);
  }
}

/** Declares one prototype; a missing symbol is a backend that cannot work here. */
function declare<T>(library: LibraryHandle, path: string, prototype: string): T {
  try {
    return library.func(prototype) as unknown as T;
  } catch (cause) {
    throw unavailable(`${path} has no usable "${prototype}"`, cause);
  }
}

function loadPosix(platform: 'linux' | 'darwin'): PosixLibrary {
  const koffi = loadKoffi();
  const path = LIBRARY_PATHS[platform];
  const library = openLibrary(koffi, path);
  const fn = <T>(prototype: string): T => declare<T>(library, path, prototype);
  const isDarwin = platform === 'darwin';
  return Object.freeze({
    kind: 'posix',
    socket: fn<PosixLibrary['socket']>(POSIX_PROTOTYPES.socket),
    connect: fn<PosixLibrary['connect']>(POSIX_PROTOTYPES.connect),
    bind: fn<PosixLibrary['bind']>(POSIX_PROTOTYPES.bind),
    getsockname: fn<PosixLibrary['getsockname']>(POSIX_PROTOTYPES.getsockname),
    getpeername: fn<PosixLibrary['getpeername']>(POSIX_PROTOTYPES.getpeername),
    close: fn<PosixLibrary['close']>(POSIX_PROTOTYPES.close),
    getsockopt: fn<PosixLibrary['getsockopt']>(POSIX_PROTOTYPES.getsockopt),
    setsockopt: fn<PosixLibrary['setsockopt']>(POSIX_PROTOTYPES.setsockopt),
    ioctl: fn<PosixLibrary['ioctl']>(POSIX_PROTOTYPES.ioctl),
    send: fn<PosixLibrary['send']>(POSIX_PROTOTYPES.send),
    recv: fn<PosixLibrary['recv']>(POSIX_PROTOTYPES.recv),
    fcntl: isDarwin ? fn<NonNullable<PosixLibrary['fcntl']>>(DARWIN_PROTOTYPES.fcntl) : null,
    getpeereid: isDarwin
      ? fn<NonNullable<PosixLibrary['getpeereid']>>(DARWIN_PROTOTYPES.getpeereid)
      : null,
    errno: () => koffi.errno(),
  });
}

function loadWindows(): WindowsLibrary {
  const koffi = loadKoffi();
  const path = LIBRARY_PATHS.win32;
  const library = openLibrary(koffi, path);
  const fn = <T>(prototype: string): T => declare<T>(library, path, prototype);
  const startup = fn<(version: number, data: Uint8Array) => number>(WINDOWS_PROTOTYPES.WSAStartup);
  const winsock: WindowsLibrary = Object.freeze({
    kind: 'win32',
    invalidSocket: (1n << BigInt(8 * koffi.sizeof('uintptr_t'))) - 1n,
    WSAGetLastError: fn<WindowsLibrary['WSAGetLastError']>(WINDOWS_PROTOTYPES.WSAGetLastError),
    WSASocketW: fn<WindowsLibrary['WSASocketW']>(WINDOWS_PROTOTYPES.WSASocketW),
    WSAIoctl: fn<WindowsLibrary['WSAIoctl']>(WINDOWS_PROTOTYPES.WSAIoctl),
    getsockopt: fn<WindowsLibrary['getsockopt']>(WINDOWS_PROTOTYPES.getsockopt),
    setsockopt: fn<WindowsLibrary['setsockopt']>(WINDOWS_PROTOTYPES.setsockopt),
    closesocket: fn<WindowsLibrary['closesocket']>(WINDOWS_PROTOTYPES.closesocket),
  });
  // WSAStartup reports its error as the return value (WSAGetLastError is not valid before it).
  const result = startup(WINSOCK_VERSION, Buffer.alloc(WSADATA_SIZE));
  if (result !== 0) throw systemErrorFromErrno('win32', result, 'WSAStartup', BACKEND_NAME);
  return winsock;
}

/**
 * The C library on Linux or macOS, loaded on first use.
 * @throws LoopfastError `ERR_LOOPFAST_BACKEND_UNAVAILABLE` when koffi or the library cannot be loaded.
 */
export function posix(platform: 'linux' | 'darwin'): PosixLibrary {
  posixLibrary ??= loadPosix(platform);
  return posixLibrary;
}

/**
 * Winsock, loaded and started on first use.
 * @throws LoopfastError `ERR_LOOPFAST_BACKEND_UNAVAILABLE` when koffi or `ws2_32.dll` cannot be loaded.
 * @throws LoopfastSystemError when `WSAStartup` fails (the next call tries again).
 */
export function windows(): WindowsLibrary {
  windowsLibrary ??= loadWindows();
  return windowsLibrary;
}
