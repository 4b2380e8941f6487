/**
 * Linux's table of TCP listeners through `sock_diag` (`NETLINK_SOCK_DIAG`, a
 * `SOCK_DIAG_BY_FAMILY` dump restricted to the `LISTEN` state): the request's bytes and the
 * reading of the kernel's answer. The kernel walks its listening hash alone for such a dump and
 * filters it by port itself, where `/proc/net/tcp` walks every established-socket bucket (about
 * 8 ms on a host with a large table, against a few microseconds). The backends make the exchange;
 * the bytes are built and read here, once for both.
 *
 * Layouts from the kernel's UAPI headers `linux/netlink.h` (`struct nlmsghdr`, `NLMSG_ERROR`,
 * `NLMSG_DONE`), `linux/sock_diag.h` (`SOCK_DIAG_BY_FAMILY`) and `linux/inet_diag.h`
 * (`struct inet_diag_req_v2`, `struct inet_diag_msg`, `INET_DIAG_SKV6ONLY`).
 *
 * @module
 */
import { endianness } from 'node:os';
import type { IpFamily } from './backend.js';
import { LoopfastError, LoopfastErrorCode, systemErrorFromErrno } from './errors.js';
import { validateFamily, validateInteger } from './validate.js';

/** A TCP socket in the LISTEN state, as the kernel's table lists it. */
export interface TcpListenerEntry {
  /** The family of the socket: 6 for an IPv6 socket, dual-stack ones included. */
  readonly family: IpFamily;
  /**
   * The bound address as Node writes addresses: dotted for IPv4; compressed for IPv6, with an
   * IPv4-mapped one as `::ffff:a.b.c.d`.
   */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** The user id that owns the socket. */
  readonly uid: number;
  /** The socket's inode number, as `fstat` of its descriptor and `/proc/<pid>/fd` show it. */
  readonly inode: number;
  /** Whether an IPv6 socket takes IPv6 clients only (`IPV6_V6ONLY`); false for an IPv4 socket. */
  readonly ipv6Only: boolean;
}

/** What a backend needs to open the netlink socket of the exchange (Linux values). */
export const SOCK_DIAG_SOCKET = Object.freeze({
  AF_NETLINK: 16,
  /** `SOCK_DGRAM | SOCK_CLOEXEC`: the descriptor must not outlive an `exec`. */
  SOCK_DGRAM_CLOEXEC: 2 | 0o2000000,
  NETLINK_SOCK_DIAG: 4,
});

/** The sizes, offsets and values of the kernel's structures used here (checked against them). */
export const SOCK_DIAG_LAYOUT = Object.freeze({
  NLMSG_HEADER: 16,
  NLMSG_ERROR: 2,
  NLMSG_DONE: 3,
  NLM_F_REQUEST: 0x1,
  NLM_F_DUMP: 0x300,
  SOCK_DIAG_BY_FAMILY: 20,
  INET_DIAG_REQ_V2: 56,
  REQ_STATES: 4,
  REQ_SPORT: 8,
  INET_DIAG_MSG: 72,
  MSG_SPORT: 4,
  MSG_SRC: 8,
  MSG_UID: 64,
  MSG_INODE: 68,
  INET_DIAG_SKV6ONLY: 11,
  TCP_LISTEN: 10,
  IPPROTO_TCP: 6,
  AF_INET: 2,
  AF_INET6: 10,
});
const {
  NLMSG_HEADER,
  NLMSG_ERROR,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  SOCK_DIAG_BY_FAMILY,
  INET_DIAG_REQ_V2,
  REQ_STATES,
  REQ_SPORT,
  INET_DIAG_MSG,
  MSG_SPORT,
  MSG_SRC,
  MSG_UID,
  MSG_INODE,
  INET_DIAG_SKV6ONLY,
  TCP_LISTEN,
  IPPROTO_TCP,
  AF_INET,
  AF_INET6,
} = SOCK_DIAG_LAYOUT;

const littleEndian = endianness() === 'LE';

/**
 * Checks the arguments of `Backend.listTcpListeners`, then the platform.
 * @throws LoopfastError `ERR_LOOPFAST_UNSUPPORTED_PLATFORM` anywhere but Linux.
 */
export function validateTcpListenerQuery(
  family: unknown,
  port: unknown,
  platform: NodeJS.Platform,
  backend: string,
): { family: IpFamily; port: number } {
  const checked = { family: validateFamily(family), port: validateInteger(port, 'port', 0, 65535) };
  if (platform !== 'linux') {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `the kernel's table of TCP listeners is read through Linux's sock_diag, which ${platform} does not have [${backend} backend]`,
    );
  }
  return checked;
}

