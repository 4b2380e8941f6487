import { describe, expect, it } from 'vitest';
import {
  hasAbstractSockets,
  sunPathSize,
  unixAddressFromSunPath,
  unixPathLimit,
  validateUnixSocketPath,
} from '../src/internal.js';
import { checkAgainstHeaders, shouldRunWith } from './header-check.js';

function thrown(call: () => unknown): Error & { code?: string } {
  try {
    call();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

/** An absolute path of exactly `bytes` bytes of UTF-8 made of one-byte characters. */
function pathOfBytes(bytes: number): string {
  return `/${'a'.repeat(bytes - 1)}`;
}

describe('sun_path sizes', () => {
  it('is 108 bytes on Linux (and Android), 104 on macOS and the BSDs', () => {
    expect(sunPathSize('linux')).toBe(108);
    expect(sunPathSize('android')).toBe(108);
    expect(sunPathSize('darwin')).toBe(104);
    expect(sunPathSize('freebsd')).toBe(104);
    expect(sunPathSize('openbsd')).toBe(104);
  });

  it('leaves one byte for the terminating NUL', () => {
    expect(unixPathLimit('linux')).toBe(107);
    expect(unixPathLimit('darwin')).toBe(103);
  });

  it.runIf(
    process.platform === 'linux' && shouldRunWith('gcc', 'sun_path size against glibc headers'),
  )('matches sizeof(sun_path) in the glibc headers of this machine', () => {
    const result = checkAgainstHeaders(
      'gcc',
      ['sys/un.h'],
      [{ name: 'LOOPFAST_SUN_PATH_SIZE', value: sunPathSize('linux') }],
      ['LOOPFAST_SUN_PATH_SIZE=sizeof(((struct sockaddr_un *)0)->sun_path)'],
    );
    expect(result).toEqual({ mismatched: [], missing: [] });
  });

  it('defaults to the running platform', () => {
    expect(sunPathSize()).toBe(sunPathSize(process.platform));
    expect(unixPathLimit()).toBe(unixPathLimit(process.platform));
  });
});

describe('validateUnixSocketPath', () => {
  it.each([
    ['linux', 107],
    ['darwin', 103],
  ] as const)('accepts a path of exactly the limit on %s (%i bytes)', (platform, limit) => {
    const path = pathOfBytes(limit);
    const bytes = validateUnixSocketPath(path, platform);
    expect(bytes.length).toBe(limit + 1);
    expect(bytes.length).toBe(sunPathSize(platform));
  });

  it.each([
    ['linux', 108],
    ['darwin', 104],
  ] as const)('refuses one byte more on %s (%i bytes) with ERR_OUT_OF_RANGE', (platform, size) => {
    const error = thrown(() => validateUnixSocketPath(pathOfBytes(size), platform));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe('ERR_OUT_OF_RANGE');
    expect(error.message).toContain(`<= ${size - 1} bytes (sun_path) on ${platform}`);
    expect(error.message).toContain(`Received ${size}`);
  });

  it('refuses a path that fits on Linux but not on macOS, only on macOS', () => {
    const path = pathOfBytes(105);
    expect(validateUnixSocketPath(path, 'linux').length).toBe(106);
    expect(thrown(() => validateUnixSocketPath(path, 'darwin')).code).toBe('ERR_OUT_OF_RANGE');
  });

  it('returns the UTF-8 bytes with one terminating NUL', () => {
    const bytes = validateUnixSocketPath('/tmp/s.sock', 'linux');
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes).toEqual(Buffer.from('/tmp/s.sock\0', 'latin1'));
    expect(bytes.indexOf(0)).toBe(bytes.length - 1);
  });

  it('accepts a relative path', () => {
    expect(validateUnixSocketPath('s.sock', 'linux')).toEqual(Buffer.from('s.sock\0'));
  });

  it('counts multibyte UTF-8 in bytes, not characters', () => {
    // 'é' is two bytes and 'λ' two, '€' three, '😀' four (one character, two UTF-16 units).
    const twoByte = `/${'é'.repeat(53)}`; // 1 + 106 = 107 bytes, 54 characters
    expect(twoByte.length).toBe(54);
    const bytes = validateUnixSocketPath(twoByte, 'linux');
    expect(bytes.length).toBe(108);
    expect(bytes.subarray(0, -1).toString('utf8')).toBe(twoByte);

    const overByOne = `${twoByte}a`; // 108 bytes in 55 characters
    const error = thrown(() => validateUnixSocketPath(overByOne, 'linux'));
    expect(error.code).toBe('ERR_OUT_OF_RANGE');
    expect(error.message).toContain('Received 108');

    const emoji = `/${'😀'.repeat(26)}`; // 1 + 104 = 105 bytes, 53 UTF-16 units
    expect(validateUnixSocketPath(emoji, 'linux').length).toBe(106);
    expect(thrown(() => validateUnixSocketPath(emoji, 'darwin')).code).toBe('ERR_OUT_OF_RANGE');

    const euro = `/${'€'.repeat(35)}a`; // 1 + 105 + 1 = 107 bytes
    expect(validateUnixSocketPath(euro, 'linux').length).toBe(108);
    expect(thrown(() => validateUnixSocketPath(`${euro}a`, 'linux')).code).toBe('ERR_OUT_OF_RANGE');
  });

  it.each([
    ['an empty string', ''],
    ['a NUL byte inside', '/tmp/a\0b'],
    ['a trailing NUL', '/tmp/s.sock\0'],
    ['a NUL alone', '\0'],
    ['an abstract name with a second NUL', '\0loop\0fast'],
  ])('refuses %s with ERR_INVALID_ARG_VALUE', (_label, path) => {
    const error = thrown(() => validateUnixSocketPath(path, 'linux'));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(error.message).toContain("The argument 'path' must be a non-empty path");
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['a Buffer', Buffer.from('/tmp/s.sock')],
    ['a URL', new URL('file:///tmp/s.sock')],
    ['a String object', new String('/tmp/s.sock')],
    ['a symbol', Symbol('path')],
  ])('refuses %s with ERR_INVALID_ARG_TYPE', (_label, path) => {
    const error = thrown(() => validateUnixSocketPath(path, 'linux'));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error.message).toContain('The "path" argument must be of type string');
  });

  it('refuses an abstract name where there is no abstract namespace (macOS)', () => {
    const error = thrown(() => validateUnixSocketPath('\0loopfast', 'darwin'));
    expect(error.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(error.message).toContain('must be a non-empty path without NUL bytes');
    expect(error.message).not.toContain('abstract');
  });

  it('names the argument it was given a name for', () => {
    expect(thrown(() => validateUnixSocketPath(1, 'linux', 'rendezvous')).message).toContain(
      'The "rendezvous" argument',
    );
    expect(
      thrown(() => validateUnixSocketPath(pathOfBytes(200), 'linux', 'rendezvous')).message,
    ).toContain('"rendezvous.length"');
  });

  it('checks the type before the value, and the value before the length', () => {
    expect(thrown(() => validateUnixSocketPath(123, 'linux')).code).toBe('ERR_INVALID_ARG_TYPE');
    // Too long and containing a NUL: the NUL is the reported problem.
    expect(thrown(() => validateUnixSocketPath(`${pathOfBytes(300)}\0`, 'linux')).code).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
  });
});

describe('abstract names (Linux)', () => {
  it('exist on Linux and Android only', () => {
    expect(hasAbstractSockets('linux')).toBe(true);
    expect(hasAbstractSockets('android')).toBe(true);
    expect(hasAbstractSockets('darwin')).toBe(false);
    expect(hasAbstractSockets('win32')).toBe(false);
  });

  it('returns the name exactly: its leading NUL, no terminating one', () => {
    const bytes = validateUnixSocketPath('\0loopfast-é', 'linux');
    expect(bytes).toEqual(Buffer.from([0, ...Buffer.from('loopfast-é')]));
    expect(bytes.lastIndexOf(0)).toBe(0);
  });

  it('takes up to all 108 bytes of sun_path, the leading NUL included', () => {
    const longest = `\0${'n'.repeat(107)}`;
    expect(validateUnixSocketPath(longest, 'linux').length).toBe(108);
    const error = thrown(() => validateUnixSocketPath(`${longest}n`, 'linux', 'localAddress'));
    expect(error.code).toBe('ERR_OUT_OF_RANGE');
    expect(error.message).toContain('"localAddress.length"');
  });

  it('names both accepted forms when it refuses a value', () => {
    const error = thrown(() => validateUnixSocketPath('\0', 'linux', 'localAddress'));
    expect(error.message).toContain("The argument 'localAddress' must be a non-empty path");
    expect(error.message).toContain('a non-empty abstract name without NUL bytes');
  });
});

describe('unixAddressFromSunPath', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it("reads no bytes, or NULs alone, as an unbound socket's ''", () => {
    expect(unixAddressFromSunPath(new Uint8Array(0), 'linux')).toBe('');
    expect(unixAddressFromSunPath(new Uint8Array(0), 'darwin')).toBe('');
    expect(unixAddressFromSunPath(new Uint8Array(14), 'darwin')).toBe('');
  });

  it('reads a path up to its first NUL', () => {
    expect(unixAddressFromSunPath(bytes('/tmp/s.sock\0'), 'linux')).toBe('/tmp/s.sock');
    expect(unixAddressFromSunPath(bytes('/tmp/s.sock\0junk'), 'darwin')).toBe('/tmp/s.sock');
    expect(unixAddressFromSunPath(bytes('/tmp/é.sock'), 'linux')).toBe('/tmp/é.sock');
  });

  it('reads an abstract name whole on Linux, and never on macOS', () => {
    expect(unixAddressFromSunPath(bytes('\0loop\0fast'), 'linux')).toBe('\0loop\0fast');
    expect(unixAddressFromSunPath(bytes('\0loopfast'), 'darwin')).toBe('');
  });

  it('reads a view at its own offset', () => {
    const view = new Uint8Array(bytes('xx/a.sock\0')).subarray(2);
    expect(unixAddressFromSunPath(view, 'linux')).toBe('/a.sock');
  });

  it('round-trips what validateUnixSocketPath writes', () => {
    for (const address of ['/tmp/s.sock', 'relative.sock', '\0loopfast-test', '\0é']) {
      expect(unixAddressFromSunPath(validateUnixSocketPath(address, 'linux'), 'linux')).toBe(
        address,
      );
    }
  });
});
