/**
 * The options a `net.Socket` made from a descriptor takes from a `connect` call. Node's socket
 * copies its whole options object and reads a few dozen names from the copy; a caller such as
 * `http.Agent` passes many more (method, headers, agent and so on). Copying only what the socket
 * reads keeps both copies small: on every connection's path, copying all of `http`'s options
 * costs several microseconds.
 *
 * @module
 */

/**
 * Every name `new net.Socket(options)` reads, with the stream and event constructors it calls,
 * on the Node versions loopfast supports. A test holds this list against the running Node.
 */
export const SOCKET_OPTION_NAMES = [
  'allowHalfOpen',
  'autoDestroy',
  'blockList',
  'captureRejections',
  'construct',
  'decodeStrings',
  'defaultEncoding',
  'destroy',
  'emitClose',
  'encoding',
  'final',
  'highWaterMark',
  'keepAlive',
  'keepAliveInitialDelay',
  'noDelay',
  'objectMode',
  'onread',
  'pauseOnCreate',
  'read',
  'readableHighWaterMark',
  'readableObjectMode',
  'signal',
  'typeOfService',
  'write',
  'writev',
  'writableHighWaterMark',
  'writableObjectMode',
] as const;

const isOwnEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * The options for a socket made from a descriptor: what `options` holds of
 * {@link SOCKET_OPTION_NAMES} as Node's own copy would take it (own, enumerable, defined), then
 * `own`, which wins. The copy is of the caller's kind, with a prototype or without one (as
 * `http`'s options are): V8 copies like to like quickly when Node's socket copies the options
 * again, where a mismatch costs new hidden classes for every socket.
 */
export function socketOptionsFrom(
  options: Readonly<Record<string, unknown>>,
  own: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const copy: Record<string, unknown> =
    Object.getPrototypeOf(options) === null ? { __proto__: null } : {};
  for (const name of SOCKET_OPTION_NAMES) {
    const value = options[name];
    if (value !== undefined && isOwnEnumerable.call(options, name)) copy[name] = value;
  }
  return Object.assign(copy, own);
}
