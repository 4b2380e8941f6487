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
  /** The code for an open descriptor that is not a socket, or `null` where none can be made. */
  readonly regularFileCode: string | null;
  /** The code for an option the socket does not know. */
  readonly unknownOptionCode: string;
  /** `sizeof(struct linger)`: two ints on POSIX, two `u_short`s on Windows. */
  readonly lingerSize: number;
  /** Whether peer credentials exist for Unix domain sockets. */
  readonly peerCredentials: boolean;
  /** Where the process's open descriptors are listed, or `null` where there is no such list. */
  readonly descriptorDirectory: string | null;
  /** Whether `/proc/self/fdinfo` shows a descriptor's open flags (O_NONBLOCK, O_CLOEXEC). */
  readonly descriptorFlags: boolean;
  /** What `@loopfast/net` reports for a requested fast path on a loopback address. */
  readonly net: {
    readonly state: 'enabled' | 'unsupported';
    /** The mechanism in force when enabled. */
    readonly mechanism: string | null;
    /** A pattern the status reason matches. */
    readonly reason: RegExp;
    /** The `code` of the status error, or `null` when the status carries no error. */
    readonly errorCode: string | null;
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
  regularFileCode: 'ENOTSOCK',
  unknownOptionCode: 'ENOPROTOOPT',
  lingerSize: 8,
  peerCredentials: true,
  descriptorDirectory: '/proc/self/fd',
  descriptorFlags: true,
  net: {
    state: 'unsupported',
    mechanism: null,
    reason: /linux has no SIO_LOOPBACK_FAST_PATH/,
    errorCode: null,
  },
  python: 'python3',
  overlongIoctl: 0x8912,
};

const DARWIN: PlatformExpectations = {
  ...LINUX,
  label: 'macOS',
  descriptorDirectory: '/dev/fd',
  descriptorFlags: false,
  net: { ...LINUX.net, reason: /darwin has no SIO_LOOPBACK_FAST_PATH/ },
  overlongIoctl: null,
};

/** Windows as Wine presents it: the real ws2_32 call shape, answered with WSAEOPNOTSUPP (10045). */
const WINDOWS_UNSUPPORTED: FastPathOutcome = {
  outcome: 'error',
  code: 'WSAEOPNOTSUPP',
  syscall: 'WSAIoctl',
  unsupported: true,
};

function windows(fastPath: FastPathOutcome, label: string): PlatformExpectations {
  return {
    label,
    handoff: 'tcp_wrap',
    fastPath,
    closedSocketCode: 'WSAENOTSOCK',
    regularFileCode: null,
    unknownOptionCode: 'WSAENOPROTOOPT',
    lingerSize: 4,
    peerCredentials: false,
    descriptorDirectory: null,
    descriptorFlags: false,
    net:
      fastPath.outcome === 'applied'
        ? {
            state: 'enabled',
            mechanism: 'sio-loopback-fast-path',
            reason: /SIO_LOOPBACK_FAST_PATH applied/,
            errorCode: null,
          }
        : {
            state: 'unsupported',
            mechanism: null,
            reason: /WSAEOPNOTSUPP/,
            errorCode: fastPath.code,
          },
    python: null,
    overlongIoctl: null,
  };
}

/**
 * Set by the Windows lane: `1` when running under Wine, whose ws2_32 answers the fast-path ioctl
 * with `WSAEOPNOTSUPP` as Windows 7 does.
 */
export const WINE_ENV = 'LOOPFAST_UNDER_WINE';

/** The expectations for the running platform. */
export function platformExpectations(
  platform: NodeJS.Platform = process.platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PlatformExpectations {
  switch (platform) {
    case 'linux':
      return LINUX;
    case 'darwin':
      return DARWIN;
    case 'win32':
      if (env[WINE_ENV] === '1') return windows(WINDOWS_UNSUPPORTED, 'Windows (Wine)');
      return windowsHasFastPath(release())
        ? windows({ outcome: 'applied' }, 'Windows')
        : windows(WINDOWS_UNSUPPORTED, 'Windows 7 or older');
    default:
      throw new Error(`loopfast's conformance suite has no expectations for ${platform}`);
  }
}
