import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  FAST_PATH_ERRORS,
  lookupWinsockError,
  OTHER_WINSOCK_ERRORS,
  posixErrorMeaning,
  posixErrorName,
} from '../src/index.js';

describe('Winsock error table', () => {
  it('holds the ten codes the specification documents, with their numbers', () => {
    expect(Object.fromEntries(FAST_PATH_ERRORS.map((e) => [e.name, e.errno]))).toEqual({
      WSA_IO_PENDING: 997,
      WSA_OPERATION_ABORTED: 995,
      WSAEACCES: 10013,
      WSAEFAULT: 10014,
      WSAEINPROGRESS: 10036,
      WSAEINTR: 10004,
      WSAEINVAL: 10022,
      WSAENETDOWN: 10050,
      WSAENOTSOCK: 10038,
      WSAEOPNOTSUPP: 10045,
    });
    expect(FAST_PATH_ERRORS.every((e) => e.documentedForFastPath)).toBe(true);
    expect(OTHER_WINSOCK_ERRORS.some((e) => e.documentedForFastPath)).toBe(false);
  });

  it('has no duplicate numbers or names and a meaning for each', () => {
    const all = [...FAST_PATH_ERRORS, ...OTHER_WINSOCK_ERRORS];
    expect(new Set(all.map((e) => e.errno)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.name)).size).toBe(all.length);
    for (const e of all) expect(e.meaning.length).toBeGreaterThan(15);
  });

  it('names POSIX counterparts that exist on this platform', () => {
    for (const e of [...FAST_PATH_ERRORS, ...OTHER_WINSOCK_ERRORS]) {
      if (e.posix !== null) expect(constants.errno).toHaveProperty(e.posix);
    }
    expect(lookupWinsockError('WSAEOPNOTSUPP')?.posix).toBe('EOPNOTSUPP');
  });

  it('looks up by number and by name', () => {
    expect(lookupWinsockError(10045)?.name).toBe('WSAEOPNOTSUPP');
    expect(lookupWinsockError('WSAENOTSOCK')?.errno).toBe(10038);
    expect(lookupWinsockError(10042)?.name).toBe('WSAENOPROTOOPT');
    expect(lookupWinsockError(12345)).toBeUndefined();
    expect(lookupWinsockError('EBADF')).toBeUndefined();
  });

  it('rejects a key that is neither number nor string', () => {
    expect(() => lookupWinsockError(null as unknown as number)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('POSIX errno names', () => {
  it('names numbers from this platform', () => {
    expect(posixErrorName(constants.errno.EBADF)).toBe('EBADF');
    expect(posixErrorName(constants.errno.ENOTSOCK)).toBe('ENOTSOCK');
    expect(posixErrorName(constants.errno.EOPNOTSUPP)).toBe('EOPNOTSUPP');
    expect(posixErrorName(constants.errno.EAGAIN)).toBe('EAGAIN');
    expect(posixErrorName(99_999)).toBe('ERRNO_99999');
  });

  it('gives a meaning for the names backends raise and a generic one otherwise', () => {
    expect(posixErrorMeaning('ENOTSOCK')).toMatch(/not a socket/);
    expect(posixErrorMeaning('EOPNOTSUPP')).toBe('this platform has no such operation');
    expect(posixErrorMeaning('EWHATEVER')).toBe('the system call failed');
  });
});
