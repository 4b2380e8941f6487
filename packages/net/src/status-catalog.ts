/**
 * Every status loopfast reports, built here and nowhere else, so the wording of each reason (and
 * which state goes with it) can be read in one place. Statuses that depend on nothing but the
 * backend are built once: they are on every connection's path.
 *
 * @module
 */
import { KILL_SWITCH_ENV, LoopfastErrorCode } from '@loopfast/core';
import type { FastPathInfo, FastPathState } from './status-record.js';

/** Builds a status (frozen, so one object can serve many sockets). */
function status(
  requested: boolean,
  state: FastPathState,
  reason: string,
  extra: Partial<Pick<FastPathInfo, 'mechanism' | 'error' | 'backend'>> = {},
): FastPathInfo {
  return Object.freeze({
    requested,
    state,
    reason,
    mechanism: null,
    error: null,
    backend: null,
    ...extra,
  });
}

const RENDEZVOUS = { mechanism: 'unix-rendezvous' } as const;

/** Statuses keyed by backend, state and reason, so a fixed status is one shared object. */
const fixed = new Map<string, FastPathInfo>();

/** The one status object for these fields, made at its first use. */
function sharedStatus(
  state: FastPathState,
  reason: string,
  backend: string | null,
  extra: Partial<Pick<FastPathInfo, 'mechanism' | 'error'>> = {},
): FastPathInfo {
  const key = `${backend}\u0000${state}\u0000${extra.mechanism ?? ''}\u0000${reason}`;
  let info = fixed.get(key);
  if (!info) {
    info = status(true, state, reason, { backend, ...extra });
    fixed.set(key, info);
  }
  return info;
}

/** The status of a client connected over each rendezvous path, by backend and path. */
const rendezvousClients = new Map<string, Map<string, FastPathInfo>>();
/** Enough for the servers one process talks to; the cache starts over beyond it. */
const MAX_RENDEZVOUS_CLIENTS = 4096;

/** `backend`, or `null` when `error` says the backend's native part could not be loaded. */
function loadedOrNull(error: Error, backend: string): string | null {
  return (error as { code?: unknown }).code === LoopfastErrorCode.BACKEND_UNAVAILABLE
    ? null
    : backend;
}

