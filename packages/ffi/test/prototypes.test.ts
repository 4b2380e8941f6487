import { describe, expect, it } from 'vitest';
import { DARWIN_PROTOTYPES, POSIX_PROTOTYPES, WINDOWS_PROTOTYPES } from '../src/native-library.js';
import { checkAgainstHeaders, parsePrototypes, shouldRunWith } from './support/prototype-check.js';

const MINGW = 'x86_64-w64-mingw32-g++';
const WINDOWS_INCLUDES = ['winsock2.h', 'ws2tcpip.h'];
const WINDOWS_ARGS = ['-D_WIN32_WINNT=0x0A00'];
const POSIX_INCLUDES = ['sys/socket.h', 'sys/ioctl.h', 'fcntl.h', 'unistd.h'];

describe('Winsock prototypes (parsed by koffi on this machine, ws2_32.dll never loaded)', () => {
  const parsed = parsePrototypes(WINDOWS_PROTOTYPES);
  const byName = new Map(parsed.map((p) => [p.name, p]));

  it('parses every declaration, each named after its key, each WINAPI', () => {
    expect(parsed.map((p) => p.name)).toEqual(Object.keys(WINDOWS_PROTOTYPES));
    for (const p of parsed) expect(p.stdcall, p.name).toBe(true);
  });

  it('passes and returns SOCKET as a pointer-sized unsigned integer', () => {
    expect(byName.get('WSASocketW')?.result).toMatchObject({
      name: 'uintptr_t',
      primitive: 'UInt64',
    });
    for (const name of ['WSAIoctl', 'getsockopt', 'setsockopt', 'closesocket']) {
      expect(byName.get(name)?.args[0], name).toMatchObject({ name: 'uintptr_t', size: 8 });
    }
  });

  it.runIf(shouldRunWith(MINGW, 'Winsock prototypes against mingw-w64 headers (x64)'))(
    'matches the mingw-w64 headers for x64, parameter by parameter',
    () => {
      const failed = checkAgainstHeaders(parsed, {
        compiler: MINGW,
        args: WINDOWS_ARGS,
        includes: WINDOWS_INCLUDES,
        pointerSize: 8,
        longSize: 4,
        checkConvention: false,
      });
      expect(failed).toEqual([]);
    },
  );

  it.runIf(shouldRunWith(MINGW, 'Winsock prototypes against mingw-w64 headers (x86)'))(
    'matches them for 32-bit x86 too, where __stdcall is part of the type',
    () => {
      const failed = checkAgainstHeaders(parsed, {
        compiler: MINGW,
        args: ['-m32', ...WINDOWS_ARGS],
        includes: WINDOWS_INCLUDES,
        pointerSize: 4,
        longSize: 4,
        checkConvention: true,
      });
      expect(failed).toEqual([]);
    },
  );

  it.runIf(shouldRunWith(MINGW, 'the header check itself'))(
    'the header check catches a wrong declaration (cdecl, int SOCKET, missing argument)',
    () => {
      const wrong = parsePrototypes({
        closesocket: 'int closesocket(int s)',
        WSAStartup: 'int __stdcall WSAStartup(void *lpWSAData)',
      });
      const failed = checkAgainstHeaders(wrong, {
        compiler: MINGW,
        args: ['-m32', ...WINDOWS_ARGS],
        includes: WINDOWS_INCLUDES,
        pointerSize: 4,
        longSize: 4,
        checkConvention: true,
      });
      expect(failed).toEqual(
        expect.arrayContaining([
          'closesocket: calling convention',
          'closesocket: argument 1 kind',
          'WSAStartup: argument count',
        ]),
      );
    },
  );
});

describe('POSIX prototypes', () => {
  const posix = parsePrototypes(POSIX_PROTOTYPES);
  const darwin = parsePrototypes(DARWIN_PROTOTYPES);

  it('parses every declaration; ioctl and fcntl are variadic, as in the C library', () => {
    expect(posix.map((p) => p.name)).toEqual(Object.keys(POSIX_PROTOTYPES));
    expect(darwin.map((p) => p.name)).toEqual(Object.keys(DARWIN_PROTOTYPES));
    expect([...posix, ...darwin].filter((p) => p.variadic).map((p) => p.name)).toEqual([
      'ioctl',
      'fcntl',
    ]);
  });

  it.runIf(shouldRunWith('g++', 'POSIX prototypes against the C library headers'))(
    'matches the C library headers of this machine, parameter by parameter',
    () => {
      // getpeereid is macOS-only (and not in glibc); its parameters are plain uid_t/gid_t pointers.
      const checked = [...posix, ...darwin.filter((p) => p.name !== 'getpeereid')];
      const failed = checkAgainstHeaders(checked, {
        compiler: 'g++',
        includes: POSIX_INCLUDES,
        pointerSize: 8,
        longSize: 8,
        checkConvention: false,
      });
      expect(failed).toEqual([]);
    },
  );

  it.runIf(shouldRunWith('g++', 'the header check itself'))(
    'the header check catches a signed socklen_t and a non-variadic ioctl',
    () => {
      const wrong = parsePrototypes({
        getsockopt: 'int getsockopt(int fd, int level, int name, void *value, int32_t *length)',
        ioctl: 'int ioctl(int fd, unsigned long request, void *arg)',
      });
      const failed = checkAgainstHeaders(wrong, {
        compiler: 'g++',
        includes: POSIX_INCLUDES,
        pointerSize: 8,
        longSize: 8,
        checkConvention: false,
      });
      expect(failed).toEqual(
        expect.arrayContaining([
          'getsockopt: argument 5 pointee kind',
          'ioctl: argument count',
          'ioctl: variadic',
        ]),
      );
    },
  );
});
