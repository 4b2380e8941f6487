/**
 * The factory: `createLoopfast({ backend, loopbackFastPath, optionPolicy })` binds defaults once;
 * the package's top-level functions are one such instance with no defaults.
 *
 * @module
 */
import { Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { invalidArgTypeError } from '@loopfast/core/internal';
import { FastPathAgent, type FastPathAgentOptions } from './adapters/http-agent.js';
import {
  connectTlsWith,
  FastPathHttpsAgent,
  type FastPathHttpsAgentOptions,
  type TlsConnectOptions,
} from './adapters/tls.js';
import {
  createUndiciConnector,
  type UndiciConnector,
  type UndiciConnectorOptions,
} from './adapters/undici.js';
import { type ConnectOptions, connectWith } from './connect.js';
import { type LoopfastDefaults, type LoopfastOptions, validateLoopfastOptions } from './options.js';
import { attachFastPath, createServerWith, type ServerOptions } from './server.js';
import { type FastPathInfo, fastPathInfo } from './status-record.js';

/** The functions of `@loopfast/net`, with defaults bound. */
export interface Loopfast {
  /** Like `net.connect`; see {@link ConnectOptions}. */
  connect(options: ConnectOptions, connectionListener?: () => void): Socket;
  /** Like `net.connect(port[, host][, listener])`. */
  connect(port: number, host?: string, connectionListener?: () => void): Socket;
  /** Like `net.connect(path[, listener])` (never a fast path: not TCP). */
  connect(path: string, connectionListener?: () => void): Socket;
  /** The same as `connect`. */
  createConnection: Loopfast['connect'];
  /** Like `net.createServer`; see {@link ServerOptions}. */
  createServer(options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
  /** Like `net.createServer(listener)`. */
  createServer(connectionListener?: (socket: Socket) => void): Server;
  /**
   * Gives an existing server (an `http.Server` too) the fast path on `listen`; returns the same
   * server, with its own type.
   */
  attachFastPath<S extends Server>(server: S, options?: LoopfastOptions): S;
  /** An `http.Agent` whose connections use the fast path. */
  createHttpAgent(options?: FastPathAgentOptions): FastPathAgent;
  /**
   * Like `tls.connect(options)`, over a socket from this instance's `connect`; see
   * {@link connectTls}.
   */
  connectTls(options: TlsConnectOptions, secureConnectListener?: () => void): TLSSocket;
  /**
   * An `https.Agent` whose connections are TLS over this instance's `connect`; see
   * {@link FastPathHttpsAgent}.
   */
  createHttpsAgent(options?: FastPathHttpsAgentOptions): FastPathHttpsAgent;
  /** A connector for undici's `Agent({ connect })`. */
  createUndiciConnector(options?: UndiciConnectorOptions): UndiciConnector;
  /** The fast-path status of a socket or server; see {@link FastPathInfo}. */
  fastPathInfo(target: Socket | Server): FastPathInfo;
}

/** Throws the coded `TypeError` Node gives for a wrong argument unless `server` is a `net.Server`. */
function validateServer(server: unknown): void {
  if (!(server instanceof Server)) {
    throw invalidArgTypeError(
      'server',
      'an instance of net.Server (such as an http.Server or https.Server)',
      server,
    );
  }
}

/**
 * Binds `defaults` (for example a backend) to every function; a call's own options win.
 * The defaults are validated here, once, so a mistake fails where it is made.
 *
 * @example
 * ```js
 * import { backend } from '@loopfast/ffi';
 * import { createLoopfast } from '@loopfast/net';
 *
 * const { connect, createServer } = createLoopfast({ backend, loopbackFastPath: true });
 * ```
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a `loopbackFastPath` that is not a boolean, a
 * `backend` that is not a backend; `ERR_INVALID_ARG_VALUE` for an unknown backend name or
 * `optionPolicy`.
 */
export function createLoopfast(defaults: LoopfastOptions = {}): Loopfast {
  validateLoopfastOptions(defaults, 'defaults');
  const bound: LoopfastDefaults = { ...defaults };
  const connect = (...args: unknown[]) => connectWith(bound, args);
  return {
    connect: connect as Loopfast['connect'],
    createConnection: connect as Loopfast['connect'],
    createServer: ((...args: unknown[]) =>
      createServerWith(bound, args)) as Loopfast['createServer'],
    attachFastPath: <S extends Server>(server: S, options: LoopfastOptions = {}): S => {
      validateServer(server);
      return attachFastPath(server, { ...bound, ...options }) as S;
    },
    createHttpAgent: (options = {}) => new FastPathAgent({ ...bound, ...options }),
    connectTls: (options, secureConnectListener) => {
      validateLoopfastOptions(options, 'options');
      return connectTlsWith(bound, options as Record<string, unknown>, secureConnectListener);
    },
    createHttpsAgent: (options = {}) => new FastPathHttpsAgent({ ...bound, ...options }),
    createUndiciConnector: (options = {}) => createUndiciConnector({ ...bound, ...options }),
    fastPathInfo,
  };
}
