/**
 * `@loopfast/core`: constants, IOC macros, the error table and error classes, the supported-option
 * table, loopback and platform helpers, the environment variables, and the {@link Backend}
 * interface. Pure TypeScript. The helpers the loopfast packages share among themselves are on
 * `@loopfast/core/internal`, which is not public API.
 *
 * @packageDocumentation
 */
export * from './backend.js';
export * from './environment.js';
export * from './error-table.js';
export {
  isUnsupportedError,
  LoopfastError,
  LoopfastErrorCode,
  LoopfastSystemError,
  type SystemErrorFields,
  type UnsupportedError,
} from './errors.js';
export * from './fast-path-options.js';
export * from './ioctl-codes.js';
export {
  isIPv4MappedAddress,
  isLocalhostName,
  isLoopbackAddress,
  isWildcardAddress,
} from './loopback.js';
export * from './socket-constants.js';
export type { TcpListenerEntry } from './tcp-listener-table.js';
export { unixPathLimit } from './unix-path.js';
export * from './windows-version.js';
