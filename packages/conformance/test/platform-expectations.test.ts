import { describe, expect, it } from 'vitest';
import { platformExpectations, WINE_ENV } from '../src/index.js';

describe('platformExpectations', () => {
  it('expects the POSIX answer on Linux: EOPNOTSUPP from ioctl, unsupported in net', () => {
    const linux = platformExpectations('linux', {});
    expect(linux.fastPath).toEqual({
      outcome: 'error',
      code: 'EOPNOTSUPP',
      syscall: 'ioctl',
      unsupported: true,
    });
    expect(linux).toMatchObject({
      handoff: 'fd',
      closedSocketCode: 'EBADF',
      net: { state: 'unsupported', errorCode: null },
    });
  });

  it("expects Wine's WSAEOPNOTSUPP when the Windows lane says it runs under Wine", () => {
    const wine = platformExpectations('win32', { [WINE_ENV]: '1' });
    expect(wine.fastPath).toEqual({
      outcome: 'error',
      code: 'WSAEOPNOTSUPP',
      syscall: 'WSAIoctl',
      unsupported: true,
    });
    expect(wine).toMatchObject({
      handoff: 'tcp_wrap',
      closedSocketCode: 'WSAENOTSOCK',
      lingerSize: 4,
      python: null,
    });
    expect(wine.net).toMatchObject({ state: 'unsupported', errorCode: 'WSAEOPNOTSUPP' });
  });

  it('has no expectations for a platform loopfast does not know', () => {
    expect(() => platformExpectations('aix', {})).toThrow(/no expectations for aix/);
  });
});