/**
 * The request for the TCP listeners of `family` on `port` (0: on every port): a netlink header
 * and an `inet_diag_req_v2`, in the host's byte order but for the port, which is the network's.
 */
export function tcpListenerRequest(family: IpFamily, port: number): Buffer {
  const request = Buffer.alloc(NLMSG_HEADER + INET_DIAG_REQ_V2);
  const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
  view.setUint32(0, request.length, littleEndian);
  view.setUint16(4, SOCK_DIAG_BY_FAMILY, littleEndian);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, littleEndian);
  view.setUint32(8, 1, littleEndian);
  request[NLMSG_HEADER] = family === 4 ? AF_INET : AF_INET6;
  request[NLMSG_HEADER + 1] = IPPROTO_TCP;
  view.setUint32(NLMSG_HEADER + REQ_STATES, 1 << TCP_LISTEN, littleEndian);
  // inet_diag_sockid.idiag_sport, big-endian: the kernel skips listeners on other ports.
  view.setUint16(NLMSG_HEADER + REQ_SPORT, port, false);
  return request;
}

/** Each netlink message in `bytes`: its type and its payload (after the header). */
function* messages(bytes: Uint8Array): Generator<{ type: number; payload: DataView }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + NLMSG_HEADER <= bytes.byteLength) {
    const length = view.getUint32(at, littleEndian);
    if (length < NLMSG_HEADER || at + length > bytes.byteLength) return;
    yield {
      type: view.getUint16(at + 4, littleEndian),
      payload: new DataView(
        bytes.buffer,
        bytes.byteOffset + at + NLMSG_HEADER,
        length - NLMSG_HEADER,
      ),
    };
    at += (length + 3) & ~3;
  }
}

/** Whether `bytes` (one `recv` of the answer) holds the message that ends it. */
export function tcpListenerAnswerEnded(bytes: Uint8Array): boolean {
  for (const { type } of messages(bytes)) {
    if (type === NLMSG_DONE || type === NLMSG_ERROR) return true;
  }
  return false;
}

/** IPv6 text as Node writes it: the longest run of two or more zero groups as `::`. */
function ipv6Text(bytes: DataView, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.getUint16(at + 2 * i, false));
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const ipv4 = [12, 13, 14, 15].map((i) => bytes.getUint8(at + i)).join('.');
    return `::ffff:${ipv4}`;
  }
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > best.length && end - i >= 2) best = { start: i, length: end - i };
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start === -1) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/**
 * The listeners in the kernel's whole answer to {@link tcpListenerRequest}.
 * @throws {@link LoopfastSystemError} with `syscall` `'recv'` when the kernel answered with an
 * error (its `errno`, such as `EPERM` or `EINVAL`), or when the answer ends without its last message.
 */
export function tcpListenersFromAnswer(answer: Uint8Array, backend: string): TcpListenerEntry[] {
  const found: TcpListenerEntry[] = [];
  for (const { type, payload } of messages(answer)) {
    if (type === NLMSG_DONE) return found;
    if (type === NLMSG_ERROR) {
      const errno = -payload.getInt32(0, littleEndian);
      throw systemErrorFromErrno('linux', errno, 'recv', backend);
    }
    if (type !== SOCK_DIAG_BY_FAMILY || payload.byteLength < INET_DIAG_MSG) continue;
    const family: IpFamily = payload.getUint8(0) === AF_INET ? 4 : 6;
    const address =
      family === 4
        ? [0, 1, 2, 3].map((i) => payload.getUint8(MSG_SRC + i)).join('.')
        : ipv6Text(payload, MSG_SRC);
    let ipv6Only = false;
    for (let at = INET_DIAG_MSG; at + 4 <= payload.byteLength; ) {
      const length = payload.getUint16(at, littleEndian);
      if (length < 4) break;
      if (payload.getUint16(at + 2, littleEndian) === INET_DIAG_SKV6ONLY && length >= 5) {
        ipv6Only = payload.getUint8(at + 4) !== 0;
      }
      at += (length + 3) & ~3;
    }
    found.push({
      family,
      address,
      port: payload.getUint16(MSG_SPORT, false),
      uid: payload.getUint32(MSG_UID, littleEndian),
      inode: payload.getUint32(MSG_INODE, littleEndian),
      ipv6Only,
    });
  }
  // 22: EINVAL, as the kernel says of a message it cannot read.
  throw systemErrorFromErrno('linux', 22, 'recv', backend, 'the kernel answer ended early');
}
