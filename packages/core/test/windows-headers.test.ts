import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { checkAgainstHeaders, type HeaderConstant, shouldRunWith } from './header-check.js';

const MINGW = 'x86_64-w64-mingw32-gcc';
const HEADERS = ['winsock2.h', 'ws2tcpip.h', 'mstcpip.h', 'mswsock.h'];
// Windows 10 as the target, so the headers declare everything that version has.
const DEFINES = ['_WIN32_WINNT=0x0A00'];

const ioctlCodes: HeaderConstant[] = Object.entries({
  IOC_UNIX: core.IOC_UNIX,
  IOC_WS2: core.IOC_WS2,
  IOC_PROTOCOL: core.IOC_PROTOCOL,
  IOC_VENDOR: core.IOC_VENDOR,
  IOC_VOID: core.IOC_VOID,
  IOC_OUT: core.IOC_OUT,
  IOC_IN: core.IOC_IN,
  IOC_INOUT: core.IOC_INOUT,
  SIO_LOOPBACK_FAST_PATH: core.SIO_LOOPBACK_FAST_PATH,
  SIO_RCVALL: core.SIO_RCVALL,
  SIO_KEEPALIVE_VALS: core.SIO_KEEPALIVE_VALS,
  SIO_TCP_INITIAL_RTO: core.SIO_TCP_INITIAL_RTO,
  SIO_GET_EXTENSION_FUNCTION_POINTER: core.SIO_GET_EXTENSION_FUNCTION_POINTER,
  SIO_ADDRESS_LIST_QUERY: core.SIO_ADDRESS_LIST_QUERY,
  SIO_ADDRESS_LIST_CHANGE: core.SIO_ADDRESS_LIST_CHANGE,
}).map(([name, value]) => ({ name, value, kind: 'u32' }));

const ioctlMacros: HeaderConstant[] = [
  // The macros themselves, applied to the same arguments in C and in TypeScript.
  { name: '_WSAIO(IOC_WS2, 23)', value: core._WSAIO(core.IOC_WS2, 23), kind: 'u32' },
  { name: '_WSAIOR(IOC_PROTOCOL, 5)', value: core._WSAIOR(core.IOC_PROTOCOL, 5), kind: 'u32' },
  { name: '_WSAIOW(IOC_VENDOR, 16)', value: core._WSAIOW(core.IOC_VENDOR, 16), kind: 'u32' },
  {
    name: '_WSAIORW(IOC_UNIX, 0x7ffffff)',
    value: core._WSAIORW(core.IOC_UNIX, 0x7ffffff),
    kind: 'u32',
  },
];

const socketConstants: HeaderConstant[] = Object.entries(core.WINDOWS_SOCKET_CONSTANTS).map(
  ([name, value]) => ({ name, value, kind: name.startsWith('FION') ? 'u32' : 'signed' }),
);

const options: HeaderConstant[] = [
  ...core.FAST_PATH_SUPPORTED_OPTIONS,
  ...core.FAST_PATH_UNSUPPORTED_OPTIONS,
].flatMap((o) => [
  { name: o.name, value: o.value },
  { name: o.level, value: o.levelValue },
]);

const errors: HeaderConstant[] = [...core.FAST_PATH_ERRORS, ...core.OTHER_WINSOCK_ERRORS].map(
  (e) => ({
    name: e.name,
    value: e.errno,
  }),
);

describe.runIf(shouldRunWith(MINGW, 'Winsock constants against mingw-w64 headers'))(
  'Winsock constants match the mingw-w64 headers',
  () => {
    it('IOC families, directions and control codes', () => {
      expect(checkAgainstHeaders(MINGW, HEADERS, [...ioctlCodes, ...ioctlMacros], DEFINES)).toEqual(
        {
          mismatched: [],
          missing: [],
        },
      );
    });

    it('Windows socket constants', () => {
      expect(checkAgainstHeaders(MINGW, HEADERS, socketConstants, DEFINES)).toEqual({
        mismatched: [],
        missing: [],
      });
    });

    it('the fast-path option table (levels and values)', () => {
      // SO_PORT_SCALABILITY and TCP_KEEPALIVE are absent from mingw-w64; their values come from
      // the Windows SDK (see fast-path-options.ts). Every other option must be defined and equal.
      expect(checkAgainstHeaders(MINGW, HEADERS, options, DEFINES)).toEqual({
        mismatched: [],
        missing: ['SO_PORT_SCALABILITY', 'TCP_KEEPALIVE'],
      });
    });

    it('the Winsock error numbers', () => {
      expect(checkAgainstHeaders(MINGW, HEADERS, errors, DEFINES)).toEqual({
        mismatched: [],
        missing: [],
      });
    });

    it('reports a wrong value as a mismatch (the check itself can fail)', () => {
      const wrong = [{ name: 'SIO_LOOPBACK_FAST_PATH', value: 0x98000011, kind: 'u32' as const }];
      expect(checkAgainstHeaders(MINGW, HEADERS, wrong, DEFINES).mismatched).toEqual([
        'SIO_LOOPBACK_FAST_PATH',
      ]);
    });
  },
);
