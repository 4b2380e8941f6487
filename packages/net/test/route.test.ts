import { backend as ffi } from '@loopfast/ffi';
import { describe, expect, it } from 'vitest';
import { chooseBackend, validateBackendOption } from '../src/backend-choice.js';
import { declineFor } from '../src/mechanisms/sio/index.js';
import type { FastPathSettings } from '../src/options.js';
import {
  platformMechanism,
  routeConnect,
  routeListen,
  statusWithoutAddress,
} from '../src/route.js';

const settings = (overrides: Partial<FastPathSettings> = {}): FastPathSettings => ({
  requested: true,
  backend: ffi,
  platform: 'win32',
  env: {},
  ...overrides,
});

describe('the route (decisions only: no traffic is sent)', () => {
  it('takes the platform table: the control code on Windows, the rendezvous on POSIX, none elsewhere', () => {
    expect(platformMechanism('win32')).toMatchObject({
      name: 'sio-loopback-fast-path',
      connectsCallersSocket: false,
    });
    for (const platform of ['linux', 'darwin', 'freebsd'] as const) {
      expect(platformMechanism(platform)).toMatchObject({
        name: 'unix-rendezvous',
        connectsCallersSocket: true,
      });
    }
    expect(platformMechanism('haiku' as NodeJS.Platform)).toBeNull();
    expect(routeListen(settings({ platform: 'linux' }))).toMatchObject({
      to: 'mechanism',
      mechanism: { name: 'unix-rendezvous' },
      backend: ffi,
    });
    const none = routeListen(settings({ platform: 'haiku' as NodeJS.Platform }));
    expect(none).toMatchObject({ to: 'tcp', info: { state: 'unsupported', backend: 'ffi' } });
    expect(none.to === 'tcp' && none.info.reason).toMatch(
      /^haiku has no loopback fast path mechanism/,
    );
  });

  it('is disabled when not requested, or by the kill switch, before any address is looked at', () => {
    expect(statusWithoutAddress(settings({ requested: false }))).toMatchObject({
      requested: false,
      state: 'disabled',
    });
    const killed = statusWithoutAddress(settings({ env: { LOOPFAST_DISABLE: 'true' } }));
    expect(killed).toMatchObject({ requested: true, state: 'disabled' });
    expect(killed?.reason).toMatch(/LOOPFAST_DISABLE/);
    expect(statusWithoutAddress(settings())).toBeNull();
    const off = settings({ env: { LOOPFAST_DISABLE: '1' } });
    expect(routeListen(off)).toEqual({ to: 'node', info: killed });
    expect(routeConnect(off, { port: 80, host: '192.0.2.1' }, false)).toEqual({
      to: 'node',
      info: killed,
    });
  });

  it('names the missing backend', () => {
    const route = routeListen(settings({ backend: 'auto', env: { LOOPFAST_BACKEND: 'rust' } }));
    expect(route).toMatchObject({ to: 'tcp', info: { state: 'no-backend', backend: null } });
    expect(route.to === 'tcp' && route.info.reason).toBe(
      'LOOPFAST_BACKEND=rust names no backend (use napi, ffi or auto)',
    );
  });

  it('sends a connect to Node before any backend: a pipe path, a bad destination, a remote address', () => {
    const on = settings({ platform: 'linux' });
    expect(routeConnect(on, { path: '/tmp/x.sock' }, false)).toMatchObject({
      to: 'node',
      info: { state: 'not-loopback', reason: '/tmp/x.sock is a pipe path, not a TCP destination' },
    });
    expect(routeConnect(on, { port: -1, host: '127.0.0.1' }, false)).toEqual({
      to: 'node',
      info: null,
    });
    // Node throws ERR_MISSING_ARGS: no status saying "not requested" for a request.
    expect(routeConnect(on, { host: '127.0.0.1' }, false)).toEqual({ to: 'node', info: null });
    expect(routeConnect(on, { port: 80, lookup: 'nope' }, false)).toEqual({
      to: 'node',
      info: null,
    });
    expect(routeConnect(on, { port: 80, host: '192.0.2.1' }, false)).toMatchObject({
      to: 'node',
      info: { state: 'not-loopback' },
    });
    expect(routeConnect(on, { port: 80, host: 'localhost' }, false)).toMatchObject({
      to: 'mechanism',
    });
    expect(routeConnect(on, { port: 80, host: '::1' }, false)).toMatchObject({ to: 'mechanism' });
  });

  it("sends a caller's own socket to Node where the mechanism cannot connect one", () => {
    const toLoopback = { port: 80, host: '127.0.0.1' };
    expect(routeConnect(settings({ platform: 'win32' }), toLoopback, true)).toMatchObject({
      to: 'node',
      info: { state: 'not-applicable', reason: expect.stringMatching(/new net\.Socket\(\)/) },
    });
    expect(routeConnect(settings({ platform: 'win32' }), toLoopback, false)).toMatchObject({
      to: 'mechanism',
      mechanism: { name: 'sio-loopback-fast-path' },
    });
    expect(routeConnect(settings({ platform: 'linux' }), toLoopback, true)).toMatchObject({
      to: 'mechanism',
      mechanism: { name: 'unix-rendezvous' },
    });
  });
});

describe('the Windows control code: which addresses qualify', () => {
  it.each(['192.0.2.1', '10.0.0.1', '8.8.8.8', '2001:db8::1', 'fe80::1', '::ffff:10.1.2.3'])(
    'a client toward %s is not-loopback',
    (address) => {
      expect(declineFor(ffi, address, 'client')).toMatchObject({
        requested: true,
        state: 'not-loopback',
        backend: null,
      });
    },
  );

  it('a server may bind the wildcard (it includes loopback); a client may not connect to it', () => {
    expect(declineFor(ffi, '0.0.0.0', 'server')).toBeNull();
    expect(declineFor(ffi, '0.0.0.0', 'client')).toMatchObject({ state: 'not-loopback' });
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1'])('a client toward %s qualifies', (address) => {
    expect(declineFor(ffi, address, 'client')).toBeNull();
  });

  it('leaves dual-stack sockets on the normal path', () => {
    expect(declineFor(ffi, '::ffff:127.0.0.1', 'client')).toMatchObject({
      state: 'not-applicable',
    });
    expect(declineFor(ffi, '::', 'server')).toMatchObject({ state: 'not-applicable' });
    expect(declineFor(ffi, '::', 'server', true)).toBeNull();
  });
});

describe('backend choice', () => {
  it('takes a Backend object as it is', () => {
    expect(chooseBackend(ffi)).toEqual({ backend: ffi });
  });

  it('loads a backend package by name, and LOOPFAST_BACKEND picks one for auto', () => {
    expect(chooseBackend('ffi').backend?.name).toBe('ffi');
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: 'ffi' }).backend?.name).toBe('ffi');
    expect(chooseBackend('auto', {}).backend?.name).toBe('napi');
  });

  it('names the problem when LOOPFAST_BACKEND names no backend', () => {
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: 'rust' })).toEqual({
      backend: null,
      reason: 'LOOPFAST_BACKEND=rust names no backend (use napi, ffi or auto)',
      error: null,
    });
  });

  it('validates the option', () => {
    expect(validateBackendOption('auto')).toBe('auto');
    expect(() => validateBackendOption({ name: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => validateBackendOption(42)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => validateBackendOption('Napi')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });
});
