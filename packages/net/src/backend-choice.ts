/**
 * Which backend `@loopfast/net` uses: one the caller passes, one named by option or by the
 * `LOOPFAST_BACKEND` environment variable, or the first installed of `@loopfast/napi` and
 * `@loopfast/ffi`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { BACKEND_ENV, type Backend } from '@loopfast/core';
import { invalidArgTypeError, invalidArgValueError } from '@loopfast/core/internal';
import { UNKNOWN_BACKEND_WARNING, warn } from './codes.js';

/** A backend object, a backend package by short name, or `'auto'`. */
export type BackendOption = Backend | 'napi' | 'ffi' | 'auto';

/** The outcome of choosing a backend. */
export type BackendChoice =
  | { readonly backend: Backend; readonly reason?: undefined; readonly error?: undefined }
  | { readonly backend: null; readonly reason: string; readonly error: Error | null };

const BACKEND_NAMES = ['napi', 'ffi'] as const;
type BackendName = (typeof BACKEND_NAMES)[number];
const BACKEND_METHODS = [
  'createTcpSocket',
  'applyLoopbackFastPath',
  'ioctl',
  'getSocketOption',
  'setSocketOption',
  'getSocketOptionBuffer',
  'setSocketOptionBuffer',
  'getPeerCredentials',
  'connectUnixSocket',
  'connectUnixSocketWithPeer',
  'getUnixPeerAddress',
  'closeSocket',
] as const;

/** Backend objects already checked, so each connection need not check them again. */
const checkedBackends = new WeakSet<object>();

/** Throws unless `value` is a valid backend option. */
export function validateBackendOption(value: unknown, name = 'options.backend'): BackendOption {
  if (value === 'auto' || value === 'napi' || value === 'ffi') return value;
  if (typeof value === 'object' && value !== null && checkedBackends.has(value))
    return value as Backend;
  if (typeof value === 'string')
    throw invalidArgValueError(name, value, "must be 'auto', 'napi', 'ffi' or a Backend");
  const candidate = value as Partial<Record<string, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.name !== 'string' ||
    BACKEND_METHODS.some((method) => typeof candidate[method] !== 'function')
  ) {
    throw invalidArgTypeError(
      name,
      "a Backend (from @loopfast/napi or @loopfast/ffi), 'auto', 'napi' or 'ffi'",
      value,
    );
  }
  checkedBackends.add(candidate);
  return value as Backend;
}

const loaded = new Map<BackendName, BackendChoice>();
const requireFromHere = createRequire(import.meta.url);

function loadByName(name: BackendName): BackendChoice {
  const cached = loaded.get(name);
  if (cached) return cached;
  let choice: BackendChoice;
  try {
    const module = requireFromHere(`@loopfast/${name}`) as { backend?: Backend };
    choice = module.backend
      ? { backend: module.backend }
      : { backend: null, reason: `@loopfast/${name} exports no backend`, error: null };
  } catch (error) {
    const missing =
      (error as { code?: string }).code === 'MODULE_NOT_FOUND' ||
      (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    choice = {
      backend: null,
      reason: missing
        ? `@loopfast/${name} is not installed`
        : `@loopfast/${name} failed to load: ${(error as Error).message}`,
      error: missing ? null : (error as Error),
    };
  }
  loaded.set(name, choice);
  return choice;
}

/** Values of `LOOPFAST_BACKEND` already warned about: one warning per value and process. */
const warnedValues = new Set<string>();

/**
 * Says once that `LOOPFAST_BACKEND` names no backend. A status alone would be read only by
 * someone who already suspects the variable; a warning reaches whoever runs the process.
 */
function warnUnknownBackend(value: string): void {
  if (warnedValues.has(value)) return;
  warnedValues.add(value);
  warn(
    `${BACKEND_ENV}=${JSON.stringify(value)} names no loopfast backend: use napi, ffi or auto (in any case), or leave it empty. Until then, connections that ask for the fast path use the normal path.`,
    UNKNOWN_BACKEND_WARNING,
  );
}

/**
 * Resolves a {@link BackendOption} to a backend, or to the reason there is none. `'auto'` reads
 * `LOOPFAST_BACKEND` first (`napi`, `ffi` or `auto`, in any case); a value that names no backend
 * gives no backend, and one process warning.
 */
export function chooseBackend(
  option: BackendOption,
  env: Readonly<Record<string, string | undefined>> = process.env,
): BackendChoice {
  if (typeof option === 'object') return { backend: option };
  if (option !== 'auto') return loadByName(option);
  const fromEnv = env[BACKEND_ENV];
  const named = fromEnv?.trim().toLowerCase() ?? '';
  if (named === 'napi' || named === 'ffi') return loadByName(named);
  if (named !== '' && named !== 'auto') {
    warnUnknownBackend(fromEnv as string);
    return {
      backend: null,
      reason: `${BACKEND_ENV}=${fromEnv} names no backend (use napi, ffi or auto)`,
      error: null,
    };
  }
  const reasons: string[] = [];
  for (const name of BACKEND_NAMES) {
    const choice = loadByName(name);
    if (choice.backend) return choice;
    reasons.push(choice.reason);
  }
  return { backend: null, reason: `no backend available: ${reasons.join('; ')}`, error: null };
}
