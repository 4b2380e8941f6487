/**
 * A connector for undici's `Agent({ connect })`, so `fetch` clients can use the fast path:
 * `http:` origins over loopfast's socket, `https:` origins TLS over it.
 *
 * @module
 */
import { isIP, type Socket } from 'node:net';
import { LoopfastError } from '@loopfast/core';
import { UNSUPPORTED_PROTOCOL } from '../codes.js';
import { connectWith } from '../connect.js';
import {
  type LoopfastDefaults,
  type LoopfastOptions,
  validateLoopfastOptions,
} from '../options.js';
import { answerWhenReady } from './lazy-base.js';
import { connectTlsWith, type UndiciTlsOptions } from './tls.js';

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
      // servername is undici's: the URL's host name, unless an IP literal.
      const socket = connectTlsWith(defaults, {
        ALPNProtocols: ['http/1.1'],
        ...tls,
        host,
        port: port === '' ? 443 : Number(port),
        ...(isIP(host) ? {} : { servername: host }),
        ...(localAddress ? { localAddress } : {}),
      });
      answerWhenReady<Socket>(socket, 'secureConnect', callback);
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
    answerWhenReady(socket, 'connect', callback);
  };
}
