/**
 * `@loopfast/net`: fast-path `createServer` / `connect` for loopback TCP over any loopfast
 * backend, with per-socket status (`fastPathInfo`), an option guard and HTTP helpers.
 *
 * ```js
 * import { connect, createServer, fastPathInfo } from '@loopfast/net';
 *
 * const server = createServer({ loopbackFastPath: true }, (socket) => socket.end('hello\n'));
 * server.listen(0, '127.0.0.1', () => {
 *   const address = server.address();
 *   if (address === null || typeof address === 'string') throw new Error('not a TCP server');
 *   const socket = connect({ port: address.port, host: '127.0.0.1', loopbackFastPath: true });
 *   socket.on('connect', () => console.log(fastPathInfo(socket)));
 *   socket.on('close', () => server.close());
 *   socket.pipe(process.stdout);
 * });
 * ```
 *
 * @packageDocumentation
 */
import type { Server, Socket } from 'node:net';
import type { UndiciConnector, UndiciConnectorOptions } from './adapters/undici.js';
import type { ConnectOptions } from './connect.js';
import { createLoopfast } from './loopfast.js';
import type { LoopfastOptions } from './options.js';
import type { ServerOptions } from './server.js';

export { FastPathAgent, type FastPathAgentOptions } from './adapters/http-agent.js';
export {
  connectTls,
  FastPathHttpsAgent,
  type FastPathHttpsAgentOptions,
  type TlsConnectOptions,
  type UndiciTlsOptions,
} from './adapters/tls.js';
export type {
  UndiciConnectCallback,
  UndiciConnectOptions,
  UndiciConnector,
  UndiciConnectorOptions,
} from './adapters/undici.js';
export type { BackendOption } from './backend-choice.js';
export {
  HANDOFF_UNAVAILABLE,
  SERVER_LISTENING,
  UNKNOWN_BACKEND_WARNING,
  UNKNOWN_ENV_VALUE_WARNING,
  UNKNOWN_ENV_WARNING,
  UNSUPPORTED_OPTION_ERROR,
  UNSUPPORTED_OPTION_WARNING,
  UNSUPPORTED_PROTOCOL,
} from './codes.js';
export type { ConnectOptions } from './connect.js';
export { createLoopfast, type Loopfast } from './loopfast.js';
export type { LoopfastOptions, OptionPolicy } from './options.js';
export type { ServerOptions } from './server.js';
export {
  type FastPathInfo,
  type FastPathMechanism,
  type FastPathState,
  fastPathInfo,
} from './status-record.js';

/** The instance behind the top-level functions: no defaults of its own. */
const defaultInstance = createLoopfast();

/**
 * Opens a TCP connection like `net.connect`, taking every `node:net` overload and option plus
 * loopfast's ({@link LoopfastOptions}: `loopbackFastPath`, `backend`, `optionPolicy`). With
 * `loopbackFastPath: true` toward a loopback address the connection gets the platform's fast
 * path where both ends asked for it, and over TCP otherwise, within the same call and without
 * an error; {@link fastPathInfo} says which and why. Without it the call goes to Node untouched.
 *
 * @param options `net.connect`'s options plus loopfast's.
 * @param connectionListener Added as a `'connect'` listener.
 * @returns A `net.Socket`, connecting.
 * @throws TypeError / RangeError with Node's codes for a wrong option or port, before anything is
 * made.
 *
 * @example
 * ```js
 * import { connect, fastPathInfo } from '@loopfast/net';
 *
 * const socket = connect({ port: 3000, host: '127.0.0.1', loopbackFastPath: true }, () => {
 *   console.log(fastPathInfo(socket).state); // 'enabled' when the server asked for it too
 * });
 * ```
 */
export function connect(options: ConnectOptions, connectionListener?: () => void): Socket;
/**
 * Like `net.connect(port[, host][, listener])`. Loopfast's options need the options form; in this
 * form the default instance asks for nothing and the call is Node's.
 *
 * @param port The destination port.
 * @param host The destination host (`localhost` by default, as in Node).
 * @param connectionListener Added as a `'connect'` listener.
 */
export function connect(port: number, host?: string, connectionListener?: () => void): Socket;
/**
 * Like `net.connect(path[, listener])`: a Unix socket or Windows pipe path, never a fast path
 * (not TCP).
 *
 * @param path The socket or pipe path.
 * @param connectionListener Added as a `'connect'` listener.
 */
export function connect(path: string, connectionListener?: () => void): Socket;
export function connect(...args: unknown[]): Socket {
  return (defaultInstance.connect as (...a: unknown[]) => Socket)(...args);
}

/**
 * The same as {@link connect}, as `net.createConnection` is the same as `net.connect`.
 *
 * @param options `net.connect`'s options plus loopfast's ({@link LoopfastOptions}).
 * @param connectionListener Added as a `'connect'` listener.
 *
 * @example
 * ```js
 * import { createConnection } from '@loopfast/net';
 *
 * const socket = createConnection({ port: 3000, host: '::1', loopbackFastPath: true });
 * ```
 */
