import { backend as ffi } from '@loopfast/ffi';
import { describe, expect, it } from 'vitest';
import { chooseBackend, validateBackendOption } from '../src/backend-choice.js';
import { type FastPathSettings, planForAddress, statusWithoutAddress } from '../src/decision.js';
import { platformMechanism } from '../src/mechanism.js';

const settings = (overrides: Partial<FastPathSettings> = {}): FastPathSettings => ({
  requested: true,
  backend: ffi,
  platform: 'win32',
  env: {},
  ...overrides,
});

describe('the fast-path decision (no traffic is sent: these are decisions only)', () => {
  it.each(['192.0.2.1', '10.0.0.1', '8.8.8.8', '2001:db8::1', 'fe80::1', '::ffff:10.1.2.3'])(
    'a client toward %s is not-loopback',
    (address) => {
      const plan = planForAddress(settings(), address, 'client');
      expect(plan).toMatchObject({
        apply: false,
        info: { requested: true, state: 'not-loopback', backend: null },
      });
    },
  );

  it('a server may bind the wildcard (it includes loopback); a client may not connect to it', () => {
    expect(planForAddress(settings(), '0.0.0.0', 'server')).toMatchObject({ apply: true });
    expect(planForAddress(settings(), '0.0.0.0', 'client')).toMatchObject({
      apply: false,
      info: { state: 'not-loopback' },
    });
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1'])(
    'a client toward %s applies on Windows',
    (address) => {
      expect(planForAddress(settings(), address, 'client')).toEqual({ apply: true, backend: ffi });
    },
  );

  it('leaves dual-stack sockets on the normal path', () => {
    expect(planForAddress(settings(), '::ffff:127.0.0.1', 'client')).toMatchObject({
      apply: false,
      info: { state: 'unsupported' },
    });
    expect(planForAddress(settings(), '::', 'server')).toMatchObject({
      apply: false,
      info: { state: 'unsupported' },
    });
    expect(planForAddress(settings(), '::', 'server', true)).toMatchObject({ apply: true });
  });

  it('is unsupported on a platform without a mechanism, naming it', () => {
    const plan = planForAddress(settings({ platform: 'linux' }), '127.0.0.1', 'client');
    expect(plan).toMatchObject({
      apply: false,
      info: { state: 'unsupported', backend: 'ffi', error: null },
    });
    expect(plan.apply === false && plan.info.reason).toMatch(
      /^linux has no SIO_LOOPBACK_FAST_PATH/,
    );
    expect(platformMechanism('win32')).toEqual({ mechanism: 'sio-loopback-fast-path' });
    expect(platformMechanism('darwin').mechanism).toBeNull();
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
      reason: 'LOOPFAST_BACKEND=rust names no backend (use napi or ffi)',
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
