/**
 * Per-socket and per-server fast-path status: its shape, where it is recorded (and logged), and
 * how it is read. Every status itself is worded in `status-catalog.ts`.
 *
 * @module
 */
import { Server, Socket } from 'node:net';
import { invalidArgTypeError } from '@loopfast/core/internal';
import { debug } from './debug.js';
import { statuses } from './status-catalog.js';

/**
 * Where a socket or server stands:
 * - `enabled`: the fast path was applied (`mechanism` says how);
 * - `no-fast-peer`: requested and possible here, but the other side of this connection is not on
 *   the fast path: no fast-path server at the address (or one of another user, or one gone), or a
 *   client that connected over TCP; the connection uses TCP;
 * - `not-applicable`: requested and possible here, but this socket or server is set up in a way
 *   the fast path does not carry (a TCP client address, a descriptor of the caller's, an address
 *   its `blockList` blocks, a dual-stack socket on Windows, a form of `listen()` left to Node);
 * - `no-backend`: requested, but no backend could be used: none is installed, or the one asked
 *   for is not installed or failed to load (`reason` names it);
 * - `unsupported`: requested, but this platform, Windows version, provider or runtime has no way
 *   to apply it (the connection uses the normal path);
 * - `not-loopback`: requested, but the address is not loopback, so it would have no effect;
 * - `disabled`: not requested, or turned off by the kill switch (`requested` tells which);
 * - `failed`: requested and attempted, but the call failed for another reason (see `error`);
 * - `pending`: the decision waits for name resolution and is final by the `connect` or
 *   `listening` event.
 */
export type FastPathState =
  | 'enabled'
  | 'no-fast-peer'
  | 'not-applicable'
  | 'no-backend'
  | 'unsupported'
  | 'not-loopback'
  | 'disabled'
  | 'failed'
  | 'pending';

/**
 * How the fast path is carried: on Windows, the `SIO_LOOPBACK_FAST_PATH` control code; on Linux,
 * macOS and other POSIX systems, a Unix domain socket both sides agree on (`unix-rendezvous`).
 */
export type FastPathMechanism = 'sio-loopback-fast-path' | 'unix-rendezvous';

/** The status of one socket or server. */
export interface FastPathInfo {
  /** Whether `loopbackFastPath: true` was asked for. */
  readonly requested: boolean;
  /** The outcome; see {@link FastPathState}. */
  readonly state: FastPathState;
  /** The mechanism in force when `state` is `enabled`, otherwise `null`. */
  readonly mechanism: FastPathMechanism | null;
  /** Why, in plain words. */
  readonly reason: string;
  /**
   * The error behind a state other than `enabled` when a call raised one; `null` when the
   * reason is a fact rather than a failed call (no fast-path server at the address, accepted over
   * TCP, a dual-stack address, no backend installed).
   */
  readonly error: Error | null;
  /**
   * The name of the backend that acted; `null` when none did: none was installed, or the chosen
   * one could not load its native part (`reason` and `error` then name it and say why).
   */
  readonly backend: string | null;
}

/** Where a socket or server keeps its status: a property no one else knows of. */
const kStatus = Symbol('loopfast.status');
/** Where a server keeps the status of the sockets it accepts, when it differs from its own. */
const kAcceptedStatus = Symbol('loopfast.acceptedStatus');

type Tracked = (Socket | Server) & {
  [kStatus]?: FastPathInfo;
  [kAcceptedStatus]?: FastPathInfo;
  server?: Tracked | null;
};

function log(target: Socket | Server, info: FastPathInfo): void {
  const kind = target instanceof Server ? 'server' : 'socket';
  // The backend is named only where one acted: a pending or undecided status has none yet.
  debug('%s %s: %s%s', kind, info.state, info.reason, info.backend ? ` (${info.backend})` : '');
}

/**
 * Records the status of a socket or server; every decision passes here, so it is also logged.
 * Recording the very status a target already has (a server is `pending` from `createServer` and
 * again at `listen`) changes nothing and logs nothing.
 */
export function recordStatus(target: Socket | Server, info: FastPathInfo): void {
  const tracked = target as Tracked;
  if (tracked[kStatus] === info) return;
  tracked[kStatus] = info;
  if (debug.enabled) log(target, info);
}

/**
 * Records the status of the sockets a server accepts without a status of their own, where it
 * differs from the server's (a rendezvous server's TCP connections); `null` clears it.
 */
export function recordAcceptedStatus(server: Server, info: FastPathInfo | null): void {
  if (info === null) delete (server as Tracked)[kAcceptedStatus];
  else (server as Tracked)[kAcceptedStatus] = info;
}

/**
 * The fast-path status of a socket or server. Accepted sockets report what their listener gave
 * them. A socket or server that did not ask (or was not made by `@loopfast/net`) is `disabled`.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for anything that is not a `net.Socket` or `net.Server`.
 */
export function fastPathInfo(target: Socket | Server): FastPathInfo {
  if (!(target instanceof Socket) && !(target instanceof Server)) {
    throw invalidArgTypeError('target', 'an instance of net.Socket or net.Server', target);
  }
  const tracked = target as Tracked;
  const recorded = tracked[kStatus];
  if (recorded) return recorded;
  // A TLS socket carries its connection over the socket it wraps (`_parent`): that one's status.
  const parent = (target as { _parent?: unknown })._parent;
  if (parent instanceof Socket && parent !== target) return fastPathInfo(parent);
  // An accepted socket without a status of its own inherits its listener's (`socket.server`).
  const server = tracked.server;
  if (server) return server[kAcceptedStatus] ?? server[kStatus] ?? statuses.neverAsked;
  return statuses.neverAsked;
}
