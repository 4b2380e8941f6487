/**
 * An `http.Agent` whose connections go through loopfast, so `http.request` clients can use the
 * fast path. Servers (`http.createServer`) use `attachFastPath`.
 *
 * `node:http` is loaded when the first {@link FastPathAgent} is made, not when the package is
 * imported: a program that never makes an agent never pays for loading Node's HTTP stack.
 *
 * @module
 */
import type { AgentOptions } from 'node:http';
import type { NetConnectOpts, Socket } from 'node:net';
import { connectWith } from '../connect.js';
import { type LoopfastDefaults, type LoopfastOptions, splitAgentOptions } from '../options.js';
import { lazyBase } from './lazy-base.js';

/** `http.Agent` to the type checker and the API reference; a stand-in until the first agent. */
const Agent = lazyBase(() => process.getBuiltinModule('node:http').Agent).base;

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
