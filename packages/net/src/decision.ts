/**
 * The fast-path decision for one address, and applying it to a fresh native socket.
 *
 * @module
 */

import { isIP } from 'node:net';
import {
  type Backend,
  isIPv4MappedAddress,
  isKillSwitchOn,
  isLoopbackAddress,
  isUnsupportedError,
  isWildcardAddress,
  KILL_SWITCH_ENV,
  LoopfastErrorCode,
  type NativeSocket,
} from '@loopfast/core';
import { type BackendOption, chooseBackend } from './backend-choice.js';
import { tcpWrap } from './handoff.js';
import { platformMechanism } from './mechanism.js';
import { type FastPathInfo, status } from './status.js';

/** What a socket or server asked for, normalized. */
export interface FastPathSettings {
  /** `loopbackFastPath` as given (false by default). */
  readonly requested: boolean;
  /** The backend to use. */
  readonly backend: BackendOption;
  /** The platform whose mechanism applies (the running one, except in tests). */
  readonly platform: NodeJS.Platform;
  /** The environment the kill switch and backend override are read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Either "apply the fast path with this backend", or the final status. */
export type FastPathPlan =
  | { readonly apply: true; readonly backend: Backend }
  | { readonly apply: false; readonly info: FastPathInfo };

/**
 * Backends that answered "unsupported" once, with the status later sockets get: they skip the
 * attempt, as OpenJDK does.
 */
const unsupportedBy = new WeakMap<Backend, FastPathInfo>();

const NOT_REQUESTED = status(false, 'disabled', 'not requested (loopbackFastPath is false)');
const KILLED = status(true, 'disabled', `turned off by the kill switch ${KILL_SWITCH_ENV}`);

/**
 * Statuses that depend only on the backend and a fixed reason, built once: they are on every
 * connection's path. Keyed by backend name, then by the reason string itself.
 */
const fixedStatuses = new Map<string | null, Map<string, FastPathInfo>>();

function unsupportedFor(
  backend: string | null,
  reason: string,
  error: Error | null = null,
): FastPathInfo {
  let byReason = fixedStatuses.get(backend);
  if (!byReason) {
    byReason = new Map();
    fixedStatuses.set(backend, byReason);
  }
  let info = byReason.get(reason);
  if (!info) {
    info = status(true, 'unsupported', reason, { error, backend });
    byReason.set(reason, info);
  }
  return info;
}

/**
 * The status when the request is off before any address is known (not asked for, or the kill
 * switch), or `null` when the address decides.
 */
export function statusWithoutAddress(settings: FastPathSettings): FastPathInfo | null {
  if (!settings.requested) return NOT_REQUESTED;
  if (isKillSwitchOn(settings.env)) return KILLED;
  return null;
}

/**
 * Decides for one IP address, once {@link statusWithoutAddress} has said the address decides.
 * A client needs a loopback destination; a server a loopback or wildcard bind address (the
 * wildcard includes loopback). A dual-stack socket (an IPv4-mapped
 * destination, or a `::` listener without `ipv6Only`) is left on the normal path: a libuv fork
 * saw crashes with the fast path on dual-stack sockets and never enabled it there.
 */
export function planForAddress(
  settings: FastPathSettings,
  address: string,
  role: 'client' | 'server',
  ipv6Only = false,
): FastPathPlan {
  const eligible = isLoopbackAddress(address) || (role === 'server' && isWildcardAddress(address));
  if (!eligible) {
    const reason = `${address} is not a loopback address; the fast path would have no effect`;
    return { apply: false, info: status(true, 'not-loopback', reason) };
  }
  const choice = chooseBackend(settings.backend, settings.env);
  if (!choice.backend)
    return { apply: false, info: unsupportedFor(null, choice.reason, choice.error) };
  const backend = choice.backend.name;
  const platform = platformMechanism(settings.platform);
  if (!platform.mechanism) return { apply: false, info: unsupportedFor(backend, platform.reason) };
  const dualStack =
    isIPv4MappedAddress(address) ||
    (isIP(address) === 6 && isWildcardAddress(address) && !ipv6Only);
  if (dualStack) {
    const reason = `${address} needs a dual-stack IPv6 socket, where the fast path is not applied; use 127.0.0.1 or ::1 (or ipv6Only)`;
    return { apply: false, info: status(true, 'unsupported', reason, { backend }) };
  }
  const cached = unsupportedBy.get(choice.backend);
  if (cached) return { apply: false, info: cached };
  const wrap = tcpWrap();
  if (wrap instanceof Error)
    return { apply: false, info: unsupportedFor(backend, wrap.message, wrap) };
  return { apply: true, backend: choice.backend };
}

/** A native socket with the fast path applied, or the status that explains why there is none. */
export type PreparedSocket =
  | { readonly socket: NativeSocket; readonly info: FastPathInfo }
  | { readonly socket: null; readonly info: FastPathInfo };

/**
 * Makes a TCP socket with the backend and applies the fast path to it. On any failure the
 * socket is closed again and the status says why; the caller then uses the normal path.
 */
export function prepareFastPathSocket(backend: Backend, family: 4 | 6): PreparedSocket {
  const name = backend.name;
  let socket: NativeSocket;
  try {
    socket = backend.createTcpSocket(family);
  } catch (error) {
    const unavailable = (error as { code?: string }).code === LoopfastErrorCode.BACKEND_UNAVAILABLE;
    const state = unavailable || isUnsupportedError(error) ? 'unsupported' : 'failed';
    return {
      socket: null,
      info: status(
        true,
        state,
        `the ${name} backend could not make a socket: ${(error as Error).message}`,
        { error: error as Error, backend: name },
      ),
    };
  }
  try {
    backend.applyLoopbackFastPath(socket, true);
  } catch (error) {
    backend.closeSocket(socket);
    const unsupported = isUnsupportedError(error);
    if (unsupported) {
      const code = (error as { code?: string }).code;
      unsupportedBy.set(
        backend,
        status(true, 'unsupported', `the ${name} backend reported ${code} before`, {
          error: error as Error,
          backend: name,
        }),
      );
    }
    return {
      socket: null,
      info: status(true, unsupported ? 'unsupported' : 'failed', (error as Error).message, {
        error: error as Error,
        backend: name,
      }),
    };
  }
  return {
    socket,
    info: status(true, 'enabled', 'SIO_LOOPBACK_FAST_PATH applied before connect/listen', {
      mechanism: 'sio-loopback-fast-path',
      backend: name,
    }),
  };
}
