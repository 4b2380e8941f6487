/**
 * The contract every backend implements. `@loopfast/net` sees backends only through this
 * interface; a backend knows nothing of `net`.
 *
 * All methods are synchronous and validate their arguments before any native call: a wrong type
 * gives a `TypeError` with code `ERR_INVALID_ARG_TYPE`, a value out of range a `RangeError` with
 * code `ERR_OUT_OF_RANGE`, and a failed native call a {@link LoopfastSystemError}.
 *
 * @module
 */
import type { TcpListenerEntry } from './tcp-listener-table.js';
/**
 * A native socket: a file descriptor on POSIX, a `SOCKET` value on Windows. Non-negative and
 * within a signed 32-bit int, as libuv's `open()` takes it.
 */
export type NativeSocket = number;

/** An IP family: 4 for `AF_INET`, 6 for `AF_INET6`. */
export type IpFamily = 4 | 6;

/** The credentials of the process at the other end of a connected Unix domain socket. */
export interface PeerCredentials {
  /** Process id, or -1 where the platform does not report it. */
  readonly pid: number;
  /** Effective user id. */
  readonly uid: number;
  /** Effective group id. */
  readonly gid: number;
}

/** A Unix domain socket a backend connected, and who accepted it. */
export interface ConnectedUnixSocket {
  /** The connected socket, the caller's to hand to Node or to close. */
  readonly socket: NativeSocket;
  /** The credentials of the process at the other end, read as the connection was made. */
  readonly peer: PeerCredentials;
}

/** A native backend: socket creation, the fast-path ioctl, options and closing. */
export interface Backend {
  /** The backend's short name, such as `'ffi'` or `'napi'`; it appears in every error. */
  readonly name: string;
  /** The backend package's version. */
  readonly version: string;

  /**
   * Creates a TCP stream socket of the given family, made the way Node's event loop adopts one:
   * on Windows `WSASocketW` with `WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT`, on POSIX
   * non-blocking and close-on-exec. The caller owns it: once handed to Node, Node closes it; if
   * it is never handed over, close it with {@link Backend.closeSocket}.
   */
  createTcpSocket(family: IpFamily): NativeSocket;

  /**
   * Applies `SIO_LOOPBACK_FAST_PATH` through `WSAIoctl` with a 4-byte Boolean input and no
   * output. On a client call it before `connect`; on a listener before `listen`.
   * On POSIX, where no such ioctl exists, it checks the socket and then throws a
   * {@link LoopfastSystemError} with code `EOPNOTSUPP`.
   *
   * @param enabled - the Boolean passed to the ioctl; `true` by default.
   * @throws {@link LoopfastSystemError} `WSAEOPNOTSUPP` where Windows or its provider lacks it.
   */
  applyLoopbackFastPath(socket: NativeSocket, enabled?: boolean): void;

  /**
   * A generic socket ioctl. On Windows, `WSAIoctl(socket, code, input, output)` with any sizes up
   * to 64 KiB; on POSIX, `ioctl(socket, code, &int)` where `input` is absent or 4 bytes (the
   * int's initial value) and `outputLength` is 0 or 4.
   *
   * @returns the output buffer, cut to the bytes the call returned (empty for `outputLength` 0).
   */
  ioctl(
    socket: NativeSocket,
    code: number,
    input?: Uint8Array | null,
    outputLength?: number,
  ): Buffer;

  /** Reads an integer socket option (`getsockopt` with an `int`). */
  getSocketOption(socket: NativeSocket, level: number, name: number): number;

  /** Sets an integer socket option (`setsockopt` with an `int`). */
  setSocketOption(socket: NativeSocket, level: number, name: number, value: number): void;

  /**
   * Reads a socket option as raw bytes, for options that are structures (`SO_LINGER`).
   * @param length - the buffer size offered to `getsockopt`, 1 to 1024.
   * @returns the bytes the call filled in.
   */
  getSocketOptionBuffer(socket: NativeSocket, level: number, name: number, length: number): Buffer;

