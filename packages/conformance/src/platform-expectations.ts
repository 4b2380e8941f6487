/**
 * What differs between platforms, as data. The suites read these fields and never branch on
 * `process.platform` themselves, so the same assertions run on Linux, macOS and Windows.
 */
import { release } from 'node:os';
import { windowsHasFastPath } from '@loopfast/core';

/** What `applyLoopbackFastPath` does on a fresh TCP socket. */
export type FastPathOutcome =
  | { readonly outcome: 'applied' }
  | {
      readonly outcome: 'error';
      readonly code: string;
      readonly syscall: string;
      readonly unsupported: boolean;
    };

/** The expectations of one platform. */
export interface PlatformExpectations {
  /** A label for test titles. */
  readonly label: string;
  /** How a native socket becomes a `net.Socket`: the public `{ fd }` option, or `tcp_wrap`. */
  readonly handoff: 'fd' | 'tcp_wrap';
  /** The ioctl's result on a fresh TCP socket. */
  readonly fastPath: FastPathOutcome;
  /** The code for a descriptor that was closed. */
  readonly closedSocketCode: string;
  /**
   * The code `applyLoopbackFastPath` gives for a closed descriptor. Windows checks the socket
   * first (`WSAENOTSOCK`); Wine answers a control code it does not implement before it looks at
   * the socket, so there the call fails with `WSAEOPNOTSUPP` even for a closed one.
   */
  readonly closedSocketFastPathCode: string;
  /** The code for an open descriptor that is not a socket, or `null` where none can be made. */
  readonly regularFileCode: string | null;
  /** The code for an option the socket does not know. */
  readonly unknownOptionCode: string;
  /**
   * `SO_ACCEPTCONN` at `SOL_SOCKET` (nonzero once the socket listens), which core's socket
   * constants do not carry: it shows that a server Node listens with is the backend's socket.
   */
  readonly soAcceptConn: number;
  /** `sizeof(struct linger)`: two ints on POSIX, two `u_short`s on Windows. */
  readonly lingerSize: number;
  /** Whether peer credentials exist for Unix domain sockets. */
  readonly peerCredentials: boolean;
  /**
   * `sizeof(sun_path)` as the backends check paths against it (the path's NUL takes the last
   * byte): 108 on Linux, 104 on macOS. Windows validates a path as core does (104) before it
   * refuses the call.
   */
  readonly sunPathSize: number;
  /**
   * Whether Unix socket addresses may be abstract names (a NUL byte, then the name): Linux.
   * Elsewhere such an address is an invalid value (`ERR_INVALID_ARG_VALUE`), refused before any
   * socket is made.
   */
  readonly abstractSockets: boolean;
  /**
   * What `listTcpListeners` does: reads the kernel's table (`'read'`: Linux `sock_diag`), throws
   * `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` (`'unsupported'`: Windows, macOS), or fails with this code
   * from `socket` (qemu-user, which opens no `NETLINK_SOCK_DIAG` socket for its guest).
   */
  readonly tcpListenerTable: 'read' | 'unsupported' | { readonly socketCode: string };
  /**
   * What `connectUnixSocket` meets, or `null` where the backends refuse it with
   * `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` (Windows).
   */
  readonly unixSockets: {
    /**
     * The code for a path that is a regular file: Linux answers `ECONNREFUSED` (no socket is
     * bound to that inode); the BSD kernels check the file type first and answer `ENOTSOCK`.
     */
    readonly regularFileCode: string;
    /**
     * The code when the listener's accept queue is full: Linux `EAGAIN` (a blocking connect
     * would wait for room); the BSD kernels refuse the connection outright, `ECONNREFUSED`.
     */
    readonly fullBacklogCode: string;
  } | null;
  /** Where the process's open descriptors are listed, or `null` where there is no such list. */
  readonly descriptorDirectory: string | null;
  /** Whether `/proc/self/fdinfo` shows a descriptor's open flags (O_NONBLOCK, O_CLOEXEC). */
  readonly descriptorFlags: boolean;
  /**
   * Where there is no descriptor list (Windows): the open sockets are counted by asking every
   * handle value below `limit` (steps of 4, as handle values go) for `SO_TYPE` through the
   * backend. `null` where the descriptor list serves.
   */
  readonly socketCensus: { readonly limit: number } | null;
  /** What `@loopfast/net` reports for a requested fast path on a loopback address. */
  readonly net: {
    readonly state: 'enabled' | 'unsupported';
    /** The mechanism in force when enabled. */
    readonly mechanism: string | null;
    /** A pattern the status reason matches. */
    readonly reason: RegExp;
    /** The `code` of the status error, or `null` when the status carries no error. */
    readonly errorCode: string | null;
    /**
     * Whether `@loopfast/net` makes a requested fast-path socket with the backend (the Windows
     * route: native socket, ioctl, `tcp_wrap` handoff) rather than leaving it to Node.
     */
    readonly nativeSockets: boolean;
    /**
     * Whether the mechanism restricts socket options, so the option guard covers its sockets:
     * the Windows control code does; a Unix socket ignores TCP options harmlessly.
     */
    readonly optionGuard: boolean;
    /**
     * Whether a client gets the fast path only from a server that asked for it too (the
     * rendezvous); the Windows control code is applied on the client's side alone.
     */
    readonly bothSides: boolean;
  };
  /** A Python interpreter to run as a foreign peer, or `null` where there is none. */
  readonly python: string | null;
  /**
   * An ioctl request whose kernel side writes more than one int back (Linux `SIOCGIFCONF`,
   * 16 bytes of `struct ifconf`), or `null`: it proves the backend gives the kernel room.
   */
  readonly overlongIoctl: number | null;
}

