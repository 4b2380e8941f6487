import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  isUnsupportedError,
  LoopfastError,
  LoopfastErrorCode,
  LoopfastSystemError,
} from '../src/index.js';
import {
  ADDONS_DISABLED_HINT,
  isAddonLoadingDisabled,
  nativeLoadHint,
  systemErrorFromErrno,
} from '../src/internal.js';

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
    [Object.assign(new Error('not supported'), { code: 'ENOTSUP' }), true],
    // Not an Error: the guard promises `message` and the rest of an Error.
    [{ code: 'ENOTSUP' }, false],
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

describe('addons refused by the permission model', () => {
  const refused = Object.assign(new Error('Cannot load native addon'), {
    code: 'ERR_DLOPEN_DISABLED',
  });

  it('is recognized on the error and along its cause chain', () => {
    expect(isAddonLoadingDisabled(refused)).toBe(true);
    const wrapped = new LoopfastError(LoopfastErrorCode.BACKEND_UNAVAILABLE, 'no addon', {
      cause: new Error('koffi could not load', { cause: refused }),
    });
    expect(isAddonLoadingDisabled(wrapped)).toBe(true);
    expect(isAddonLoadingDisabled(new Error('ENOENT'))).toBe(false);
    expect(isAddonLoadingDisabled(null)).toBe(false);
    // A cause cycle ends the walk instead of looping.
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isAddonLoadingDisabled(cyclic)).toBe(false);
  });

  it("gives the --allow-addons hint instead of the backend's reinstall advice", () => {
    expect(nativeLoadHint(refused, 'Reinstall.')).toBe(ADDONS_DISABLED_HINT);
    expect(ADDONS_DISABLED_HINT).toContain('--allow-addons');
    expect(nativeLoadHint(new Error('dlopen failed'), 'Reinstall.')).toBe('Reinstall.');
  });
});
