import { describe, expect, it } from 'vitest';
import {
  FAST_PATH_MIN_WINDOWS_VERSION,
  parseWindowsRelease,
  windowsHasFastPath,
} from '../src/index.js';

describe('Windows version check', () => {
  it('parses os.release() strings', () => {
    expect(parseWindowsRelease('10.0.19045')).toEqual({ major: 10, minor: 0, build: 19045 });
    expect(parseWindowsRelease('6.1')).toEqual({ major: 6, minor: 1, build: 0 });
  });

  it.each([
    ['6.0.6002', false], // Vista / Server 2008: the 2019 page's metadata is wrong here
    ['6.1.7601', false], // Windows 7 / Server 2008 R2: WSAEOPNOTSUPP per the 2014 page
    ['6.2.9200', true], // Windows 8 / Server 2012
    ['6.3.9600', true],
    ['10.0.17763', true],
    ['10.0.26100', true],
  ])('%s -> %s', (release, expected) => {
    expect(windowsHasFastPath(release)).toBe(expected);
  });

  it('states the minimum as NT 6.2', () => {
    expect(FAST_PATH_MIN_WINDOWS_VERSION).toEqual({ major: 6, minor: 2 });
  });

  it.each(['', 'ten', '10', '10.0.x', '5.1.2600 SP3', null, 10])('rejects %o', (release) => {
    expect(() => windowsHasFastPath(release as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });
});
