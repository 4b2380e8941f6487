/**
 * Ecosystem helpers: an `http.Agent` whose connections go through loopfast, and a connector for
 * undici's `Agent({ connect })`, so `http.request` and `fetch` clients can use the fast path.
 * Servers (`http.createServer`) use {@link attachFastPath}.
 *
 * @module
 */
import { Agent, type AgentOptions } from 'node:http';
import type { NetConnectOpts, Socket } from 'node:net';
import { LoopfastError } from '@loopfast/core';
import { connectWith } from './connect.js';
import type { LoopfastDefaults, LoopfastOptions } from './options.js';

/** Options of {@link FastPathAgent}: `http.Agent`'s plus loopfast's (`loopbackFastPath` defaults to true). */
export type FastPathAgentOptions = AgentOptions & LoopfastOptions;

/** An `http.Agent` whose sockets come from loopfast's `connect`, with the fast path asked for. */
export class FastPathAgent extends Agent {
  readonly #defaults: LoopfastDefaults;

  /** Makes an agent; `loopbackFastPath` is true unless set to false. */
  constructor(options: FastPathAgentOptions = {}) {
    const { loopbackFastPath = true, backend, optionPolicy, ...agentOptions } = options;
    super(agentOptions);
    this.#defaults = {
      loopbackFastPath,
      ...(backend === undefined ? {} : { backend }),
      ...(optionPolicy === undefined ? {} : { optionPolicy }),
    };
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

/** undici's `connect` signature: call back with a connected socket or an error. */
export type UndiciConnector = (
  options: UndiciConnectOptions,
  callback: (error: Error | null, socket: Socket | null) => void,
) => void;

/** Code of the error for an `https:` origin, which this connector does not carry. */
export const UNSUPPORTED_PROTOCOL = 'ERR_LOOPFAST_UNSUPPORTED_PROTOCOL';

/**
 * A connector for `new undici.Agent({ connect })`; pass the agent as `fetch`'s `dispatcher`.
 * Plain `http:` origins only: an `https:` origin fails with `ERR_LOOPFAST_UNSUPPORTED_PROTOCOL`.
 * `loopbackFastPath` is true unless set to false.
 */
export function createUndiciConnector(options: LoopfastOptions = {}): UndiciConnector {
  const defaults: LoopfastDefaults = {
    ...options,
    loopbackFastPath: options.loopbackFastPath ?? true,
  };
  return ({ hostname, protocol, port, localAddress }, callback) => {
    if (protocol !== 'http:') {
      callback(
        new LoopfastError(
          UNSUPPORTED_PROTOCOL,
          `loopfast's undici connector carries http: only, not ${protocol}`,
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