const POSIX_UNSUPPORTED: FastPathOutcome = {
  outcome: 'error',
  code: 'EOPNOTSUPP',
  syscall: 'ioctl',
  unsupported: true,
};

const LINUX: PlatformExpectations = {
  label: 'Linux',
  handoff: 'fd',
  fastPath: POSIX_UNSUPPORTED,
  closedSocketCode: 'EBADF',
  closedSocketFastPathCode: 'EBADF',
  regularFileCode: 'ENOTSOCK',
  unknownOptionCode: 'ENOPROTOOPT',
  soAcceptConn: 30,
  lingerSize: 8,
  peerCredentials: true,
  sunPathSize: 108,
  abstractSockets: true,
  tcpListenerTable: 'read',
  unixSockets: { regularFileCode: 'ECONNREFUSED', fullBacklogCode: 'EAGAIN' },
  descriptorDirectory: '/proc/self/fd',
  descriptorFlags: true,
  socketCensus: null,
  net: {
    state: 'enabled',
    mechanism: 'unix-rendezvous',
    reason: /rendezvous @loopfast\/1\/s\//,
    errorCode: null,
    nativeSockets: false,
    optionGuard: false,
    bothSides: true,
  },
  python: 'python3',
  overlongIoctl: 0x8912,
};

const DARWIN: PlatformExpectations = {
  ...LINUX,
  label: 'macOS',
  soAcceptConn: 0x0002,
  sunPathSize: 104,
  abstractSockets: false,
  tcpListenerTable: 'unsupported',
  unixSockets: { regularFileCode: 'ENOTSOCK', fullBacklogCode: 'ECONNREFUSED' },
  descriptorDirectory: '/dev/fd',
  descriptorFlags: false,
  overlongIoctl: null,
};

/** Windows as Wine presents it: the real ws2_32 call shape, answered with WSAEOPNOTSUPP (10045). */
const WINDOWS_UNSUPPORTED: FastPathOutcome = {
  outcome: 'error',
  code: 'WSAEOPNOTSUPP',
  syscall: 'WSAIoctl',
  unsupported: true,
};

function windows(
  fastPath: FastPathOutcome,
  label: string,
  underWine = false,
): PlatformExpectations {
  return {
    label,
    handoff: 'tcp_wrap',
    fastPath,
    closedSocketCode: 'WSAENOTSOCK',
    closedSocketFastPathCode: underWine ? 'WSAEOPNOTSUPP' : 'WSAENOTSOCK',
    regularFileCode: null,
    unknownOptionCode: 'WSAENOPROTOOPT',
    soAcceptConn: 0x0002,
    lingerSize: 4,
    peerCredentials: false,
    sunPathSize: 104,
    abstractSockets: false,
    tcpListenerTable: 'unsupported',
    unixSockets: null,
    descriptorDirectory: null,
    descriptorFlags: false,
    // Wine hands out small handle values (a few hundred in a test process); Windows can go
    // higher, so its census looks further.
    socketCensus: { limit: underWine ? 0x4000 : 0x10000 },
    net:
      fastPath.outcome === 'applied'
        ? {
            state: 'enabled',
            mechanism: 'sio-loopback-fast-path',
            reason: /SIO_LOOPBACK_FAST_PATH applied/,
            errorCode: null,
            nativeSockets: true,
            optionGuard: true,
            bothSides: false,
          }
        : {
            state: 'unsupported',
            mechanism: null,
            reason: /WSAEOPNOTSUPP/,
            errorCode: fastPath.code,
            nativeSockets: true,
            optionGuard: true,
            bothSides: false,
          },
    python: null,
    overlongIoctl: null,
  };
}

/**
 * Set by the Windows lane: `1` when running under Wine, whose ws2_32 answers the fast-path ioctl
 * with `WSAEOPNOTSUPP` as Windows 7 does.
 */
export const WINE_ENV = 'CONFORMANCE_UNDER_WINE';

/** Set by the linux-arm64 lane: `1` when running under qemu-user. */
export const QEMU_ENV = 'CONFORMANCE_UNDER_QEMU';

/** Linux under qemu-user: its guests get no `NETLINK_SOCK_DIAG` socket. */
const LINUX_UNDER_QEMU: PlatformExpectations = {
  ...LINUX,
  label: 'Linux (qemu-user)',
  tcpListenerTable: { socketCode: 'EPROTONOSUPPORT' },
};

/**
 * The expectations for the running platform.
 * @param osRelease - the Windows version source (`os.release`), replaceable for tests.
 */
export function platformExpectations(
  platform: NodeJS.Platform = process.platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
  osRelease: () => string = release,
): PlatformExpectations {
  switch (platform) {
    case 'linux':
      return env[QEMU_ENV] === '1' ? LINUX_UNDER_QEMU : LINUX;
    case 'darwin':
      return DARWIN;
    case 'win32':
      if (env[WINE_ENV] === '1') return windows(WINDOWS_UNSUPPORTED, 'Windows (Wine)', true);
      return windowsHasFastPath(osRelease())
        ? windows({ outcome: 'applied' }, 'Windows')
        : windows(WINDOWS_UNSUPPORTED, 'Windows 7 or older');
    default:
      throw new Error(`loopfast's conformance suite has no expectations for ${platform}`);
  }
}
