/**
 * Errors for bad arguments, shaped like Node's own (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`,
 * `ERR_INVALID_ARG_VALUE`), so callers can branch on `code` the way they do for `node:net`.
 *
 * @module
 */
import { inspect } from 'node:util';

/** A `TypeError` or `RangeError` that carries a Node-style `code`. */
export type ArgumentError = (TypeError | RangeError) & {
  /** `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` or `ERR_INVALID_ARG_VALUE`. */
  readonly code: 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE';
};

function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object')
    return `Received an instance of ${value.constructor?.name ?? 'Object'}`;
  const shown = inspect(value, { maxStringLength: 40 });
  return `Received type ${typeof value} (${shown})`;
}

function withCode<E extends Error>(error: E, code: ArgumentError['code']): E & ArgumentError {
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error as E & ArgumentError;
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`: the argument has the wrong type. */
export function invalidArgTypeError(
  name: string,
  expected: string,
  actual: unknown,
): ArgumentError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. ${describeReceived(actual)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`: the argument is of the right type but outside its range. */
export function outOfRangeError(name: string, range: string, actual: unknown): ArgumentError {
  return withCode(
    new RangeError(
      `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(actual)}`,
    ),
    'ERR_OUT_OF_RANGE',
  );
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`: the argument's value is not one that is accepted. */
export function invalidArgValueError(name: string, actual: unknown, reason: string): ArgumentError {
  return withCode(
    new TypeError(`The argument '${name}' ${reason}. Received ${inspect(actual)}`),
    'ERR_INVALID_ARG_VALUE',
  );
}
