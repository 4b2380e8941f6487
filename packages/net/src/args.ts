/**
 * Normalizes the overloads of `connect` and `listen` into one options object, as `lib/net.js`
 * does, and validates ports with Node's codes.
 *
 * @module
 */

import { inspect } from 'node:util';
import { invalidArgTypeError } from '@loopfast/core';

type Callback = (...args: unknown[]) => void;

function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !/^\s*\d+\s*$/.test(value);
}

/**
 * `(options[, listener])`, `(port[, host][, listener])` or `(path[, listener])` as
 * `[options, listener]`. The caller's options object comes back as it is: nothing here or after
 * changes it (reading loopfast's options makes the copy that goes on to Node).
 */
export function normalizeConnectArgs(
  args: readonly unknown[],
): [Record<string, unknown>, Callback | undefined] {
  const last = args[args.length - 1];
  const listener = typeof last === 'function' ? (last as Callback) : undefined;
  const first = args[0];
  if (typeof first === 'object' && first !== null)
    return [first as Record<string, unknown>, listener];
  if (isPipeName(first)) return [{ path: first }, listener];
  const options: Record<string, unknown> = {};
  if (first !== undefined && typeof first !== 'function') options.port = first;
  if (typeof args[1] === 'string') options.host = args[1];
  return [options, listener];
}

/** A TCP `listen` call, normalized. */
export interface TcpListen {
  readonly kind: 'tcp';
  readonly port: number;
  readonly host: string | undefined;
  readonly backlog: number | undefined;
  readonly exclusive: boolean | undefined;
  readonly ipv6Only: boolean;
  readonly signal: AbortSignal | undefined;
  readonly callback: Callback | undefined;
}

/** A `listen` call loopfast passes through untouched: a pipe path, a handle, a descriptor. */
export interface OtherListen {
  readonly kind: 'other';
  readonly what: string;
}

function toBacklog(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

/** Normalizes every form `net.Server.listen` takes. */
export function normalizeListenArgs(args: readonly unknown[]): TcpListen | OtherListen {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as Callback) : undefined;
  const first = args[0];
  let options: Record<string, unknown>;
  if (args.length === 0 || typeof first === 'function') options = { port: 0 };
  else if (typeof first === 'object' && first !== null) options = first as Record<string, unknown>;
  else if (isPipeName(first)) return { kind: 'other', what: `the pipe path ${first}` };
  else options = { port: first, ...(typeof args[1] === 'string' ? { host: args[1] } : {}) };

  if ('_handle' in options || 'handle' in options)
    return { kind: 'other', what: 'an existing handle' };
  if (typeof options.fd === 'number')
    return { kind: 'other', what: `the descriptor ${options.fd}` };
  if (options.path !== undefined && options.port === undefined)
    return { kind: 'other', what: `the pipe path ${String(options.path)}` };

  const backlogFromArgs =
    typeof args[1] === 'string' ? toBacklog(args[2]) : (toBacklog(args[1]) ?? toBacklog(args[2]));
  const host = options.host;
  if (host !== undefined && typeof host !== 'string')
    throw invalidArgTypeError('options.host', 'of type string', host);
  return {
    kind: 'tcp',
    port: validatePort(options.port ?? 0, 'options.port', true),
    host: host === '' ? undefined : host,
    backlog: toBacklog(options.backlog) ?? backlogFromArgs,
    exclusive: options.exclusive as boolean | undefined,
    ipv6Only: Boolean(options.ipv6Only),
    signal: options.signal as AbortSignal | undefined,
    callback,
  };
}

/**
 * Node's port check: a number or numeric string, an integer from 0 (when allowed) to 65535;
 * otherwise a `RangeError` with code `ERR_SOCKET_BAD_PORT`.
 */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if (typeof port !== 'number' && typeof port !== 'string') {
    throw invalidArgTypeError(name, 'of type number or string', port);
  }
  const number = typeof port === 'string' && port.trim() === '' ? Number.NaN : Number(port);
  if (number !== number >>> 0 || number > 0xffff || (number === 0 && !allowZero)) {
    const error = new RangeError(
      `${name} should be >= ${allowZero ? 0 : 1} and < 65536. Received ${inspect(port)}.`,
    );
    Object.defineProperty(error, 'code', { value: 'ERR_SOCKET_BAD_PORT', enumerable: true });
    throw error;
  }
  return number;
}
