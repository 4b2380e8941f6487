import { backend as ffi } from '@loopfast/ffi';
import { describe, expect, it } from 'vitest';
import { chooseBackend, validateBackendOption } from '../src/backend-choice.js';
import { declineFor } from '../src/mechanisms/sio/index.js';
import type { FastPathSettings } from '../src/options.js';
import { planFor, statusWithoutAddress } from '../src/plan.js';
import { platformMechanism } from '../src/platforms.js';

const settings = (overrides: Partial<FastPathSettings> = {}): FastPathSettings => ({
  requested: true,
  backend: ffi,
  platform: 'win32',
  env: {},
  ...overrides,
});

describe('the plan (decisions only: no traffic is sent)', () => {
  it('takes the platform table: the control code on Windows, the rendezvous on POSIX, none elsewhere', () => {
    expect(platformMechanism('win32')?.name).toBe('sio-loopback-fast-path');
    for (const platform of ['linux', 'darwin', 'freebsd'] as const) {
      expect(platformMechanism(platform)?.name).toBe('unix-rendezvous');
    }
    expect(platformMechanism('haiku' as NodeJS.Platform)).toBeNull();
    expect(planFor(settings({ platform: 'linux' }))).toMatchObject({
      mechanism: { name: 'unix-rendezvous' },
      backend: ffi,
    });
    const none = planFor(settings({ platform: 'haiku' as NodeJS.Platform }));
    expect(none).toMatchObject({ mechanism: null, info: { state: 'unsupported', backend: 'ffi' } });
    expect(none.info?.reason).toMatch(/^haiku has no loopback fast path mechanism/);
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
    expect(planFor(settings({ env: { LOOPFAST_DISABLE: '1' } }))).toEqual({
      mechanism: null,
      info: killed,
    });
  });

  it('names the missing backend', () => {
    const plan = planFor(settings({ backend: 'auto', env: { LOOPFAST_BACKEND: 'rust' } }));
    expect(plan).toMatchObject({ mechanism: null, info: { state: 'no-backend', backend: null } });
    expect(plan.info?.reason).toBe(
      'LOOPFAST_BACKEND=rust names no backend (use napi, ffi or auto)',
    );
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
