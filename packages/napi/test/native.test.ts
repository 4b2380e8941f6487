/**
 * What is specific to the Node-API backend: the addon's own argument checks (the backstop behind
 * the TypeScript validators), the one shape of its native errors, its Node-API version, and the
 * ioctl scratch area.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { unixPair } from '@loopfast/conformance';
import { LoopfastSystemError, socketConstants } from '@loopfast/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon, translateNativeError } from '../src/addon.js';
import { backend } from '../src/index.js';

const C = socketConstants();
const isWindows = process.platform === 'win32';
const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as {
  version: string;
  binary: { napi_versions: number[] };
};

const opened: number[] = [];
function fresh(addon: NativeAddon): number {
  const socket = addon.createTcpSocket(4);
  opened.push(socket);
  return socket;
}
afterEach(() => {
  for (const socket of opened.splice(0)) backend.closeSocket(socket);
});

function thrown(call: () => unknown): Error & { code?: string; errno?: number; syscall?: string } {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('the addon', () => {
  it('declares the Node-API version package.json advertises', () => {
    const addon = loadAddon();
    expect(packageJson.binary.napi_versions).toEqual([addon.napiVersion]);
    expect(addon.napiVersion).toBeLessThanOrEqual(Number(process.versions.napi));
  });

  it('reports the package version', () => {
    expect(backend.version).toBe(packageJson.version);
  });

  // Called directly, bypassing the TypeScript validators: wrong types must throw, never crash.
  const s = () => fresh(loadAddon());
  const cases: [string, (a: NativeAddon) => unknown, 'TypeError' | 'RangeError', string][] = [
    [
      'createTcpSocket()',
      (a) => a.createTcpSocket(undefined as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'createTcpSocket(5)',
      (a) => a.createTcpSocket(5 as never),
      'TypeError',
      'ERR_INVALID_ARG_VALUE',
    ],
    ['closeSocket({})', (a) => a.closeSocket({} as never), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    ['closeSocket(-1)', (a) => a.closeSocket(-1), 'RangeError', 'ERR_OUT_OF_RANGE'],
    ['closeSocket(2^31)', (a) => a.closeSocket(2 ** 31), 'RangeError', 'ERR_OUT_OF_RANGE'],
    [
      'getSocketOption(NaN)',
      (a) => a.getSocketOption(Number.NaN, 1, 1),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'getSocketOption(s, 1.5)',
      (a) => a.getSocketOption(s(), 1.5, 1),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      "getSocketOption(s, 1, '8')",
      (a) => a.getSocketOption(s(), 1, '8' as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'getSocketOption(s, 1n)',
      (a) => a.getSocketOption(s(), 1n as never, 1),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'setSocketOption(s, 1, 1)',
      (a) => a.setSocketOption(s(), 1, 1, undefined as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'setSocketOption(s, 1, 1, 2^40)',
      (a) => a.setSocketOption(s(), 1, 1, 2 ** 40),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'getSocketOptionBuffer(s, 1, 1, 0)',
      (a) => a.getSocketOptionBuffer(s(), 1, 1, 0),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'getSocketOptionBuffer(s, 1, 1, 4096)',
      (a) => a.getSocketOptionBuffer(s(), 1, 1, 4096),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'setSocketOptionBuffer(s, 1, 1, [1])',
      (a) => a.setSocketOptionBuffer(s(), 1, 1, [1] as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'setSocketOptionBuffer(s, 1, 1, Float64Array)',
      (a) => a.setSocketOptionBuffer(s(), 1, 1, new Float64Array(1) as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'setSocketOptionBuffer(s, 1, 1, empty)',
      (a) => a.setSocketOptionBuffer(s(), 1, 1, new Uint8Array(0)),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    [
      'setSocketOptionBuffer(s, 1, 1, 2 KiB)',
      (a) => a.setSocketOptionBuffer(s(), 1, 1, new Uint8Array(2048)),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
    ['ioctl(s, -1)', (a) => a.ioctl(s(), -1, null, 0), 'RangeError', 'ERR_OUT_OF_RANGE'],
    [
      "ioctl(s, 0, 'abcd')",
      (a) => a.ioctl(s(), 0, 'abcd' as never, 0),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'ioctl(s, 0, null, 2^20)',
      (a) => a.ioctl(s(), 0, null, 2 ** 20),
      'RangeError',
      'ERR_OUT_OF_RANGE',
    ],
  ];
  if (!isWindows) {
    cases.push(
      [
        'ioctl(s, 0, 8 bytes) on POSIX',
        (a) => a.ioctl(s(), 0, new Uint8Array(8), 0),
        'RangeError',
        'ERR_OUT_OF_RANGE',
      ],
      [
        'ioctl(s, 0, null, 2) on POSIX',
        (a) => a.ioctl(s(), 0, null, 2),
        'RangeError',
        'ERR_OUT_OF_RANGE',
      ],
      [
        'checkSocket(true)',
        (a) => a.checkSocket(true as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'getPeerCredentials(null)',
        (a) => a.getPeerCredentials(null as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        "connectUnixSocket('/tmp/s.sock')",
        (a) => a.connectUnixSocket('/tmp/s.sock' as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(no NUL at the end)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock')),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      ],
      [
        'connectUnixSocket(a NUL inside)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/a\0b.sock\0')),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      ],
      [
        'connectUnixSocket(NUL alone)',
        (a) => a.connectUnixSocket(Buffer.from('\0')),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      ],
      [
        'connectUnixSocket(a NUL, then a name with a second NUL)',
        (a) => a.connectUnixSocket(Buffer.from('\0loop\0fast')),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      ],
      [
        'connectUnixSocket(path, a local address with no NUL at the end)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), Buffer.from('/tmp/c.sock')),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      ],
      [
        "connectUnixSocket(path, '/tmp/c.sock')",
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), '/tmp/c.sock' as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(path, no local address, credentials of 2 elements)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), undefined, new Float64Array(2)),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(path, no local address, credentials as an Int32Array of 3)',
        (a) =>
          a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), undefined, new Int32Array(3) as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(path, no local address, credentials as a plain array)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), undefined, [0, 0, 0] as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(path, a local address longer than sun_path)',
        (a) => a.connectUnixSocket(Buffer.from('/tmp/s.sock\0'), Buffer.alloc(200, 0x61)),
        'RangeError',
        'ERR_OUT_OF_RANGE',
      ],
      [
        'getUnixPeerAddress(null)',
        (a) => a.getUnixPeerAddress(null as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      ],
      [
        'connectUnixSocket(more than sun_path holds)',
        (a) => a.connectUnixSocket(Buffer.from(`/${'a'.repeat(199)}\0`)),
        'RangeError',
        'ERR_OUT_OF_RANGE',
      ],
    );
  } else {
    cases.push([
      "applyLoopbackFastPath(s, 'yes')",
      (a) => a.applyLoopbackFastPath(s(), 'yes' as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    ]);
  }

  it.each(cases)('checks its own arguments: %s throws %s %s', (_label, call, type, code) => {
    const error = thrown(() => call(loadAddon()));
    expect(error).toBeInstanceOf(type === 'TypeError' ? TypeError : RangeError);
    expect(error.code).toBe(code);
    expect(error.errno).toBeUndefined();
  });

  it('throws one shape for a failed system call: errno and syscall, translated by the backend', () => {
    const addon = loadAddon();
    const socket = addon.createTcpSocket(4);
    addon.closeSocket(socket);
    const raw = thrown(() => addon.getSocketOption(socket, C.SOL_SOCKET, C.SO_RCVBUF));
    const expectedErrno = isWindows ? 10038 : constants.errno.EBADF;
    expect(raw).toMatchObject({ errno: expectedErrno, syscall: 'getsockopt' });
    expect(raw).not.toBeInstanceOf(LoopfastSystemError);

    const translated = translateNativeError(raw);
    expect(translated).toBeInstanceOf(LoopfastSystemError);
    expect(translated).toMatchObject({
      errno: expectedErrno,
      syscall: 'getsockopt',
      backend: 'napi',
      code: isWindows ? 'WSAENOTSOCK' : 'EBADF',
    });
    // Argument errors pass through untouched.
    const typeError = new TypeError('x');
    expect(translateNativeError(typeError)).toBe(typeError);
  });

  it.runIf(!isWindows)(
    'applyLoopbackFastPath on POSIX says the control code is Windows-only',
    () => {
      const socket = fresh(loadAddon());
      const error = thrown(() => backend.applyLoopbackFastPath(socket));
      expect(error).toBeInstanceOf(LoopfastSystemError);
      expect(error.errno).toBe(constants.errno.EOPNOTSUPP);
      expect(error.message).toContain('SIO_LOOPBACK_FAST_PATH is a Windows control code');
    },
  );

  it.runIf(!isWindows)(
    "getPeerCredentials answers a TCP socket with its family alone, never the kernel's placeholders",
    () => {
      const addon = loadAddon();
      const socket = fresh(addon);
      expect(addon.getPeerCredentials(socket)).toEqual({ family: C.AF_INET });
    },
  );

  it.runIf(!isWindows)(
    'getUnixPeerAddress answers a TCP socket with its family alone, and an unbound peer with no bytes',
    async () => {
      const addon = loadAddon();
      expect(addon.getUnixPeerAddress(fresh(addon))).toEqual({ family: C.AF_INET });
      const pair = await unixPair();
      try {
        const fd = (pair.accepted as unknown as { _handle: { fd: number } })._handle.fd;
        const found = addon.getUnixPeerAddress(fd);
        expect(found.family).toBe(C.AF_UNIX);
        expect(found.sunPath?.every((byte) => byte === 0)).toBe(true);
      } finally {
        await pair.close();
      }
    },
  );

  it.runIf(process.platform === 'linux')(
    'gives the kernel room for ioctls whose argument is larger than one int (SIOCGIFCONF)',
    () => {
      // SIOCGIFCONF copies a 16-byte struct ifconf back; with ifc_buf NULL it reports in ifc_len
      // (the first int) the bytes needed for every interface's 40-byte struct ifreq.
      const SIOCGIFCONF = 0x8912;
      const socket = fresh(loadAddon());
      const needed = backend.ioctl(socket, SIOCGIFCONF, Buffer.alloc(4), 4).readInt32LE(0);
      expect(needed).toBeGreaterThan(0);
      expect(needed % 40).toBe(0);
    },
  );
});
