/**
 * Winsock control-code construction, as `ws2def.h` defines it, and the codes derived from it.
 *
 * Codes are unsigned 32-bit integers. JavaScript's bitwise operators yield signed 32-bit
 * results, so every result passes through `>>> 0`.
 *
 * @module
 */
import { invalidArgValueError, outOfRangeError } from './argument-errors.js';
import { validateUint32 } from './validate.js';

/** The "Unix-compatible" family (`IOC_UNIX`): codes shared with BSD sockets. */
export const IOC_UNIX = 0x0000_0000;
/** The Winsock 2 family (`IOC_WS2`): codes defined by Winsock 2 itself. */
export const IOC_WS2 = 0x0800_0000;
/** The protocol-specific family (`IOC_PROTOCOL`). */
export const IOC_PROTOCOL = 0x1000_0000;
/** The vendor-defined family (`IOC_VENDOR`); `SIO_LOOPBACK_FAST_PATH` lives here. */
export const IOC_VENDOR = 0x1800_0000;
/** The code takes no parameters (`IOC_VOID`). */
export const IOC_VOID = 0x2000_0000;
/** The code returns data through the output buffer (`IOC_OUT`). */
export const IOC_OUT = 0x4000_0000;
/** The code reads data from the input buffer (`IOC_IN`). */
export const IOC_IN = 0x8000_0000;
/** The code both reads input and returns output (`IOC_INOUT`). */
export const IOC_INOUT = (IOC_IN | IOC_OUT) >>> 0;

/** The families a Winsock control code may belong to. */
const FAMILIES: readonly number[] = [IOC_UNIX, IOC_WS2, IOC_PROTOCOL, IOC_VENDOR];
/** The function number sits below the family bits (27 bits). */
const MAX_FUNCTION = 0x07ff_ffff;

function compose(direction: number, family: number, fn: number): number {
  validateUint32(family, 'family');
  validateUint32(fn, 'fn');
  if (!FAMILIES.includes(family)) {
    throw invalidArgValueError(
      'family',
      family,
      'must be IOC_UNIX, IOC_WS2, IOC_PROTOCOL or IOC_VENDOR',
    );
  }
  if (fn > MAX_FUNCTION) {
    throw outOfRangeError('fn', `<= 0x${MAX_FUNCTION.toString(16)} (below the family bits)`, fn);
  }
  return (direction | family | fn) >>> 0;
}

/** `_WSAIO(x, y)`: a code that takes no parameters. */
export function _WSAIO(family: number, fn: number): number {
  return compose(IOC_VOID, family, fn);
}

/** `_WSAIOR(x, y)`: a code that returns data through the output buffer. */
export function _WSAIOR(family: number, fn: number): number {
  return compose(IOC_OUT, family, fn);
}

/** `_WSAIOW(x, y)`: a code that reads data from the input buffer. */
export function _WSAIOW(family: number, fn: number): number {
  return compose(IOC_IN, family, fn);
}

/** `_WSAIORW(x, y)`: a code that reads input and returns output. */
export function _WSAIORW(family: number, fn: number): number {
  return compose(IOC_INOUT, family, fn);
}

/**
 * `SIO_LOOPBACK_FAST_PATH` = `_WSAIOW(IOC_VENDOR, 16)` = `0x98000010`: configures a TCP socket
 * for the loopback fast path. Input: a 4-byte Boolean; output: none (`cbOutBuffer` must be 0).
 */
export const SIO_LOOPBACK_FAST_PATH = _WSAIOW(IOC_VENDOR, 16);

/** `SIO_RCVALL` = `_WSAIOW(IOC_VENDOR, 1)`; a sibling code that cross-checks the macros. */
export const SIO_RCVALL = _WSAIOW(IOC_VENDOR, 1);
/** `SIO_KEEPALIVE_VALS` = `_WSAIOW(IOC_VENDOR, 4)`; a sibling code that cross-checks the macros. */
export const SIO_KEEPALIVE_VALS = _WSAIOW(IOC_VENDOR, 4);
/** `SIO_TCP_INITIAL_RTO` = `_WSAIOW(IOC_VENDOR, 17)`; the code right after the fast path. */
export const SIO_TCP_INITIAL_RTO = _WSAIOW(IOC_VENDOR, 17);
/** `SIO_GET_EXTENSION_FUNCTION_POINTER` = `_WSAIORW(IOC_WS2, 6)`. */
export const SIO_GET_EXTENSION_FUNCTION_POINTER = _WSAIORW(IOC_WS2, 6);
/** `SIO_ADDRESS_LIST_QUERY` = `_WSAIOR(IOC_WS2, 22)`. */
export const SIO_ADDRESS_LIST_QUERY = _WSAIOR(IOC_WS2, 22);
/** `SIO_ADDRESS_LIST_CHANGE` = `_WSAIO(IOC_WS2, 23)`. */
export const SIO_ADDRESS_LIST_CHANGE = _WSAIO(IOC_WS2, 23);
