import { describe, expect, it } from 'vitest';
import {
  FAST_PATH_SUPPORTED_OPTIONS,
  FAST_PATH_UNSUPPORTED_OPTIONS,
  isFastPathOption,
  isFastPathOptionName,
  WINDOWS_SOCKET_CONSTANTS as W,
} from '../src/index.js';

describe('fast-path option table', () => {
  it('lists exactly the eleven options of the specification', () => {
    expect(FAST_PATH_SUPPORTED_OPTIONS.map((o) => o.name)).toEqual([
      'IP_TTL',
      'IP_UNICAST_IF',
      'IPV6_UNICAST_HOPS',
      'IPV6_UNICAST_IF',
      'IPV6_V6ONLY',
      'SO_CONDITIONAL_ACCEPT',
      'SO_EXCLUSIVEADDRUSE',
      'SO_PORT_SCALABILITY',
      'SO_RCVBUF',
      'SO_REUSEADDR',
      'TCP_BSDURGENT',
    ]);
  });

  it('keeps the Windows levels and values', () => {
    const byName = Object.fromEntries(
      FAST_PATH_SUPPORTED_OPTIONS.map((o) => [o.name, [o.levelValue, o.value]]),
    );
    expect(byName.SO_EXCLUSIVEADDRUSE).toEqual([0xffff, -5]);
    expect(byName.SO_RCVBUF).toEqual([0xffff, 0x1002]);
    expect(byName.IPV6_V6ONLY).toEqual([41, 27]);
    expect(byName.TCP_BSDURGENT).toEqual([6, 0x7000]);
  });

  it('answers by level and value', () => {
    expect(isFastPathOption(W.SOL_SOCKET, W.SO_RCVBUF)).toBe(true);
    expect(isFastPathOption(W.SOL_SOCKET, -5)).toBe(true);
    expect(isFastPathOption(W.IPPROTO_TCP, W.TCP_NODELAY)).toBe(false);
    expect(isFastPathOption(W.SOL_SOCKET, W.SO_SNDBUF)).toBe(false);
    // Same value at another level is another option: IP_TTL (4) is not SO_REUSEADDR (4).
    expect(isFastPathOption(W.IPPROTO_IP, W.SO_REUSEADDR)).toBe(true);
    expect(isFastPathOption(W.IPPROTO_TCP, 4)).toBe(false);
  });

  it('answers by name, and never lists an option as both', () => {
    for (const o of FAST_PATH_UNSUPPORTED_OPTIONS) expect(isFastPathOptionName(o.name)).toBe(false);
    for (const o of FAST_PATH_SUPPORTED_OPTIONS) expect(isFastPathOptionName(o.name)).toBe(true);
    expect(FAST_PATH_UNSUPPORTED_OPTIONS.find((o) => o.name === 'TCP_NODELAY')?.nodeApi).toMatch(
      /setNoDelay/,
    );
    expect(FAST_PATH_UNSUPPORTED_OPTIONS.find((o) => o.name === 'SO_KEEPALIVE')?.nodeApi).toMatch(
      /setKeepAlive/,
    );
  });

  it('rejects bad input', () => {
    expect(() => isFastPathOption(2 ** 40, 1)).toThrow(RangeError);
    expect(() => isFastPathOption(0xffff, '4' as unknown as number)).toThrow(TypeError);
    expect(() => isFastPathOptionName(4 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});
