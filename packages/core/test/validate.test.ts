import { describe, expect, it } from 'vitest';
import {
  invalidArgTypeError,
  invalidArgValueError,
  MAX_IOCTL_BUFFER,
  outOfRangeError,
  validateBoolean,
  validateBytes,
  validateFamily,
  validateInt32,
  validateIoctlBuffers,
  validateSocketDescriptor,
  validateUint32,
} from '../src/internal.js';

const TYPE = { type: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
const RANGE = { type: RangeError, code: 'ERR_OUT_OF_RANGE' };
const VALUE = { type: TypeError, code: 'ERR_INVALID_ARG_VALUE' };

function expectError(call: () => unknown, { type, code }: { type: typeof Error; code: string }) {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect(thrown).toHaveProperty('code', code);
}

describe('argument errors', () => {
  it('read like Node errors', () => {
    expect(invalidArgTypeError('port', 'of type number', 'x').message).toBe(
      `The "port" argument must be of type number. Received type string ('x')`,
    );
    expect(outOfRangeError('fd', '>= 0', -1).message).toBe(
      'The value of "fd" is out of range. It must be >= 0. Received -1',
    );
    expect(invalidArgValueError('family', 5, 'must be 4 or 6').message).toBe(
      "The argument 'family' must be 4 or 6. Received 5",
    );
    expect(invalidArgTypeError('x', 'a Buffer', {}).message).toContain(
      'Received an instance of Object',
    );
  });
});

describe('socket descriptors', () => {
  it('accepts 0 and the int32 maximum', () => {
    expect(validateSocketDescriptor(0)).toBe(0);
    expect(validateSocketDescriptor(0x7fffffff)).toBe(0x7fffffff);
  });

  it.each([
    ['-1', -1, RANGE],
    ['2^40', 2 ** 40, RANGE],
    ['2^31', 2 ** 31, RANGE],
    ['NaN', Number.NaN, RANGE],
    ['1.5', 1.5, RANGE],
    ['Infinity', Number.POSITIVE_INFINITY, RANGE],
    ['a string', '3', TYPE],
    ['a bigint', 3n, TYPE],
    ['undefined', undefined, TYPE],
    ['null', null, TYPE],
    ['an object', { fd: 3 }, TYPE],
  ])('rejects %s', (_label, value, expected) => {
    expectError(() => validateSocketDescriptor(value), expected);
  });
});

describe('integers', () => {
  it('int32 takes negatives (SO_EXCLUSIVEADDRUSE is -5) but not past 32 bits', () => {
    expect(validateInt32(-5, 'name')).toBe(-5);
    expectError(() => validateInt32(2 ** 31, 'name'), RANGE);
    expectError(() => validateInt32(-(2 ** 31) - 1, 'name'), RANGE);
  });

  it('uint32 takes 0xffffffff but no negatives', () => {
    expect(validateUint32(0xffffffff, 'code')).toBe(0xffffffff);
    expectError(() => validateUint32(-1, 'code'), RANGE);
    expectError(() => validateUint32(2 ** 32, 'code'), RANGE);
  });
});

describe('family, boolean, bytes', () => {
  it('family is 4 or 6', () => {
    expect(validateFamily(4)).toBe(4);
    expect(validateFamily(6)).toBe(6);
    expectError(() => validateFamily(5), VALUE);
    expectError(() => validateFamily('4'), TYPE);
  });

  it('boolean is a real boolean', () => {
    expect(validateBoolean(false, 'enabled')).toBe(false);
    expectError(() => validateBoolean(1, 'enabled'), TYPE);
  });

  it('bytes are a Uint8Array within bounds', () => {
    const bytes = Buffer.alloc(4);
    expect(validateBytes(bytes, 'value', 1, 4)).toBe(bytes);
    expect(validateBytes(new Uint8Array(2), 'value', 1, 4)).toBeInstanceOf(Uint8Array);
    expectError(() => validateBytes(Buffer.alloc(5), 'value', 1, 4), RANGE);
    expectError(() => validateBytes(Buffer.alloc(0), 'value', 1, 4), RANGE);
    expectError(() => validateBytes([1, 2], 'value', 1, 4), TYPE);
  });
});

describe('ioctl buffers', () => {
  it('on Windows take any size up to 64 KiB', () => {
    expect(validateIoctlBuffers('win32', Buffer.alloc(4), 0)).toEqual({
      input: Buffer.alloc(4),
      outputLength: 0,
    });
    expect(validateIoctlBuffers('win32', null, MAX_IOCTL_BUFFER).outputLength).toBe(
      MAX_IOCTL_BUFFER,
    );
    expect(validateIoctlBuffers('win32', undefined, undefined)).toEqual({
      input: null,
      outputLength: 0,
    });
    expectError(() => validateIoctlBuffers('win32', Buffer.alloc(MAX_IOCTL_BUFFER + 1), 0), RANGE);
    expectError(() => validateIoctlBuffers('win32', null, -1), RANGE);
  });

  it('on POSIX take one int: input absent or 4 bytes, output 0 or 4', () => {
    expect(validateIoctlBuffers('linux', Buffer.alloc(4), 4).outputLength).toBe(4);
    expect(validateIoctlBuffers('darwin', null, 0).input).toBeNull();
    expectError(() => validateIoctlBuffers('linux', Buffer.alloc(8), 4), RANGE);
    expectError(() => validateIoctlBuffers('linux', null, 8), RANGE);
    expectError(() => validateIoctlBuffers('linux', 'abcd', 4), TYPE);
    expectError(() => validateIoctlBuffers('linux', null, 2.5), RANGE);
  });
});
