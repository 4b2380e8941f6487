/**
 * TLS over the fast path: Node's own `tls.connect` over a socket from loopfast's `connect`, so
 * the handshake, `servername`, the CA options and every certificate check are Node's, unchanged.
 * Servers need nothing of their own: `https.Server`, `tls.Server` and `http2`'s secure server
 * are `net.Server`s, and `attachFastPath` gives them the fast path.
 *
 * `node:tls` and `node:https` are loaded at first use, not when the package is imported.
 *
 * @module
 */
import type { AgentOptions as HttpsAgentOptions, Agent as HttpsAgentType } from 'node:https';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { connectWith } from '../connect.js';
import {
  type LoopfastDefaults,
  type LoopfastOptions,
  splitAgentOptions,
  validateLoopfastOptions,
} from '../options.js';
import { lazyBase } from './lazy-base.js';

/** `tls.connect` options plus loopfast's. */
export type TlsConnectOptions = ConnectionOptions & LoopfastOptions;

/**
 * The options of a TLS connection that choose the TCP connection under it; the rest (CA,
 * certificates, `servername`, ALPN, sessions, ...) are the TLS layer's.
 */
const TCP_KEYS = [
  'host',
  'port',
  'family',
  'hints',
  'lookup',
  'localAddress',
  'localPort',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'noDelay',
  'keepAlive',
  'keepAliveInitialDelay',
  'allowHalfOpen',
  'signal',
  'loopbackFastPath',
  'backend',
  'optionPolicy',
] as const;

function tcpPart(options: Record<string, unknown>): Record<string, unknown> {
  const tcp: Record<string, unknown> = {};
  for (const key of TCP_KEYS) {
    // Node reads a null localAddress / localPort as absent (https.Agent passes them so).
    if (options[key] !== undefined && options[key] !== null) tcp[key] = options[key];
  }
  return tcp;
}

/**
 * `tls.connect(options)` over loopfast's `connect` with `defaults`. A connection over a
 * `socket` or a `path` of its own is Node's, untouched. The TLS socket reports the fast-path
 * status of the socket under it.
 */
export function connectTlsWith(
  defaults: LoopfastDefaults,
  options: Record<string, unknown>,
  listener?: () => void,
  tlsConnect: (
    options: ConnectionOptions,
    listener?: () => void,
  ) => TLSSocket = process.getBuiltinModule('node:tls').connect,
): TLSSocket {
  const { loopbackFastPath: _, backend: __, optionPolicy: ___, ...tlsOptions } = options;
  if (options.socket || options.path) return tlsConnect(tlsOptions, listener);
  // A host name is connected by TLS's own socket, through the mechanism's lookup.
  const connectNamed = (netOptions: Record<string, unknown>) =>
    tlsConnect({ ...tlsOptions, lookup: netOptions.lookup } as ConnectionOptions, listener);
  const socket = connectWith(defaults, [tcpPart(options)], connectNamed);
  if (socket instanceof process.getBuiltinModule('node:tls').TLSSocket) return socket as TLSSocket;
  return tlsConnect({ ...tlsOptions, socket } as ConnectionOptions, listener);
}

/**
 * Opens a TLS connection like `tls.connect(options)`, over a socket from loopfast's `connect`:
 * with `loopbackFastPath: true` toward a loopback address it gets the fast path where the server
 * asked for it too, and TCP otherwise. The handshake and its checks are Node's: `servername`,
 * `ca`, `rejectUnauthorized`, `checkServerIdentity` and the rest work as in `tls.connect`.
 * `fastPathInfo` of the returned socket is the status of the connection under it.
 *
 * @param options `tls.connect`'s options plus loopfast's.
 * @param secureConnectListener Added as a `'secureConnect'` listener.
 * @returns A `tls.TLSSocket`.
 * @throws TypeError / RangeError with Node's codes for a wrong option or port.
 *
 * @example
 * ```js
 * import { connectTls } from '@loopfast/net';
 *
 * const socket = connectTls(
 *   { host: 'localhost', port: 8443, ca, loopbackFastPath: true },
 *   () => console.log('secure', socket.authorized),
 * );
 * ```
 */
export function connectTls(
  options: TlsConnectOptions,
  secureConnectListener?: () => void,
): TLSSocket {
  validateLoopfastOptions(options, 'options');
  return connectTlsWith({}, options as Record<string, unknown>, secureConnectListener);
}

/** `https.Agent` to the type checker and the API reference; a stand-in until the first agent. */
const httpsAgent = lazyBase(() => process.getBuiltinModule('node:https').Agent);

/** Options of {@link FastPathHttpsAgent}: `https.Agent`'s plus loopfast's (`loopbackFastPath` defaults to true). */
export type FastPathHttpsAgentOptions = HttpsAgentOptions & LoopfastOptions;

type HttpsCreateConnection = (this: HttpsAgentType, ...args: unknown[]) => Socket;

/**
 * An `https.Agent` whose connections are TLS over loopfast's `connect`, with the fast path asked
 * for: the counterpart of `FastPathAgent` for `https.request` / `https.get`. Certificate checks,
 * `servername` and TLS session reuse are `https.Agent`'s own.
 *
 * @example
 * ```js
 * import https from 'node:https';
 * import { FastPathHttpsAgent } from '@loopfast/net';
 *
 * const agent = new FastPathHttpsAgent({ ca, keepAlive: true });
 * https.get({ host: 'localhost', port: 8443, path: '/', agent }, (res) => res.resume());
 * ```
 */
export class FastPathHttpsAgent extends httpsAgent.base {
  readonly #defaults: LoopfastDefaults;

  /**
   * Makes an agent; `loopbackFastPath` is true unless set to false.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong loopfast option.
   */
  constructor(options: FastPathHttpsAgentOptions = {}) {
    const { defaults, agentOptions } = splitAgentOptions(options);
    super(agentOptions);
    this.#defaults = defaults;
  }

  /**
   * Called by `https.Agent` for each new connection: `https.Agent`'s own (its session cache
   * included), over a socket from loopfast's `connect`.
   */
  override createConnection(...args: unknown[]): Socket {
    const own = httpsAgent.real().prototype.createConnection as unknown as HttpsCreateConnection;
    const options = args[0] as Record<string, unknown>;
    if (typeof options !== 'object' || options === null || options.socket || options.path) {
      return own.apply(this, args);
    }
    // A host name is connected by the TLS socket `https.Agent` makes, through the mechanism's lookup.
    const connectNamed = (netOptions: Record<string, unknown>) =>
      own.call(this, { ...options, lookup: netOptions.lookup }, ...args.slice(1));
    const socket = connectWith(this.#defaults, [tcpPart(options)], connectNamed);
    if (socket instanceof process.getBuiltinModule('node:tls').TLSSocket) return socket;
    return own.call(this, { ...options, socket }, ...args.slice(1));
  }
}

/** TLS options a connector passes on to `tls.connect` for `https:` origins. */
export type UndiciTlsOptions = Omit<
  ConnectionOptions,
  'socket' | 'host' | 'port' | 'path' | 'lookup' | 'servername'
>;
