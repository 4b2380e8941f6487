import { describe, expect, it } from 'vitest';
import { LINUX_SOCKET_CONSTANTS } from '../src/index.js';
import { SOCK_DIAG_LAYOUT, SOCK_DIAG_SOCKET } from '../src/tcp-listener-table.js';
import { checkAgainstHeaders, shouldRunWith } from './header-check.js';

const GCC = 'gcc';
const HEADERS = ['sys/socket.h', 'sys/un.h', 'sys/ioctl.h', 'netinet/in.h', 'netinet/tcp.h'];

describe.runIf(
  process.platform === 'linux' && shouldRunWith(GCC, 'Linux constants against glibc headers'),
)('Linux socket constants match the glibc headers', () => {
  it('every value in LINUX_SOCKET_CONSTANTS', () => {
    const constants = Object.entries(LINUX_SOCKET_CONSTANTS).map(([name, value]) => ({
      name,
      value,
    }));
    expect(checkAgainstHeaders(GCC, HEADERS, constants)).toEqual({ mismatched: [], missing: [] });
  });
});

/** Where a name of the sock_diag layout is not the header's own macro. */
const SOCK_DIAG_EXPRESSIONS: Readonly<Record<string, string>> = {
  NLMSG_HEADER: 'sizeof(struct nlmsghdr)',
  INET_DIAG_REQ_V2: 'sizeof(struct inet_diag_req_v2)',
  REQ_STATES: 'offsetof(struct inet_diag_req_v2, idiag_states)',
  REQ_SPORT: 'offsetof(struct inet_diag_req_v2, id.idiag_sport)',
  INET_DIAG_MSG: 'sizeof(struct inet_diag_msg)',
  MSG_SPORT: 'offsetof(struct inet_diag_msg, id.idiag_sport)',
  MSG_SRC: 'offsetof(struct inet_diag_msg, id.idiag_src)',
  MSG_UID: 'offsetof(struct inet_diag_msg, idiag_uid)',
  MSG_INODE: 'offsetof(struct inet_diag_msg, idiag_inode)',
  SOCK_DGRAM_CLOEXEC: 'SOCK_DGRAM | SOCK_CLOEXEC',
};

describe.runIf(
  process.platform === 'linux' && shouldRunWith(GCC, 'sock_diag layout against the kernel headers'),
)("the table of TCP listeners matches the kernel's headers", () => {
  it('every size, offset and value of SOCK_DIAG_LAYOUT and SOCK_DIAG_SOCKET', () => {
    const constants = Object.entries({ ...SOCK_DIAG_LAYOUT, ...SOCK_DIAG_SOCKET }).map(
      ([name, value]) => ({ name, value, expression: SOCK_DIAG_EXPRESSIONS[name] }),
    );
    const headers = [
      'stddef.h',
      'sys/socket.h',
      'netinet/in.h',
      'netinet/tcp.h',
      'linux/netlink.h',
      'linux/sock_diag.h',
      'linux/inet_diag.h',
    ];
    expect(checkAgainstHeaders(GCC, headers, constants, ['_GNU_SOURCE'])).toEqual({
      mismatched: [],
      missing: [],
    });
  });
});