export function createConnection(options: ConnectOptions, connectionListener?: () => void): Socket;
/**
 * Like `net.createConnection(port[, host][, listener])`.
 *
 * @param port The destination port.
 * @param host The destination host (`localhost` by default, as in Node).
 * @param connectionListener Added as a `'connect'` listener.
 */
export function createConnection(
  port: number,
  host?: string,
  connectionListener?: () => void,
): Socket;
/**
 * Like `net.createConnection(path[, listener])`: never a fast path (not TCP).
 *
 * @param path The socket or pipe path.
 * @param connectionListener Added as a `'connect'` listener.
 */
export function createConnection(path: string, connectionListener?: () => void): Socket;
export function createConnection(...args: unknown[]): Socket {
  return (defaultInstance.createConnection as (...a: unknown[]) => Socket)(...args);
}

/**
 * Makes a TCP server like `net.createServer`, with every `node:net` option plus loopfast's
 * ({@link LoopfastOptions}). With `loopbackFastPath: true`, every TCP form of `listen` gets the
 * platform's fast path where the address qualifies (a loopback address or the wildcard): on
 * Windows the control code on the listening socket, on Linux and macOS a Unix-socket rendezvous
 * beside the TCP listener. Clients that did not ask keep connecting over TCP.
 *
 * @param options `net.createServer`'s options plus loopfast's.
 * @param connectionListener Added as a `'connection'` listener.
 * @returns A `net.Server`, not listening yet.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong loopfast option.
 *
 * @example
 * ```js
 * import { createServer, fastPathInfo } from '@loopfast/net';
 *
 * const server = createServer({ loopbackFastPath: true }, (socket) => socket.end('hi\n'));
 * server.listen(0, '127.0.0.1', () => console.log(fastPathInfo(server)));
 * ```
 */
export function createServer(
  options?: ServerOptions,
  connectionListener?: (socket: Socket) => void,
): Server;
/**
 * Like `net.createServer(listener)`: no fast path asked for, so the server is Node's.
 *
 * @param connectionListener Added as a `'connection'` listener.
 */
export function createServer(connectionListener?: (socket: Socket) => void): Server;
export function createServer(...args: unknown[]): Server {
  return (defaultInstance.createServer as (...a: unknown[]) => Server)(...args);
}

/**
 * Gives an existing server, such as an `http.Server`, `https.Server` or a framework's, loopfast's
 * `listen`: with `loopbackFastPath: true` every TCP form of `listen` gets the platform's fast
 * path, as for {@link createServer}. Pipe paths, handles and descriptors pass through untouched.
 * Call it before `listen`.
 *
 * @typeParam S The server's own type, which the result keeps (an `http.Server` stays one).
 * @param server The server to give the fast path.
 * @param options Loopfast's options ({@link LoopfastOptions}).
 * @returns `server` itself.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `server` is not a `net.Server`, or for a wrong
 * option.
 * @throws LoopfastError `ERR_LOOPFAST_SERVER_LISTENING` when `server` is already listening; nothing
 * is attached. Close the server, attach, then listen again.
 *
 * @example
 * ```js
 * import http from 'node:http';
 * import { attachFastPath } from '@loopfast/net';
 *
 * const server = attachFastPath(
 *   http.createServer((req, res) => res.end('ok')),
 *   { loopbackFastPath: true },
 * );
 * server.listen(0, '127.0.0.1');
 * ```
 */
export function attachFastPath<S extends Server>(server: S, options?: LoopfastOptions): S {
  return defaultInstance.attachFastPath(server, options);
}

/**
 * A connector for undici's `new Agent({ connect })`, so `fetch` through that agent (pass it as
 * `dispatcher`) uses the fast path. Its type is undici's own connector type (undici 6 and 7),
 * without loopfast depending on undici. `https:` origins get TLS over the fast-path socket
 * (Node's `tls.connect`: the URL's host name as `servername`, certificate checks intact, with the
 * TLS options given here such as `ca`); other protocols fail with
 * `ERR_LOOPFAST_UNSUPPORTED_PROTOCOL`. `loopbackFastPath` is true unless set to false.
 *
 * @param options Loopfast's options ({@link LoopfastOptions}) and `tls.connect`'s for `https:`.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong option, at once.
 *
 * @example
 * ```js
 * import { Agent, fetch } from 'undici';
 * import { createUndiciConnector } from '@loopfast/net';
 *
 * const dispatcher = new Agent({ connect: createUndiciConnector() });
 * const response = await fetch('http://127.0.0.1:3000/', { dispatcher });
 * ```
 */
export function createUndiciConnector(options?: UndiciConnectorOptions): UndiciConnector {
  return defaultInstance.createUndiciConnector(options);
}
