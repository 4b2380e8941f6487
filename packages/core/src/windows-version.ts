/**
 * Which Windows versions have the loopback fast path.
 *
 * The 2014 page says Windows 8 / Server 2012 (NT 6.2) and its error table says Windows 7 /
 * Server 2008 R2 and earlier answer `WSAEOPNOTSUPP`. The 2019 page's metadata says "Windows
 * Vista", which its own history contradicts; loopfast follows the 2014 page.
 *
 * @module
 */
import { invalidArgValueError } from './argument-errors.js';

/** A parsed Windows NT version. */
export interface WindowsVersion {
  /** NT major version (10 for Windows 10 and 11). */
  readonly major: number;
  /** NT minor version. */
  readonly minor: number;
  /** Build number, or 0 when the release string has none. */
  readonly build: number;
}

/** The first NT version with the fast path: 6.2 (Windows 8, Windows Server 2012). */
export const FAST_PATH_MIN_WINDOWS_VERSION: Readonly<Pick<WindowsVersion, 'major' | 'minor'>> =
  Object.freeze({ major: 6, minor: 2 });

/** Parses an `os.release()` string from Windows, such as `'10.0.19045'` or `'6.1.7601'`. */
export function parseWindowsRelease(release: string): WindowsVersion {
  const match =
    typeof release === 'string' ? /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(release.trim()) : null;
  if (!match) {
    throw invalidArgValueError(
      'release',
      release,
      'must look like "major.minor[.build]" (os.release() on Windows)',
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]), build: Number(match[3] ?? 0) };
}

/** Whether this Windows release has the loopback fast path (NT 6.2 or later). */
export function windowsHasFastPath(release: string): boolean {
  const { major, minor } = parseWindowsRelease(release);
  const min = FAST_PATH_MIN_WINDOWS_VERSION;
  return major > min.major || (major === min.major && minor >= min.minor);
}