/** The statuses, by what happened. */
export const statuses = {
  notRequested: status(false, 'disabled', 'not requested (loopbackFastPath is false)'),
  /** What a socket or server that never asked reports (loopfast records nothing for them). */
  neverAsked: status(
    false,
    'disabled',
    'not requested (loopbackFastPath is false, or the socket was not made through @loopfast/net)',
  ),
  killed: status(true, 'disabled', `turned off by the kill switch ${KILL_SWITCH_ENV}`),
  notListening: status(true, 'pending', 'not listening yet'),

  resolving: (host: string): FastPathInfo =>
    status(true, 'pending', `waiting for ${host} to resolve`),
  notLoopback: (address: string): FastPathInfo =>
    status(
      true,
      'not-loopback',
      `${address} is not a loopback address; the fast path would have no effect`,
    ),
  pipePath: (path: string): FastPathInfo =>
    status(true, 'not-loopback', `${path} is a pipe path, not a TCP destination`),
  notTcpListen: (what: string): FastPathInfo =>
    status(true, 'not-loopback', `${what} is not a TCP address`),
  listenLeftToNode: status(
    true,
    'not-applicable',
    'this form of listen() is left to Node untouched (a pipe path, a handle, a descriptor, reusePort, or an aborted signal)',
  ),
  destroyedEarly: status(
    true,
    'failed',
    'the socket was destroyed before the fast path could be applied',
  ),
  noBackend: (reason: string, error: Error | null): FastPathInfo =>
    error
      ? status(true, 'no-backend', reason, { error })
      : sharedStatus('no-backend', reason, null),
  noMechanism: (platform: NodeJS.Platform, backend: string): FastPathInfo =>
    sharedStatus(
      'unsupported',
      `${platform} has no loopback fast path mechanism loopfast knows`,
      backend,
    ),

  // The Windows control code.
  dualStack: (address: string, backend: string): FastPathInfo =>
    sharedStatus(
      'not-applicable',
      `${address} needs a dual-stack IPv6 socket, where the fast path is not applied; use 127.0.0.1 or ::1 (or ipv6Only)`,
      backend,
    ),
  /**
   * What the backend or the runtime cannot do here (no native part, no handoff), with its error.
   * A backend whose native part could not load is not named as `backend`: it took no part, and
   * the error's message says which one failed and why.
   */
  unavailable: (error: Error, backend: string): FastPathInfo =>
    sharedStatus('unsupported', error.message, loadedOrNull(error, backend), { error }),
  cannotMakeSocket: (error: Error, unsupported: boolean, backend: string): FastPathInfo =>
    status(
      true,
      unsupported ? 'unsupported' : 'failed',
      `the ${backend} backend could not make a socket: ${error.message}`,
      { error, backend: loadedOrNull(error, backend) },
    ),
  controlCodeFailed: (error: Error, unsupported: boolean, backend: string): FastPathInfo =>
    status(true, unsupported ? 'unsupported' : 'failed', error.message, { error, backend }),
  reportedBefore: (error: Error, backend: string): FastPathInfo =>
    status(
      true,
      'unsupported',
      `the ${backend} backend reported ${(error as { code?: string }).code} before`,
      { error, backend },
    ),
  bareSocket: status(
    true,
    'not-applicable',
    'a socket made with new net.Socket() is connected by Node here: this mechanism needs a socket loopfast makes (net.connect)',
  ),
  controlCodeApplied: (backend: string): FastPathInfo =>
    sharedStatus('enabled', 'SIO_LOOPBACK_FAST_PATH applied before connect/listen', backend, {
      mechanism: 'sio-loopback-fast-path',
    }),
  handoffFailed: (error: Error, backend: string): FastPathInfo =>
    status(true, 'failed', error.message, { error, backend }),

  // The Unix-socket rendezvous.
  rendezvousServer: (path: string, backend: string): FastPathInfo =>
    status(true, 'enabled', `listening on TCP and on the rendezvous ${path}`, {
      ...RENDEZVOUS,
      backend,
    }),
  rendezvousClient: (path: string, backend: string): FastPathInfo => {
    // Looked up by the path itself, which the client keeps: no string is built per connection.
    let byPath = rendezvousClients.get(backend);
    if (!byPath) {
      byPath = new Map();
      rendezvousClients.set(backend, byPath);
    }
    let info = byPath.get(path);
    if (!info) {
      if (byPath.size >= MAX_RENDEZVOUS_CLIENTS) byPath.clear();
      info = status(true, 'enabled', `connected over the rendezvous ${path}`, {
        ...RENDEZVOUS,
        backend,
      });
      byPath.set(path, info);
    }
    return info;
  },
  rendezvousAccepted: (path: string, backend: string): FastPathInfo =>
    status(true, 'enabled', `accepted over the rendezvous ${path}`, { ...RENDEZVOUS, backend }),
  acceptedOverTcp: (backend: string): FastPathInfo =>
    sharedStatus(
      'no-fast-peer',
      'accepted over TCP: the client did not come through the rendezvous (a client without the fast path, or one that fell back)',
      backend,
    ),
  noRendezvousServer: (address: string, port: number, why: string, backend: string): FastPathInfo =>
    sharedStatus(
      'no-fast-peer',
      `no fast-path server for ${address}:${port} (${why}); using TCP`,
      backend,
    ),
  staleRendezvous: (path: string, error: Error, backend: string): FastPathInfo =>
    status(
      true,
      'no-fast-peer',
      `the rendezvous ${path} is stale (ECONNREFUSED: its server is gone); using TCP`,
      { error, backend },
    ),
  busyRendezvous: (path: string, error: Error, backend: string): FastPathInfo =>
    status(
      true,
      'no-fast-peer',
      `the rendezvous ${path} is busy (EAGAIN: its backlog is full); using TCP`,
      { error, backend },
    ),
  rendezvousConnectFailed: (path: string, error: Error, backend: string): FastPathInfo =>
    status(
      true,
      'failed',
      `connecting to the rendezvous ${path} failed: ${error.message}; using TCP`,
      {
        error,
        backend,
      },
    ),
  otherUser: (what: string, uid: number, ownUid: number, backend: string): FastPathInfo =>
    status(
      true,
      'no-fast-peer',
      `${what} belongs to uid ${uid}, not ${ownUid}: the fast path joins processes of one user only; using TCP`,
      { backend },
    ),
  notTcpOwner: (
    name: string,
    pid: number,
    address: string,
    port: number,
    backend: string,
  ): FastPathInfo =>
    status(
      true,
      'failed',
      `the rendezvous ${name} is held by process ${pid}, which does not hold the TCP listener on ${address} port ${port}; using TCP`,
      { backend },
    ),
  roundTripFailed: (error: Error): FastPathInfo =>
    status(true, 'failed', `the round trip failed: ${error.message}`, { error }),
  checkFailed: (what: string, error: Error | null, backend: string): FastPathInfo =>
    status(true, 'failed', `a rendezvous check failed: ${what}; using TCP`, { error, backend }),
  tcpClientAddress: (backend: string): FastPathInfo =>
    sharedStatus(
      'not-applicable',
      'localAddress or localPort binds a TCP client address, which the rendezvous does not have; using TCP',
      backend,
    ),
  callerDescriptor: (backend: string): FastPathInfo =>
    sharedStatus(
      'not-applicable',
      'the caller gave its own descriptor (fd), which Node connects as it is; using TCP',
      backend,
    ),
  blockedAddress: (address: string, backend: string): FastPathInfo =>
    sharedStatus(
      'not-applicable',
      `${address} is blocked by the socket's blockList, which Node applies (ERR_IP_BLOCKED); using TCP`,
      backend,
    ),
  servedElsewhere: (path: string, backend: string): FastPathInfo =>
    status(
      true,
      'not-applicable',
      `the rendezvous ${path} is served by another listener on this address and port (reusePort, or another process); this one serves TCP only`,
      { backend },
    ),
  rendezvousListenFailed: (path: string, error: Error, backend: string): FastPathInfo =>
    status(
      true,
      'failed',
      `could not listen on the rendezvous ${path}: ${error.message}; TCP only`,
      {
        error,
        backend,
      },
    ),
};
