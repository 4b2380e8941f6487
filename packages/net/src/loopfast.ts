/**
 * The factory: `createLoopfast({ backend, loopbackFastPath, optionPolicy })` binds defaults once;
 * the package's top-level functions are one such instance with no defaults.
 *
 * @module
 */
import type { Server, Socket } from 'node:net';
import { type ConnectOptions, connectWith } from './connect.js';
import {
  createUndiciConnector,
  FastPathAgent,
  type FastPathAgentOptions,
  type UndiciConnector,
} from './http.js';
import type { LoopfastDefaults, LoopfastOptions } from './options.js';
import { attachFastPath, createServerWith, type ServerOptions } from './server.js';
import { type FastPathInfo, fastPathInfo } from './status.js';

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
  /** Gives an existing server (an `http.Server` too) the fast path on `listen`. */
  attachFastPath(server: Server, options?: LoopfastOptions): Server;
  /** An `http.Agent` whose connections use the fast path. */
  createHttpAgent(options?: FastPathAgentOptions): FastPathAgent;
  /** A connector for undici's `Agent({ connect })`. */
  createUndiciConnector(options?: LoopfastOptions): UndiciConnector;
  /** The fast-path status of a socket or server; see {@link FastPathInfo}. */
  fastPathInfo(target: Socket | Server): FastPathInfo;
}

/** Binds `defaults` (for example a backend) to every function; a call's own options win. */
export function createLoopfast(defaults: LoopfastOptions = {}): Loopfast {
  const bound: LoopfastDefaults = { ...defaults };
  const connect = (...args: unknown[]) => connectWith(bound, args);
  return {
    connect: connect as Loopfast['connect'],
    createConnection: connect as Loopfast['connect'],
    createServer: ((...args: unknown[]) =>
      createServerWith(bound, args)) as Loopfast['createServer'],
    attachFastPath: (server, options = {}) => attachFastPath(server, { ...bound, ...options }),
    createHttpAgent: (options = {}) => new FastPathAgent({ ...bound, ...options }),
    createUndiciConnector: (options = {}) => createUndiciConnector({ ...bound, ...options }),
    fastPathInfo,
  };
}
