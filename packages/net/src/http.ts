/**
 * Ecosystem helpers: an `http.Agent` whose connections go through loopfast, and a connector for
 * undici's `Agent({ connect })`, so `http.request` and `fetch` clients can use the fast path.
 * Servers (`http.createServer`) use {@link attachFastPath}.
 *
 * `node:http` is loaded when the first {@link FastPathAgent} is made, not when the package is
 * imported: a program that never makes an agent never pays for loading Node's HTTP stack.
 *
 * @module
 */
import type { AgentOptions, Agent as HttpAgent } from 'node:http';
import { isIP, type NetConnectOpts, type Socket } from 'node:net';
import { LoopfastError } from '@loopfast/core';
import { UNSUPPORTED_PROTOCOL } from './codes.js';
import { connectWith } from './connect.js';
import {
  type LoopfastDefaults,
  type LoopfastOptions,
  splitAgentOptions,
  validateLoopfastOptions,
} from './options.js';
import { connectTlsForUndici, type UndiciTlsOptions } from './tls.js';

/**
 * Stands in for `http.Agent` as {@link FastPathAgent}'s base class until the first agent is
 * made. Then it loads `node:http`, puts `http.Agent` behind itself (its prototype and its
 * statics), and builds each agent with `http.Agent`'s own constructor, for the class being
 * constructed (`new.target`: `FastPathAgent` or a subclass of it).
 */
function LazyHttpAgent(this: unknown, ...args: unknown[]): object {
  return Reflect.construct(loadHttpAgent(), args, new.target);
}

let httpAgent: typeof HttpAgent | undefined;

function loadHttpAgent(): typeof HttpAgent {
  if (httpAgent === undefined) {
    httpAgent = process.getBuiltinModule('node:http').Agent;
    Object.setPrototypeOf(LazyHttpAgent.prototype, httpAgent.prototype);
    Object.setPrototypeOf(LazyHttpAgent, httpAgent);
  }
  return httpAgent;
}

/**
 * `http.Agent` to the type checker (and, by name, to the API reference's class hierarchy);
 * {@link LazyHttpAgent} at run time.
 */
const Agent = LazyHttpAgent as unknown as typeof HttpAgent;

/** Options of {@link FastPathAgent}: `http.Agent`'s plus loopfast's (`loopbackFastPath` defaults to true). */
export type FastPathAgentOptions = AgentOptions & LoopfastOptions;

/**
 * An `http.Agent` whose sockets come from loopfast's `connect`, with the fast path asked for.
 * An instance of `http.Agent` like any other; pass it as `agent` to `http.request` / `http.get`.
 *
 * @example
 * ```js
 * import http from 'node:http';
 * import { FastPathAgent } from '@loopfast/net';
 *
 * const agent = new FastPathAgent({ keepAlive: true });
 * http.get({ host: '127.0.0.1', port: 3000, path: '/', agent }, (res) => res.resume());
 * ```
 */
export class FastPathAgent extends Agent {
  readonly #defaults: LoopfastDefaults;

  /**
   * Makes an agent; `loopbackFastPath` is true unless set to false.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong loopfast option.
   */
  constructor(options: FastPathAgentOptions = {}) {
    const { defaults, agentOptions } = splitAgentOptions(options);
    super(agentOptions);
    this.#defaults = defaults;
  }

  /** Called by `http.Agent` for each new connection. */
  override createConnection(options: NetConnectOpts): Socket {
    return connectWith(this.#defaults, [options]);
  }
}

/** What undici passes to a `connect` function. */
export interface UndiciConnectOptions {
  /** The URL's host name, in brackets for an IPv6 literal. */
  hostname: string;
  /** `'http:'` or `'https:'`. */
  protocol: string;
  /** The port, as a string; empty for the protocol's default. */
  port: string;
  /** A local address to bind, if any. */
  localAddress?: string | null;
}

/**
 * How a connector answers undici: `(null, socket)` once connected, or `(error, null)`. The same
 * shape as undici's own `buildConnector.Callback` (undici 6 and 7), so a connector of this type
 * is assignable to `Agent({ connect })` without loopfast depending on undici.
 */
export type UndiciConnectCallback = (
  ...args: [error: null, socket: Socket] | [error: Error, socket: null]
) => void;

/**
 * undici's `connect` function (`buildConnector.connector`): given where to connect, call back
 * with a connected socket or an error.
 */
export type UndiciConnector = (
  options: UndiciConnectOptions,
  callback: UndiciConnectCallback,
) => void;

/** Options of `createUndiciConnector`: loopfast's, plus `tls.connect`'s for `https:` origins. */
export type UndiciConnectorOptions = LoopfastOptions & UndiciTlsOptions;

/**
 * A connector for `new undici.Agent({ connect })`; pass the agent as `fetch`'s `dispatcher`.
 * `http:` origins get loopfast's socket; `https:` origins TLS over it (Node's `tls.connect`,
 * with the URL's host name as `servername` and the TLS options given here: `ca`, `cert`,
 * `rejectUnauthorized`, ...). Any other protocol fails with `ERR_LOOPFAST_UNSUPPORTED_PROTOCOL`.
 * `loopbackFastPath` is true unless set to false.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong option, at once.
 */
export function createUndiciConnector(options: UndiciConnectorOptions = {}): UndiciConnector {
  validateLoopfastOptions(options, 'options');
  const { loopbackFastPath, backend, optionPolicy, ...tls } = options;
  const defaults: LoopfastDefaults = {
    ...(backend === undefined ? {} : { backend }),
    ...(optionPolicy === undefined ? {} : { optionPolicy }),
    loopbackFastPath: loopbackFastPath ?? true,
  };
  return ({ hostname, protocol, port, localAddress }, callback) => {
    if (protocol === 'https:') {
      const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
      connectTlsForUndici(
        defaults,
        tls,
        {
          host,
          port: port === '' ? 443 : Number(port),
          servername: isIP(host) ? undefined : host,
          ...(localAddress ? { localAddress } : {}),
        },
        callback,
      );
      return;
    }
    if (protocol !== 'http:') {
      callback(
        new LoopfastError(
          UNSUPPORTED_PROTOCOL,
          `loopfast's undici connector carries http: and https: only, not ${protocol}`,
        ),
        null,
      );
      return;
    }
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const socket = connectWith(defaults, [
      { host, port: port === '' ? 80 : Number(port), ...(localAddress ? { localAddress } : {}) },
    ]);
    const onError = (error: Error) => callback(error, null);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      callback(null, socket);
    });
  };
}
