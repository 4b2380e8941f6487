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

/** Whether `platform` has the abstract socket namespace (names that start with a NUL byte). */
export function hasAbstractSockets(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'linux' || platform === 'android';
}

/**
 * Throws unless `path` is a Unix socket address `connect` and `bind` can take on `platform`: a
 * non-empty path without NUL bytes, or (Linux) an abstract name, a NUL byte followed by at least
 * one byte and no other NUL; either fitting `sun_path`. Returns the bytes that go into
 * `sun_path`: a path's UTF-8 bytes and their terminating NUL; an abstract name's bytes exactly
 * (its length is the address length, and no NUL ends it).
 */
export function validateUnixSocketPath(
  path: unknown,
  platform: NodeJS.Platform = process.platform,
  name = 'path',
): Buffer {
  if (typeof path !== 'string') throw invalidArgTypeError(name, 'of type string', path);
  const abstract = path.startsWith('\0') && hasAbstractSockets(platform);
  const body = abstract ? path.slice(1) : path;
  if (body === '' || body.includes('\0')) {
    throw invalidArgValueError(
      name,
      path,
      hasAbstractSockets(platform)
        ? 'must be a non-empty path without NUL bytes, or a NUL byte and a non-empty abstract name without NUL bytes'
        : 'must be a non-empty path without NUL bytes',
    );
  }
  const bytes = Buffer.from(abstract ? path : `${path}\0`, 'utf8');
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

/**
 * The address in a `sockaddr_un`, from its `sun_path` bytes as `getpeername` or `getsockname`
 * filled them (the returned length less the offset of `sun_path`): `''` for an unbound socket
 * (no bytes, or NULs alone), `'\0'` and the name for an abstract address on `platform` (Linux),
 * else the path up to its first NUL. Names and paths are read as UTF-8, the encoding
 * {@link validateUnixSocketPath} writes them in (loopfast's own names are ASCII).
 */
export function unixAddressFromSunPath(
  sunPath: Uint8Array,
  platform: NodeJS.Platform = process.platform,
): string {
  const bytes = Buffer.from(sunPath.buffer, sunPath.byteOffset, sunPath.byteLength);
  if (bytes.length > 1 && bytes[0] === 0 && hasAbstractSockets(platform)) {
    return `\0${bytes.toString('utf8', 1)}`;
  }
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}
