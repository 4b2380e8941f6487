import { describe, expect, it } from 'vitest';
import { platformExpectations, WINE_ENV } from '../src/index.js';

describe('platformExpectations', () => {
  it('expects the POSIX answer on Linux: EOPNOTSUPP from ioctl, the rendezvous in net', () => {
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
      net: {
        state: 'enabled',
        mechanism: 'unix-rendezvous',
        errorCode: null,
        optionGuard: false,
        bothSides: true,
      },
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
    // Wine answers the control code before it looks at the socket; Windows checks the socket.
    expect(wine.closedSocketFastPathCode).toBe('WSAEOPNOTSUPP');
    expect(wine.socketCensus).toEqual({ limit: 0x4000 });
  });

  it('expects WSAENOTSOCK for the fast path on a closed socket on Windows itself', () => {
    const windows = platformExpectations('win32', {}, () => '10.0.19045');
    expect(windows.fastPath).toEqual({ outcome: 'applied' });
    expect(windows.closedSocketFastPathCode).toBe('WSAENOTSOCK');
    expect(windows.socketCensus).toEqual({ limit: 0x10000 });
    expect(windows.descriptorDirectory).toBeNull();
  });

  it('has no expectations for a platform loopfast does not know', () => {
    expect(() => platformExpectations('aix', {})).toThrow(/no expectations for aix/);
  });
});
