import { describe, expect, it } from 'vitest';
import {
  DARWIN_SOCKET_CONSTANTS,
  LINUX_SOCKET_CONSTANTS,
  socketConstants,
  WINDOWS_SOCKET_CONSTANTS,
} from '../src/index.js';

describe('socketConstants', () => {
  it('picks the table of each supported platform', () => {
    expect(socketConstants('win32')).toBe(WINDOWS_SOCKET_CONSTANTS);
    expect(socketConstants('linux')).toBe(LINUX_SOCKET_CONSTANTS);
    expect(socketConstants('darwin')).toBe(DARWIN_SOCKET_CONSTANTS);
    expect(socketConstants().SOCK_STREAM).toBe(1);
  });

  it('differs where the platforms differ', () => {
    expect(
      [WINDOWS_SOCKET_CONSTANTS, LINUX_SOCKET_CONSTANTS, DARWIN_SOCKET_CONSTANTS].map(
        (t) => t.AF_INET6,
      ),
    ).toEqual([23, 10, 30]);
    expect(LINUX_SOCKET_CONSTANTS.SOL_SOCKET).not.toBe(WINDOWS_SOCKET_CONSTANTS.SOL_SOCKET);
  });

  it('has the same keys in every table', () => {
    const keys = Object.keys(WINDOWS_SOCKET_CONSTANTS).sort();
    expect(Object.keys(LINUX_SOCKET_CONSTANTS).sort()).toEqual(keys);
    expect(Object.keys(DARWIN_SOCKET_CONSTANTS).sort()).toEqual(keys);
  });

  it('refuses a platform it has no table for', () => {
    expect(() => socketConstants('aix')).toThrow(
      expect.objectContaining({ code: 'ERR_LOOPFAST_UNSUPPORTED_PLATFORM' }),
    );
  });
});
