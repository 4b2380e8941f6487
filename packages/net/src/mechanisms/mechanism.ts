/**
 * What a fast-path mechanism is: one module that, given the settings and a destination or a
 * server, either carries the connection or listener itself or declines and lets Node's own
 * `net` carry it, and says which through the request's `decided` (never recording a status
 * itself: `connect.ts` and `server.ts` do, each in one place). It owns every native resource it
 * creates, from creation to close.
 *
 * @module
 */
import type { Server, Socket } from 'node:net';
import type { Backend } from '@loopfast/core';
import type { FastPathSettings, OptionPolicy } from '../options.js';
import type { FastPathInfo, FastPathMechanism } from '../status-record.js';

/** `net.connect`'s options as loopfast reads them; passed on to Node unchanged. */
export type NodeConnectOptions = Record<string, unknown> & {
  host?: string;
  port?: unknown;
  path?: unknown;
  timeout?: number;
  lookup?: unknown;
  family?: unknown;
  localAddress?: unknown;
  localPort?: unknown;
  noDelay?: unknown;
  keepAlive?: unknown;
};

/** One client connection that asked for the fast path, whichever way it goes. */
export interface Connection {
  /** Node's options (loopfast's own removed), with a valid port. */
  readonly options: NodeConnectOptions;
  /** The destination as given: an IP literal (loopback, checked) or a host name. */
  readonly host: string;
  /** `connect`'s listener, if any. */
  readonly listener: (() => void) | undefined;
  /**
   * The caller's own socket, made and not yet connected, to connect in place of a new one: the
   * preload carries `net.Socket.prototype.connect` (which `net.connect` calls too) this way.
   */
  readonly socket?: Socket | undefined;
  /**
   * Takes the status decided for the connection's socket, each time it is decided (a host name:
   * pending, then final once its address is known, before `'connect'`).
   */
  readonly decided: (socket: Socket, info: FastPathInfo) => void;
}

/** One client connection, planned: the fast path was asked for and a backend is at hand. */
export interface ClientRequest extends Connection {
  readonly settings: FastPathSettings;
  readonly policy: OptionPolicy;
  readonly backend: Backend;
  /**
   * Who connects a host name, given Node's options with the mechanism's `lookup` in them: by
   * default a new `net.Socket`; a TLS connection lets `tls.connect` connect its own socket, so
   * that the handle the rendezvous puts in is the one TLS wraps.
   */
  readonly connectNamed?: NamedConnector | undefined;
}

/** Connects a socket to a host name with the options given (`lookup` included) and returns it. */
export type NamedConnector = (
  options: NodeConnectOptions,
  listener: (() => void) | undefined,
) => Socket;

/** One server, planned: the fast path was asked for. */
export interface ServerRequest {
  readonly settings: FastPathSettings;
  readonly policy: OptionPolicy;
  /** `net.Server.prototype.listen` as the server had it before loopfast wrapped it. */
  readonly listen: Server['listen'];
  /** Takes the server's status, each time it is decided (each `listen`, each rendezvous opened). */
  readonly decided: (info: FastPathInfo) => void;
  /**
   * Takes the status of the sockets the server accepts where it differs from the server's own (a
   * rendezvous server's TCP connections); `null` clears it.
   */
  readonly decidedForAccepted: (info: FastPathInfo | null) => void;
  /** Takes the status of one socket the server accepted, before its `'connection'`. */
  readonly decidedForSocket: (socket: Socket, info: FastPathInfo) => void;
}

/**
 * How a check of `loopfast doctor` came out: `pass`; `info`, a fact that stops nothing (the second
 * backend is not installed); `warn`, something to fix that does not stop the fast path here (a
 * misspelt variable); `fail`, a reason the fast path is not taken.
 */
export type CheckLevel = 'pass' | 'info' | 'warn' | 'fail';

/** One thing `loopfast doctor` checks, as it came out. */
export interface CheckResult {
  /** What was checked. */
  readonly name: string;
  /** How it came out. */
  readonly level: CheckLevel;
  /** What was found, and why it fails when it does. */
  readonly detail: string;
}

/** A way to carry loopback connections faster than TCP/IP. */
export interface Mechanism {
  /** The name statuses report. */
  readonly name: FastPathMechanism;
  /**
   * Whether `connect` can carry a socket the caller made and has not connected yet (the preload
   * hands it `net.Socket.prototype.connect` calls then); otherwise such a socket is Node's.
   */
  readonly connectsCallersSocket: boolean;
  /** Makes the client socket, over this mechanism or (declining) over Node's own TCP. */
  connect(request: ClientRequest): Socket;
  /**
   * Listens as `listen(...args)` asks, with this mechanism where the address qualifies and Node's
   * own `listen` otherwise; returns what `listen` returns.
   */
  listen(server: Server, request: ServerRequest, backend: Backend, args: unknown[]): Server;
  /** Called once when a server is given loopfast's `listen`, before any `listen`. */
  attach(server: Server, request: ServerRequest): void;
  /**
   * What this mechanism needs of this machine and process, checked as it checks them itself, with
   * the backend in use (`null`: none).
   */
  doctorChecks(
    env: Readonly<Record<string, string | undefined>>,
    backend: Backend | null,
  ): CheckResult[];
}
