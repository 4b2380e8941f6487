/**
 * `@loopfast/core/internal`: the helpers the loopfast packages share among themselves (argument
 * validation with Node's error codes, Unix socket path limits, errno and addon-loading errors,
 * host classification, the bytes of Linux's table of TCP listeners). Not part of the public API: they may change in any release, without a
 * major version. Applications and backend authors use the main entry, `@loopfast/core`.
 *
 * @packageDocumentation
 */
export * from './argument-errors.js';
export {
  ADDONS_DISABLED_HINT,
  isAddonLoadingDisabled,
  nativeLoadHint,
  systemErrorFromErrno,
} from './errors.js';
export { classifyHost, type HostKind } from './loopback.js';
export { notUnixSocketError } from './not-unix-socket.js';
export {
  SOCK_DIAG_SOCKET,
  tcpListenerAnswerEnded,
  tcpListenerRequest,
  tcpListenersFromAnswer,
  validateTcpListenerQuery,
} from './tcp-listener-table.js';
export * from './unix-path.js';
export * from './validate.js';
