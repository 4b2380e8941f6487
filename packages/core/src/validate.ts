/**
 * Argument validators shared by every layer, so both backends reject the same input with the
 * same error before anything reaches native code.
 *
 * @module
 */
import { invalidArgTypeError, invalidArgValueError, outOfRangeError } from './argument-errors.js';

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;

/** Largest input or output buffer the generic ioctl accepts (64 KiB); no Winsock code needs more. */
export const MAX_IOCTL_BUFFER = 0x1_0000;
/** Largest raw socket-option buffer accepted (1 KiB); the largest standard option is far smaller. */
export const MAX_OPTION_BUFFER = 0x400;

/** Throws unless `value` is an integer number within `[min, max]`. */
export function validateInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRangeError(name, 'an integer', value);
  if (value < min || value > max) throw outOfRangeError(name, `>= ${min} and <= ${max}`, value);
  return value;
}

/** Throws unless `value` is an unsigned 32-bit integer. */
export function validateUint32(value: unknown, name: string): number {
  return validateInteger(value, name, 0, UINT32_MAX);
}

/** Throws unless `value` is a signed 32-bit integer (socket option levels, names and values). */
export function validateInt32(value: unknown, name: string): number {
  return validateInteger(value, name, INT32_MIN, INT32_MAX);
}

/**
 * Throws unless `value` can be a native socket: a POSIX descriptor or a Windows `SOCKET`, both
 * non-negative and, as libuv's `open()` takes them, within a signed 32-bit int.
 */
export function validateSocketDescriptor(value: unknown, name = 'socket'): number {
  return validateInteger(value, name, 0, INT32_MAX);
}

/** Throws unless `value` is 4 (IPv4) or 6 (IPv6). */
export function validateFamily(value: unknown, name = 'family'): 4 | 6 {
  if (typeof value !== 'number') throw invalidArgTypeError(name, 'of type number', value);
  if (value !== 4 && value !== 6) throw invalidArgValueError(name, value, 'must be 4 or 6');
  return value;
}

/** Throws unless `value` is a boolean. */
export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgTypeError(name, 'of type boolean', value);
  return value;
}

/**
 * `%TypedArray%.prototype`'s own getters, read once at load. A subclass, a proxy or an object
 * that only inherits from `Uint8Array.prototype` can override `byteLength`, but not these; the
 * `Symbol.toStringTag` getter answers `undefined` for anything that is not a typed array.
 */
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function intrinsicGetter(key: PropertyKey): (this: unknown) => unknown {
  const getter = Object.getOwnPropertyDescriptor(typedArrayPrototype, key)?.get;
  if (getter === undefined) throw new Error(`TypedArray.prototype has no ${String(key)} getter`);
  return getter;
}
const typedArrayKind = intrinsicGetter(Symbol.toStringTag);
const typedArrayByteLength = intrinsicGetter('byteLength');

/** Whether `value` is a real `Uint8Array` (a `Buffer` is one), from any realm; never a look-alike. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return typedArrayKind.call(value) === 'Uint8Array';
}

/**
 * The real length in bytes of a typed array, which a native call reads: never what an
 * overridable `byteLength` property says (a subclass's getter could make a call read past the
 * view). Pass this, not `view.byteLength`, next to the view to native code.
 */
export function byteLengthOf(view: ArrayBufferView): number {
  return typedArrayByteLength.call(view) as number;
}

/**
 * Throws unless `value` is a real `Uint8Array` (a `Buffer` is one) whose real length (see
 * {@link byteLengthOf}) is within `[min, max]`. Returns `value` itself.
 */
export function validateBytes(value: unknown, name: string, min: number, max: number): Uint8Array {
  if (!isUint8Array(value)) {
    throw invalidArgTypeError(name, 'an instance of Buffer or Uint8Array', value);
  }
  const length = byteLengthOf(value);
  if (length < min || length > max) {
    throw outOfRangeError(`${name}.byteLength`, `>= ${min} and <= ${max}`, length);
  }
  return value;
}

/** The buffers of a generic ioctl call, checked. */
export interface IoctlBuffers {
  /** The input bytes, or `null` for none. */
  readonly input: Uint8Array | null;
  /** How many output bytes to offer the call. */
  readonly outputLength: number;
}

/**
 * Checks the buffers of a generic ioctl call before any native call.
 * On Windows, `WSAIoctl` takes any input and output size up to {@link MAX_IOCTL_BUFFER}.
 * On POSIX, socket ioctls take a pointer to one `int`: input is absent or exactly 4 bytes, output
 * is 0 or 4 bytes.
 */
export function validateIoctlBuffers(
  platform: NodeJS.Platform,
  input: unknown,
  outputLength: unknown,
): IoctlBuffers {
  const isWindows = platform === 'win32';
  const checkedInput =
    input === null || input === undefined
      ? null
      : validateBytes(input, 'input', isWindows ? 0 : 4, isWindows ? MAX_IOCTL_BUFFER : 4);
  const checkedOutput = validateInteger(outputLength ?? 0, 'outputLength', 0, MAX_IOCTL_BUFFER);
  if (!isWindows && checkedOutput !== 0 && checkedOutput !== 4) {
    throw outOfRangeError('outputLength', '0 or 4 (one int) on POSIX', checkedOutput);
  }
  return { input: checkedInput, outputLength: checkedOutput };
}
