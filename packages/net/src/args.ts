/**
 * Normalizes the overloads of `connect` and `listen` into one options object, as `lib/net.js`
 * does, and validates ports with Node's codes.
 *
 * @module
 */

import { inspect } from 'node:util';
import { invalidArgTypeError } from '@loopfast/core/internal';

type Callback = (...args: unknown[]) => void;

function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !/^\s*\d+\s*$/.test(value);
}

/**
 * `(options[, listener])`, `(port[, host][, listener])` or `(path[, listener])` as
 * `[options, listener]`. The caller's options object comes back as it is: nothing here or after
 * changes it (reading loopfast's options makes a copy without them when it holds any).
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

/** A TCP `listen` call by port, normalized: the one form a mechanism may take over. */
export interface TcpListen {
  readonly port: number;
  readonly host: string | undefined;
  readonly backlog: number | undefined;
  readonly exclusive: boolean | undefined;
  readonly ipv6Only: boolean;
  readonly signal: AbortSignal | undefined;
  readonly callback: Callback | undefined;
}

/** Node's reading of a backlog argument: a number, or a numeric string; anything else is none. */
function toBacklog(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : Number(value);
  return typeof value !== 'boolean' && value !== '' && Number.isFinite(number) && number > 0
    ? number
    : undefined;
}

function isValidPort(port: unknown): boolean {
  try {
    validatePort(port, 'options.port');
    return true;
  } catch {
    return false;
  }
}

/**
 * Recognizes a `net.Server.listen` call that binds a TCP port, read as Node reads it, or returns
 * `null` for every other call: pipes, handles, descriptors, and anything Node would refuse or
 * treat specially (a bad port or host, no port, an aborted signal, `reusePort`). Those go to
 * Node untouched, so they succeed or fail exactly as Node makes them.
 */
export function recognizeTcpListen(args: readonly unknown[]): TcpListen | null {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as Callback) : undefined;
  const first = args[0];
  let options: Record<string, unknown>;
  if (typeof first === 'object' && first !== null) options = first as Record<string, unknown>;
  else if (isPipeName(first)) return null;
  else options = { port: first, ...(typeof args[1] === 'string' ? { host: args[1] } : {}) };
  if ('_handle' in options || 'handle' in options || options.fd !== undefined) return null;
  if (options.reusePort !== undefined) return null;
  const signal = options.signal;
  if (signal !== undefined && (!(signal instanceof AbortSignal) || signal.aborted)) return null;
  const omitted =
    args.length === 0 ||
    typeof first === 'function' ||
    (options.port === undefined && 'port' in options) ||
    options.port === null;
  const port = omitted ? 0 : options.port;
  if (!isValidPort(port)) return null;
  const host = options.host;
  if (host !== undefined && typeof host !== 'string') return null;
  const backlogFromArgs =
    toBacklog(args.length > 1 && args[1]) ?? toBacklog(args.length > 2 && args[2]);
  return {
    port: validatePort(port, 'options.port'),
    host: host || undefined,
    backlog: toBacklog(options.backlog) ?? backlogFromArgs,
    exclusive: options.exclusive as boolean | undefined,
    ipv6Only: Boolean(options.ipv6Only),
    signal: signal as AbortSignal | undefined,
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
