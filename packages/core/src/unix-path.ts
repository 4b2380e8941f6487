/**
 * Unix domain socket paths: how long `sun_path` is on each platform, and the check both backends
 * make before connecting, so an over-long path is refused instead of silently truncated.
 *
 * @module
 */
import { invalidArgTypeError, invalidArgValueError, outOfRangeError } from './argument-errors.js';

/** `sizeof(sockaddr_un.sun_path)`: 108 on Linux, 104 on macOS and the BSDs. */
export function sunPathSize(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' || platform === 'android' ? 108 : 104;
}

/** The longest path, in bytes of UTF-8, that fits `sun_path` with its terminating NUL. */
export function unixPathLimit(platform: NodeJS.Platform = process.platform): number {
  return sunPathSize(platform) - 1;
}

/**
 * Throws unless `path` is a non-empty string without NUL bytes whose UTF-8 form fits `sun_path`
 * on `platform`. Returns the path's UTF-8 bytes, NUL-terminated, ready for a `sockaddr_un`.
 */
export function validateUnixSocketPath(
  path: unknown,
  platform: NodeJS.Platform = process.platform,
  name = 'path',
): Buffer {
  if (typeof path !== 'string') throw invalidArgTypeError(name, 'of type string', path);
  if (path === '' || path.includes('\0')) {
    throw invalidArgValueError(name, path, 'must be a non-empty path without NUL bytes');
  }
  const bytes = Buffer.from(`${path}\0`, 'utf8');
  const limit = unixPathLimit(platform);
  if (bytes.length - 1 > limit) {
    throw outOfRangeError(
      `${name}.length`,
      `<= ${limit} bytes (sun_path) on ${platform}`,
      bytes.length - 1,
    );
  }
  return bytes;
}
