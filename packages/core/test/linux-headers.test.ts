import { describe, expect, it } from 'vitest';
import { LINUX_SOCKET_CONSTANTS } from '../src/index.js';
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
