/**
 * `@loopfast/net`: fast-path `createServer` / `connect` for loopback TCP over any loopfast
 * backend, with per-socket status (`fastPathInfo`), an option guard and HTTP helpers.
 *
 * ```js
 * import { connect, createServer, fastPathInfo } from '@loopfast/net';
 * const server = createServer({ loopbackFastPath: true }, (socket) => socket.end('hi'));
 * server.listen(0, '127.0.0.1', () => {
 *   const socket = connect({ port: server.address().port, host: '127.0.0.1', loopbackFastPath: true });
 *   socket.on('connect', () => console.log(fastPathInfo(socket)));
 * });
 * ```
 *
 * @packageDocumentation
 */
import { createLoopfast } from './loopfast.js';

export type { BackendOption } from './backend-choice.js';
export type { ConnectOptions } from './connect.js';
export { HANDOFF_UNAVAILABLE } from './handoff.js';
export {
  FastPathAgent,
  type FastPathAgentOptions,
  UNSUPPORTED_PROTOCOL,
  type UndiciConnectOptions,
  type UndiciConnector,
} from './http.js';
export { createLoopfast, type Loopfast } from './loopfast.js';
export {
  type OptionPolicy,
  UNSUPPORTED_OPTION_ERROR,
  UNSUPPORTED_OPTION_WARNING,
} from './option-guard.js';
export type { LoopfastOptions } from './options.js';
export type { ServerOptions } from './server.js';
export {
  type FastPathInfo,
  type FastPathMechanism,
  type FastPathState,
  fastPathInfo,
} from './status.js';

const defaultInstance = createLoopfast();

/** Like `net.connect`, plus `loopbackFastPath`, `backend` and `optionPolicy`. */
export const connect: typeof defaultInstance.connect = defaultInstance.connect;
/** The same as {@link connect}. */
export const createConnection: typeof defaultInstance.connect = defaultInstance.connect;
/** Like `net.createServer`, plus `loopbackFastPath`, `backend` and `optionPolicy`. */
export const createServer: typeof defaultInstance.createServer = defaultInstance.createServer;
/** Gives an existing `net.Server` or `http.Server` loopfast's `listen`. */
export const attachFastPath: typeof defaultInstance.attachFastPath = defaultInstance.attachFastPath;
/** A connector for undici's `Agent({ connect })`, for `fetch`. */
export const createUndiciConnector: typeof defaultInstance.createUndiciConnector =
  defaultInstance.createUndiciConnector;
