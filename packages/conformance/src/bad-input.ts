/**
 * The bad-input table: every backend method with arguments of the wrong type or range. Each row
 * must throw the named error before any native call, and the process must live on.
 */
import type { Backend, NativeSocket } from '@loopfast/core';
import { type PlatformExpectations, platformExpectations } from './platform-expectations.js';

/** One bad call: which method, a label, how to build the arguments, and what it must throw. */
export interface BadInputCase {
  readonly method: keyof Backend & string;
  readonly label: string;
  /** Builds the argument list; `socket` is a valid fresh socket for rows that need one. */
  readonly args: (socket: NativeSocket) => unknown[];
  readonly type: 'TypeError' | 'RangeError';
  readonly code: 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE';
}

const BAD_DESCRIPTORS: readonly [string, unknown, BadInputCase['type'], BadInputCase['code']][] = [
  ['-1', -1, 'RangeError', 'ERR_OUT_OF_RANGE'],
  ['2^40', 2 ** 40, 'RangeError', 'ERR_OUT_OF_RANGE'],
  ['NaN', Number.NaN, 'RangeError', 'ERR_OUT_OF_RANGE'],
  ['1.5', 1.5, 'RangeError', 'ERR_OUT_OF_RANGE'],
  ['a string', '3', 'TypeError', 'ERR_INVALID_ARG_TYPE'],
  ['null', null, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
  ['undefined', undefined, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
  ['an object', { fd: 3 }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
];

/** Valid arguments after the socket, per method, so only the socket is wrong. */
const REST: Readonly<Record<string, unknown[]>> = {
  applyLoopbackFastPath: [true],
  ioctl: [0, null, 0],
  getSocketOption: [1, 1],
  setSocketOption: [1, 1, 1],
  getSocketOptionBuffer: [1, 1, 4],
  setSocketOptionBuffer: [1, 1, Buffer.alloc(4)],
  getPeerCredentials: [],
  getUnixPeerAddress: [],
  closeSocket: [],
};

/**
 * All rows of the table.
 * @param expectations - the platform's expectations (for the `sun_path` size); the running
 * platform's by default.
 */
export function badInputCases(
  expectations: PlatformExpectations = platformExpectations(),
): BadInputCase[] {
  const rows: BadInputCase[] = [];
  for (const [method, rest] of Object.entries(REST)) {
    for (const [label, value, type, code] of BAD_DESCRIPTORS) {
      rows.push({
        method: method as BadInputCase['method'],
        label: `socket ${label}`,
        args: () => [value, ...rest],
        type,
        code,
      });
    }
  }
  const row = (
    method: BadInputCase['method'],
    label: string,
    args: BadInputCase['args'],
    type: BadInputCase['type'],
    code: BadInputCase['code'],
  ) => rows.push({ method, label, args, type, code });
  row('createTcpSocket', 'family 5', () => [5], 'TypeError', 'ERR_INVALID_ARG_VALUE');
  row('createTcpSocket', "family '4'", () => ['4'], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('createTcpSocket', 'no family', () => [], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('listTcpListeners', 'family 5', () => [5, 80], 'TypeError', 'ERR_INVALID_ARG_VALUE');
  row('listTcpListeners', "family '4'", () => ['4', 80], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('listTcpListeners', 'port -1', () => [4, -1], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('listTcpListeners', 'port 65536', () => [4, 65536], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('listTcpListeners', 'port 1.5', () => [4, 1.5], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('listTcpListeners', "port '80'", () => [4, '80'], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('listTcpListeners', 'no port', () => [4], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row(
    'applyLoopbackFastPath',
    "enabled 'yes'",
    (s) => [s, 'yes'],
    'TypeError',
    'ERR_INVALID_ARG_TYPE',
  );
  row('applyLoopbackFastPath', 'enabled 1', (s) => [s, 1], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('ioctl', 'code -1', (s) => [s, -1, null, 0], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('ioctl', 'code 2^40', (s) => [s, 2 ** 40, null, 0], 'RangeError', 'ERR_OUT_OF_RANGE');
  row(
    'ioctl',
    "code 'FIONREAD'",
    (s) => [s, 'FIONREAD', null, 0],
    'TypeError',
    'ERR_INVALID_ARG_TYPE',
  );
  row('ioctl', 'input a string', (s) => [s, 0, 'abcd', 0], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row(
    'ioctl',
    'input over 64 KiB',
    (s) => [s, 0, Buffer.alloc(0x10001), 0],
    'RangeError',
    'ERR_OUT_OF_RANGE',
  );
  row('ioctl', 'output length -1', (s) => [s, 0, null, -1], 'RangeError', 'ERR_OUT_OF_RANGE');
  row(
    'ioctl',
    'output length NaN',
    (s) => [s, 0, null, Number.NaN],
    'RangeError',
    'ERR_OUT_OF_RANGE',
  );
  row('getSocketOption', 'level 2^40', (s) => [s, 2 ** 40, 1], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('getSocketOption', "name '8'", (s) => [s, 1, '8'], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('setSocketOption', 'value 2^40', (s) => [s, 1, 1, 2 ** 40], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('setSocketOption', 'value true', (s) => [s, 1, 1, true], 'TypeError', 'ERR_INVALID_ARG_TYPE');
  row('setSocketOption', 'value 0.5', (s) => [s, 1, 1, 0.5], 'RangeError', 'ERR_OUT_OF_RANGE');
  row('getSocketOptionBuffer', 'length 0', (s) => [s, 1, 1, 0], 'RangeError', 'ERR_OUT_OF_RANGE');
  row(
    'getSocketOptionBuffer',
    'length 1025',
    (s) => [s, 1, 1, 1025],
    'RangeError',
    'ERR_OUT_OF_RANGE',
  );
  row(
    'setSocketOptionBuffer',
    'an array',
    (s) => [s, 1, 1, [1, 0, 0, 0]],
    'TypeError',
    'ERR_INVALID_ARG_TYPE',
  );
  row(
    'setSocketOptionBuffer',
    'an empty buffer',
    (s) => [s, 1, 1, Buffer.alloc(0)],
    'RangeError',
    'ERR_OUT_OF_RANGE',
  );
  row(
    'setSocketOptionBuffer',
    'a 2 KiB buffer',
    (s) => [s, 1, 1, Buffer.alloc(2048)],
    'RangeError',
    'ERR_OUT_OF_RANGE',
  );
  for (const row of lyingViewRows()) rows.push(row);
  for (const row of unixPathRows(expectations)) rows.push(row);
  return rows;
}

/** A `Uint8Array` subclass whose `byteLength` getter says `claimed`, whatever the view holds. */
function lyingView(realLength: number, claimed: number): Uint8Array {
  class LyingView extends Uint8Array {
    override get byteLength(): number {
      return claimed;
    }
  }
  return new LyingView(realLength);
}

/**
 * Byte arguments that lie about themselves: the length a native call reads must be the view's
 * real one (a getter that says 4 for 2 KiB would pass a size check and hand native code more
 * than was checked, or, the other way round, make it read past the view), and only a real
 * `Uint8Array` is one (a proxy or an object that merely inherits from `Uint8Array.prototype`
 * is refused with a code, not with the engine's uncoded `TypeError`).
 */
function lyingViewRows(): BadInputCase[] {
  const cases: [
    BadInputCase['method'],
    string,
    BadInputCase['args'],
    BadInputCase['type'],
    BadInputCase['code'],
  ][] = [
    [
      'setSocketOptionBuffer',
      'a 2 KiB Uint8Array subclass whose byteLength says 4',
      (s) => [s, 1, 1, lyingView(2048, 4)],
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'setSocketOptionBuffer',
      'an empty Uint8Array subclass whose byteLength says 4',
      (s) => [s, 1, 1, lyingView(0, 4)],
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'setSocketOptionBuffer',
      'a Proxy of a 4-byte Uint8Array',
      (s) => [s, 1, 1, new Proxy(new Uint8Array(4), {})],
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'setSocketOptionBuffer',
      'an object that only inherits from Uint8Array.prototype',
      (s) => [s, 1, 1, Object.create(Uint8Array.prototype)],
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'ioctl',
      'input of 64 KiB + 1 in a Uint8Array subclass whose byteLength says 4',
      (s) => [s, 0, lyingView(0x10001, 4), 0],
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'ioctl',
      'input a Proxy of a 4-byte Uint8Array',
      (s) => [s, 0, new Proxy(new Uint8Array(4), {}), 0],
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
  ];
  return cases.map(([method, label, args, type, code]) => ({ method, label, args, type, code }));
}

/**
 * `connectUnixSocket` addresses that must be refused before any socket is made, as `path` and as
 * `localAddress` (after a valid path): wrong types, empty, a NUL byte (Node and the kernel would
 * cut the path there), paths one byte too long for `sun_path` with its NUL, in one-byte and in
 * multibyte characters (the limit counts bytes), and abstract names: where they exist (Linux) a
 * NUL alone, one with a second NUL, or one longer than `sun_path` (whose leading NUL counts);
 * elsewhere any of them.
 */
function unixPathRows(x: PlatformExpectations): BadInputCase[] {
  const { sunPathSize, abstractSockets } = x;
  const tooLong = `/${'a'.repeat(sunPathSize - 1)}`;
  // Two-byte characters: half as many characters as bytes, so a character count would pass it.
  const tooLongInUtf8 = `/${'é'.repeat(sunPathSize / 2)}`;
  const tooLongAbstract = `\0${'a'.repeat(sunPathSize)}`;
  const abstractValue = abstractSockets ? null : 'ERR_INVALID_ARG_VALUE';
  const addresses: [string, unknown, BadInputCase['type'], BadInputCase['code']][] = [
    ['42', 42, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    ['null', null, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    ['a Buffer', Buffer.from('/tmp/s.sock'), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    ["''", '', 'TypeError', 'ERR_INVALID_ARG_VALUE'],
    ['with a NUL byte', '/tmp/a\0b.sock', 'TypeError', 'ERR_INVALID_ARG_VALUE'],
    ['a NUL alone', '\0', 'TypeError', 'ERR_INVALID_ARG_VALUE'],
    ['an abstract name with a second NUL', '\0loop\0fast', 'TypeError', 'ERR_INVALID_ARG_VALUE'],
    [`of ${sunPathSize} bytes`, tooLong, 'RangeError', 'ERR_OUT_OF_RANGE'],
    [
      `of ${sunPathSize / 2 + 1} characters, ${sunPathSize + 1} bytes of UTF-8`,
      tooLongInUtf8,
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      `an abstract name of ${sunPathSize + 1} bytes with its leading NUL`,
      tooLongAbstract,
      abstractValue ? 'TypeError' : 'RangeError',
      abstractValue ?? 'ERR_OUT_OF_RANGE',
    ],
  ];
  if (!abstractSockets) {
    addresses.push(['an abstract name', '\0loopfast', 'TypeError', 'ERR_INVALID_ARG_VALUE']);
  }
  const valid = '/tmp/loopfast.sock';
  const rows: BadInputCase[] = [
    {
      method: 'connectUnixSocket',
      label: 'no path',
      args: () => [],
      type: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    },
  ];
  for (const [label, value, type, code] of addresses) {
    rows.push({
      method: 'connectUnixSocket',
      label: `path ${label}`,
      args: () => [value],
      type,
      code,
    });
    // undefined means "no local address", so it is no bad value for localAddress.
    rows.push({
      method: 'connectUnixSocket',
      label: `localAddress ${label}`,
      args: () => [valid, value],
      type,
      code,
    });
  }
  return rows;
}
