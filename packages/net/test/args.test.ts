import { describe, expect, it } from 'vitest';
import { normalizeConnectArgs, recognizeTcpListen, validatePort } from '../src/args.js';
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

describe('recognizeTcpListen', () => {
  it('reads port, host, backlog and callback in every order net accepts', () => {
    expect(recognizeTcpListen([])).toMatchObject({ port: 0, host: undefined });
    expect(recognizeTcpListen([cb])).toMatchObject({ port: 0, callback: cb });
    expect(recognizeTcpListen([8080, '::1', 64, cb])).toMatchObject({
      port: 8080,
      host: '::1',
      backlog: 64,
      callback: cb,
    });
    expect(recognizeTcpListen([8080, 32])).toMatchObject({
      port: 8080,
      host: undefined,
      backlog: 32,
    });
    expect(recognizeTcpListen(['8080'])).toMatchObject({ port: 8080 });
    expect(recognizeTcpListen([{ port: undefined }])).toMatchObject({ port: 0 });
    expect(recognizeTcpListen([{ port: null, host: '' }])).toMatchObject({
      port: 0,
      host: undefined,
    });
    expect(
      recognizeTcpListen([
        { port: 1, host: '127.0.0.1', backlog: 5, ipv6Only: true, exclusive: true },
      ]),
    ).toMatchObject({ port: 1, host: '127.0.0.1', backlog: 5, ipv6Only: true, exclusive: true });
  });

  it('leaves pipes, handles, descriptors, reusePort and aborted signals to Node', () => {
    expect(recognizeTcpListen(['/tmp/s.sock'])).toBeNull();
    expect(recognizeTcpListen([{ path: '/tmp/s.sock' }])).toBeNull();
    expect(recognizeTcpListen([{ fd: 3 }])).toBeNull();
    expect(recognizeTcpListen([{ _handle: {} }])).toBeNull();
    expect(recognizeTcpListen([{ port: 0, reusePort: true }])).toBeNull();
    expect(recognizeTcpListen([{ port: 0, signal: AbortSignal.abort() }])).toBeNull();
  });

  it("leaves every call Node refuses to Node, so the error is Node's own", () => {
    for (const args of [
      [false],
      [true],
      [{ port: false }],
      [{}],
      [{ exclusive: true }],
      [{ host: 'localhost' }],
      [{ host: 'localhost:3000' }],
      [{ host: { port: 3000 } }],
      [{ port: 70000 }],
      [{ port: 1, host: 7 }],
    ]) {
      expect(recognizeTcpListen(args)).toBeNull();
    }
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
