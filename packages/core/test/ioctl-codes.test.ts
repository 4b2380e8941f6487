import { describe, expect, it } from 'vitest';
import {
  _WSAIO,
  _WSAIOR,
  _WSAIORW,
  _WSAIOW,
  IOC_IN,
  IOC_INOUT,
  IOC_OUT,
  IOC_PROTOCOL,
  IOC_UNIX,
  IOC_VENDOR,
  IOC_VOID,
  IOC_WS2,
  SIO_GET_EXTENSION_FUNCTION_POINTER,
  SIO_KEEPALIVE_VALS,
  SIO_LOOPBACK_FAST_PATH,
  SIO_RCVALL,
  SIO_TCP_INITIAL_RTO,
} from '../src/index.js';

describe('IOC macros', () => {
  it('derive SIO_LOOPBACK_FAST_PATH = 0x98000010 from _WSAIOW(IOC_VENDOR, 16)', () => {
    expect(SIO_LOOPBACK_FAST_PATH).toBe(0x98000010);
    expect(_WSAIOW(IOC_VENDOR, 16)).toBe(SIO_LOOPBACK_FAST_PATH);
  });

  it('produce unsigned 32-bit codes even when the top bit is set', () => {
    for (const code of [
      IOC_IN,
      IOC_INOUT,
      SIO_LOOPBACK_FAST_PATH,
      SIO_GET_EXTENSION_FUNCTION_POINTER,
    ]) {
      expect(code).toBeGreaterThan(0);
      expect(code).toBe(code >>> 0);
    }
    expect(IOC_INOUT).toBe(0xc0000000);
  });

  it('set the direction bits of each macro', () => {
    expect(_WSAIO(IOC_WS2, 1)).toBe((IOC_VOID | IOC_WS2 | 1) >>> 0);
    expect(_WSAIOR(IOC_WS2, 1)).toBe((IOC_OUT | IOC_WS2 | 1) >>> 0);
    expect(_WSAIOW(IOC_WS2, 1)).toBe((IOC_IN | IOC_WS2 | 1) >>> 0);
    expect(_WSAIORW(IOC_PROTOCOL, 1)).toBe(0xd0000001);
  });

  it('agree with sibling codes around the fast path', () => {
    expect(SIO_RCVALL).toBe(0x98000001);
    expect(SIO_KEEPALIVE_VALS).toBe(0x98000004);
    expect(SIO_TCP_INITIAL_RTO).toBe(SIO_LOOPBACK_FAST_PATH + 1);
    expect(SIO_GET_EXTENSION_FUNCTION_POINTER).toBe(0xc8000006);
  });

  it('accept every family and the largest function number', () => {
    for (const family of [IOC_UNIX, IOC_WS2, IOC_PROTOCOL, IOC_VENDOR]) {
      expect(_WSAIOW(family, 0x7ffffff) & 0x7ffffff).toBe(0x7ffffff);
    }
  });

  it.each([
    [
      'a string family',
      () => _WSAIOW('vendor' as unknown as number, 1),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
    ],
    ['a non-integer function', () => _WSAIOW(IOC_VENDOR, 1.5), RangeError, 'ERR_OUT_OF_RANGE'],
    ['NaN', () => _WSAIOR(IOC_VENDOR, Number.NaN), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a negative function', () => _WSAIO(IOC_VENDOR, -1), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a value over 32 bits', () => _WSAIORW(IOC_VENDOR, 2 ** 40), RangeError, 'ERR_OUT_OF_RANGE'],
    [
      'a function overlapping the family bits',
      () => _WSAIOW(IOC_VENDOR, 0x8000000),
      RangeError,
      'ERR_OUT_OF_RANGE',
    ],
    ['an unknown family', () => _WSAIOW(0x2000_0000, 1), TypeError, 'ERR_INVALID_ARG_VALUE'],
  ])('reject %s', (_label, call, type, code) => {
    expect(call).toThrow(type);
    expect(call).toThrow(expect.objectContaining({ code }));
  });
});
