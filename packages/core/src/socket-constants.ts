/**
 * Numeric socket constants per platform. Backends take numbers, not names, so the same call
 * works everywhere once the right table is picked.
 *
 * Windows values are checked against mingw-w64's Winsock headers and Linux values against
 * glibc's headers by the test suite. macOS values come from the macOS SDK's `sys/socket.h`,
 * `sys/un.h`, `netinet/in.h`, `netinet6/in6.h` and `netinet/tcp.h`; no macOS headers are on the
 * machines that run the suite, so those are not machine-checked.
 *
 * @module
 */
import { LoopfastError, LoopfastErrorCode } from './errors.js';

/** The constants a backend and its tests need, as numbers for one platform. */
export interface SocketConstants {
  /** `AF_INET`. */ readonly AF_INET: number;
  /** `AF_INET6`. */ readonly AF_INET6: number;
  /** `AF_UNIX`. */ readonly AF_UNIX: number;
  /** `SOCK_STREAM`. */ readonly SOCK_STREAM: number;
  /** `SOL_SOCKET`. */ readonly SOL_SOCKET: number;
  /** `IPPROTO_IP`. */ readonly IPPROTO_IP: number;
  /** `IPPROTO_IPV6`. */ readonly IPPROTO_IPV6: number;
  /** `IPPROTO_TCP`. */ readonly IPPROTO_TCP: number;
  /** `SO_REUSEADDR`. */ readonly SO_REUSEADDR: number;
  /** `SO_KEEPALIVE`. */ readonly SO_KEEPALIVE: number;
  /** `SO_LINGER` (a `struct linger`, not an int). */ readonly SO_LINGER: number;
  /** `SO_SNDBUF`. */ readonly SO_SNDBUF: number;
  /** `SO_RCVBUF`. */ readonly SO_RCVBUF: number;
  /** `SO_ERROR`. */ readonly SO_ERROR: number;
  /** `SO_TYPE`. */ readonly SO_TYPE: number;
  /** `IP_TOS`. */ readonly IP_TOS: number;
  /** `IP_TTL`. */ readonly IP_TTL: number;
  /** `IPV6_UNICAST_HOPS`. */ readonly IPV6_UNICAST_HOPS: number;
  /** `IPV6_V6ONLY`. */ readonly IPV6_V6ONLY: number;
  /** `TCP_NODELAY`. */ readonly TCP_NODELAY: number;
  /** `FIONREAD`: bytes waiting to be read (an ioctl request). */ readonly FIONREAD: number;
  /** `FIONBIO`: set non-blocking mode (an ioctl request). */ readonly FIONBIO: number;
}

/** Windows (Winsock 2). */
export const WINDOWS_SOCKET_CONSTANTS: SocketConstants = Object.freeze({
  AF_INET: 2,
  AF_INET6: 23,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOL_SOCKET: 0xffff,
  IPPROTO_IP: 0,
  IPPROTO_IPV6: 41,
  IPPROTO_TCP: 6,
  SO_REUSEADDR: 0x0004,
  SO_KEEPALIVE: 0x0008,
  SO_LINGER: 0x0080,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  IP_TOS: 3,
  IP_TTL: 4,
  IPV6_UNICAST_HOPS: 4,
  IPV6_V6ONLY: 27,
  TCP_NODELAY: 1,
  FIONREAD: 0x4004_667f,
  FIONBIO: 0x8004_667e,
});

/** Linux (glibc, x86-64 and the other common architectures). */
export const LINUX_SOCKET_CONSTANTS: SocketConstants = Object.freeze({
  AF_INET: 2,
  AF_INET6: 10,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOL_SOCKET: 1,
  IPPROTO_IP: 0,
  IPPROTO_IPV6: 41,
  IPPROTO_TCP: 6,
  SO_REUSEADDR: 2,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_ERROR: 4,
  SO_TYPE: 3,
  IP_TOS: 1,
  IP_TTL: 2,
  IPV6_UNICAST_HOPS: 16,
  IPV6_V6ONLY: 26,
  TCP_NODELAY: 1,
  FIONREAD: 0x541b,
  FIONBIO: 0x5421,
});

/** macOS (values from the macOS SDK headers; see the module note). */
export const DARWIN_SOCKET_CONSTANTS: SocketConstants = Object.freeze({
  AF_INET: 2,
  AF_INET6: 30,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOL_SOCKET: 0xffff,
  IPPROTO_IP: 0,
  IPPROTO_IPV6: 41,
  IPPROTO_TCP: 6,
  SO_REUSEADDR: 0x0004,
  SO_KEEPALIVE: 0x0008,
  SO_LINGER: 0x0080,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  IP_TOS: 3,
  IP_TTL: 4,
  IPV6_UNICAST_HOPS: 4,
  IPV6_V6ONLY: 27,
  TCP_NODELAY: 1,
  FIONREAD: 0x4004_667f,
  FIONBIO: 0x8004_667e,
});

const TABLES: Readonly<Partial<Record<NodeJS.Platform, SocketConstants>>> = {
  win32: WINDOWS_SOCKET_CONSTANTS,
  linux: LINUX_SOCKET_CONSTANTS,
  darwin: DARWIN_SOCKET_CONSTANTS,
};

/**
 * The socket constants for a platform (the running one by default).
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` for a platform loopfast has no table for.
 */
export function socketConstants(platform: NodeJS.Platform = process.platform): SocketConstants {
  const table = TABLES[platform];
  if (!table) {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `loopfast has no socket constants for platform "${platform}" (supported: win32, linux, darwin)`,
    );
  }
  return table;
}