  /** Sets a socket option from raw bytes (1 to 1024). */
  setSocketOptionBuffer(socket: NativeSocket, level: number, name: number, value: Uint8Array): void;

  /**
   * The peer's credentials on a connected Unix domain socket: Linux `SO_PEERCRED`, macOS
   * `getpeereid` and `LOCAL_PEERPID`.
   * @throws LoopfastError `ERR_LOOPFAST_NOT_UNIX_SOCKET` for a socket of another family (a TCP
   * socket has no peer credentials; the kernel would answer with placeholders).
   * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
   */
  getPeerCredentials(socket: NativeSocket): PeerCredentials;

  /**
   * Connects a new Unix domain stream socket to `path`, without blocking: the socket is made
   * non-blocking and close-on-exec, and a Unix-domain `connect` either completes at once or fails
   * at once. The caller owns the connected socket: hand it to Node (`new net.Socket({ fd })`), or
   * close it with {@link Backend.closeSocket}. On failure nothing is left open.
   *
   * @param path - a socket file's absolute or relative path that fits `sun_path` (see
   * {@link unixPathLimit}), or on Linux an abstract name: a NUL byte, then at least one byte and
   * no further NUL, fitting `sun_path` (the kernel scopes such names to the network namespace).
   * @param localAddress - when given, the socket is bound to it before it connects, so the peer's
   * `getpeername` sees it (see {@link Backend.getUnixPeerAddress}); the same rules as `path`.
   * @throws {@link LoopfastSystemError} with `syscall` `'connect'`: `ENOENT` (no such file),
   * `ECONNREFUSED` (nobody listens there), `EAGAIN` (Linux: the listener's backlog is full),
   * `EACCES`, `ENOTSOCK`, ...; with `syscall` `'bind'`: `EADDRINUSE` (another socket holds
   * `localAddress`), ...
   * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
   */
  connectUnixSocket(path: string, localAddress?: string): NativeSocket;

  /**
   * {@link Backend.connectUnixSocket}, and the peer's credentials (as
   * {@link Backend.getPeerCredentials} reads them) in the same call: the socket is the backend's
   * own Unix domain socket, so nothing is asked of the kernel to check its family. The same
   * arguments and errors; a failure to read the credentials (`syscall` `'getsockopt'` or
   * `'getpeereid'`) closes the socket first, so nothing is left open on any failure.
   */
  connectUnixSocketWithPeer(path: string, localAddress?: string): ConnectedUnixSocket;

  /**
   * The address the peer of a connected Unix domain socket is bound to (`getpeername`): `''` for
   * an unbound peer, `'\0'` followed by the name for an abstract address (Linux), else the path.
   * @throws LoopfastError `ERR_LOOPFAST_NOT_UNIX_SOCKET` for a socket of another family.
   * @throws {@link LoopfastSystemError} with `syscall` `'getpeername'` (`ENOTCONN`, `EBADF`, ...).
   * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows.
   */
  getUnixPeerAddress(socket: NativeSocket): string;

  /**
   * The TCP sockets listening in this network namespace, of one family, on `port` (0: on every
   * port): Linux's `sock_diag`, a dump of the kernel's listeners that it filters by port itself,
   * made over a netlink socket the call opens and closes.
   * @throws {@link LoopfastSystemError} with `syscall` `'socket'`, `'send'` or `'recv'` (`EPERM`
   * or `EAFNOSUPPORT` where netlink is closed to the process, ...).
   * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` on Windows and macOS.
   */
  listTcpListeners(family: IpFamily, port: number): TcpListenerEntry[];

  /**
   * Closes a socket that was never handed to Node (`closesocket` on Windows, `close` on POSIX,
   * after checking the descriptor is a socket). Never call it on a socket Node has adopted.
   */
  closeSocket(socket: NativeSocket): void;
}
