import { describe, expect, it } from 'vitest';
import { normalizeConnectArgs, normalizeListenArgs, validatePort } from '../src/args.js';
import { readLoopfastOptions } from '../src/options.js';

const cb = () => {};

describe('normalizeConnectArgs', () => {
  it('takes every form net.connect takes', () => {
    const options = { port: 80, host: 'localhost' };
    expect(normalizeConnectArgs([options, cb])).toEqual([options, cb]);
    expect(normalizeConnectArgs([8080, '127.0.0.1', cb])).toEqual([
      { port: 8080, host: '127.0.0.1' },
      cb,
    ]);
    expect(normalizeConnectArgs(['8080'])).toEqual([{ port: '8080' }, undefined]);
    expect(normalizeConnectArgs(['/tmp/app.sock', cb])).toEqual([{ path: '/tmp/app.sock' }, cb]);
  });
});

describe('normalizeListenArgs', () => {
  it('reads port, host, backlog and callback in every order net accepts', () => {
    expect(normalizeListenArgs([])).toMatchObject({ kind: 'tcp', port: 0, host: undefined });
    expect(normalizeListenArgs([cb])).toMatchObject({ kind: 'tcp', port: 0, callback: cb });
    expect(normalizeListenArgs([8080, '::1', 64, cb])).toMatchObject({
      port: 8080,
      host: '::1',
      backlog: 64,
      callback: cb,
    });
    expect(normalizeListenArgs([8080, 32])).toMatchObject({
      port: 8080,
      host: undefined,
      backlog: 32,
    });
    expect(normalizeListenArgs(['8080'])).toMatchObject({ kind: 'tcp', port: 8080 });
    expect(
      normalizeListenArgs([
        { port: 1, host: '127.0.0.1', backlog: 5, ipv6Only: true, exclusive: true },
      ]),
    ).toMatchObject({ port: 1, host: '127.0.0.1', backlog: 5, ipv6Only: true, exclusive: true });
  });

  it('passes pipes, handles and descriptors through', () => {
    expect(normalizeListenArgs(['/tmp/s.sock'])).toMatchObject({ kind: 'other' });
    expect(normalizeListenArgs([{ path: '/tmp/s.sock' }])).toMatchObject({ kind: 'other' });
    expect(normalizeListenArgs([{ fd: 3 }])).toMatchObject({ kind: 'other' });
    expect(normalizeListenArgs([{ _handle: {} }])).toMatchObject({ kind: 'other' });
  });

  it('rejects bad ports and hosts with node:net codes', () => {
    expect(() => normalizeListenArgs([{ port: 70000 }])).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }),
    );
    expect(() => normalizeListenArgs([{ port: 1, host: 7 }])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('validatePort', () => {
  it('follows node:net', () => {
    expect(validatePort(0)).toBe(0);
    expect(validatePort('65535')).toBe(65535);
    expect(() => validatePort(0, 'Port', false)).toThrow(RangeError);
    expect(() => validatePort(' ')).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }),
    );
    expect(() => validatePort(null)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('readLoopfastOptions', () => {
  it("takes loopfast's options out of a copy and leaves the caller's object as it was", () => {
    const options = {
      port: 80,
      loopbackFastPath: true,
      optionPolicy: 'allow' as const,
      backend: 'ffi' as const,
    };
    const before = { ...options };
    const { settings, policy, netOptions } = readLoopfastOptions(options, {});
    expect(netOptions).toEqual({ port: 80 });
    expect(options).toEqual(before);
    expect(settings).toMatchObject({ requested: true, backend: 'ffi' });
    expect(policy).toBe('allow');
  });

  it('fills in from the defaults, and a call wins over them', () => {
    const { settings, policy } = readLoopfastOptions(
      { optionPolicy: 'throw' },
      { loopbackFastPath: true, optionPolicy: 'allow' },
    );
    expect(settings.requested).toBe(true);
    expect(policy).toBe('throw');
  });
});
