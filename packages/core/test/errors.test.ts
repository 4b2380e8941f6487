import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  isUnsupportedError,
  LoopfastError,
  LoopfastErrorCode,
  LoopfastSystemError,
  systemErrorFromErrno,
} from '../src/index.js';

describe('systemErrorFromErrno', () => {
  it('names Winsock numbers with their WSA name on win32', () => {
    const error = systemErrorFromErrno('win32', 10045, 'WSAIoctl', 'ffi');
    expect(error).toBeInstanceOf(LoopfastSystemError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'WSAEOPNOTSUPP',
      errno: 10045,
      syscall: 'WSAIoctl',
      backend: 'ffi',
    });
    expect(error.message).toContain('WSAIoctl WSAEOPNOTSUPP (10045)');
    expect(error.message).toContain('normal loopback path');
    expect(error.message).toContain('[ffi backend]');
  });

  it('keeps an unknown Winsock number visible', () => {
    expect(systemErrorFromErrno('win32', 11001, 'WSASocketW', 'napi').code).toBe('WSA_ERROR_11001');
  });

  it('names POSIX numbers with their errno name', () => {
    const error = systemErrorFromErrno(
      'linux',
      constants.errno.EBADF,
      'getsockopt',
      'napi',
      'Check the socket.',
    );
    expect(error).toMatchObject({
      code: 'EBADF',
      errno: constants.errno.EBADF,
      syscall: 'getsockopt',
      backend: 'napi',
    });
    expect(error.message).toMatch(
      /^getsockopt EBADF \(\d+\): the descriptor is not open \[napi backend\] Check the socket\.$/,
    );
  });
});

describe('isUnsupportedError', () => {
  it.each([
    [systemErrorFromErrno('win32', 10045, 'WSAIoctl', 'ffi'), true],
    [systemErrorFromErrno('linux', constants.errno.EOPNOTSUPP, 'ioctl', 'ffi'), true],
    [{ code: 'ENOTSUP' }, true],
    [new LoopfastError(LoopfastErrorCode.UNSUPPORTED_PLATFORM, 'no'), true],
    [systemErrorFromErrno('win32', 10038, 'WSAIoctl', 'ffi'), false],
    [new LoopfastError(LoopfastErrorCode.BACKEND_UNAVAILABLE, 'no'), false],
    [new Error('WSAEOPNOTSUPP'), false],
    [null, false],
    ['WSAEOPNOTSUPP', false],
  ])('%o -> %s', (error, expected) => {
    expect(isUnsupportedError(error)).toBe(expected);
  });
});

describe('LoopfastError', () => {
  it('carries a code and a cause', () => {
    const cause = new Error('dlopen failed');
    const error = new LoopfastError(LoopfastErrorCode.BACKEND_UNAVAILABLE, 'koffi could not load', {
      cause,
    });
    expect(error).toMatchObject({
      name: 'LoopfastError',
      code: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE',
      cause,
    });
  });
});
