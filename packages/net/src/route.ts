/**
 * The one decision of every `connect` and every `listen`, made here and nowhere else: Node's own
 * call (with the status that says why, or none where nothing was asked of loopfast), Node's TCP
 * with a reason that waits for the address a name resolves to, or the platform's mechanism with a
 * backend. What an address decides beyond "is it loopback" is the mechanism's to say.
 *
 * @module
 */
import { isIP } from 'node:net';
import { type Backend, isLoopbackAddress } from '@loopfast/core';
import { validatePort } from './args.js';
import { chooseBackend } from './backend-choice.js';
import { checkedKillSwitch } from './environment.js';
import type { Mechanism, NodeConnectOptions } from './mechanisms/mechanism.js';
import { unixRendezvous } from './mechanisms/rendezvous/index.js';
import { sioLoopbackFastPath } from './mechanisms/sio/index.js';
import type { FastPathSettings } from './options.js';
import { statuses } from './status-catalog.js';
import type { FastPathInfo } from './status-record.js';

/** Which mechanism each platform has: data, not scattered `if`s. */
const MECHANISMS: ReadonlyMap<NodeJS.Platform, Mechanism> = new Map<NodeJS.Platform, Mechanism>([
  ['win32', sioLoopbackFastPath],
  ['linux', unixRendezvous],
  ['android', unixRendezvous],
  ['darwin', unixRendezvous],
  ['freebsd', unixRendezvous],
  ['openbsd', unixRendezvous],
  ['netbsd', unixRendezvous],
  ['sunos', unixRendezvous],
  ['aix', unixRendezvous],
]);

/** The mechanism of `platform`, or `null` where loopfast knows none. */
export function platformMechanism(platform: NodeJS.Platform): Mechanism | null {
  return MECHANISMS.get(platform) ?? null;
}

/** Where one `connect` or `listen` goes. */
export type Route =
  /** Node's own call, as it was made; `info` is recorded at once (`null`: nothing to record). */
  | { readonly to: 'node'; readonly info: FastPathInfo | null }
  /** Node's TCP toward a loopback address or a name; `info` holds unless the name resolves elsewhere. */
  | { readonly to: 'tcp'; readonly info: FastPathInfo }
  /** The platform's mechanism, with this backend: it carries the call or declines to Node's TCP. */
  | { readonly to: 'mechanism'; readonly mechanism: Mechanism; readonly backend: Backend };

const NODE_UNTOUCHED: Route = Object.freeze({ to: 'node', info: null });

/**
 * The status when the request is off whatever the address (not asked for, kill switch), or
 * `null`. A request checks the environment first, so a misspelt variable or value is told.
 */
export function statusWithoutAddress(settings: FastPathSettings): FastPathInfo | null {
  if (!settings.requested) return statuses.notRequested;
  if (checkedKillSwitch(settings.env)) return statuses.killed;
  return null;
}

/**
 * The backend and mechanism for a request that is on, or why there is none. A socket the caller
 * made (`callersSocket`) is Node's where the mechanism cannot connect one.
 */
function mechanismRoute(settings: FastPathSettings, callersSocket = false): Route {
  const mechanism = platformMechanism(settings.platform);
  if (callersSocket && mechanism && !mechanism.connectsCallersSocket) {
    return { to: 'node', info: statuses.bareSocket };
  }
  const choice = chooseBackend(settings.backend, settings.env);
  if (!choice.backend) {
    return { to: 'tcp', info: statuses.noBackend(choice.reason, choice.error) };
  }
  if (!mechanism) {
    return { to: 'tcp', info: statuses.noMechanism(settings.platform, choice.backend.name) };
  }
  return { to: 'mechanism', mechanism, backend: choice.backend };
}

/**
 * Whether loopfast may route toward this destination: a valid port and host and a callable
 * `lookup`. Anything else goes to Node untouched, which raises its own error (`ERR_MISSING_ARGS`
 * for a missing port).
 */
function routable({ port, host, lookup }: NodeConnectOptions): boolean {
  try {
    validatePort(port, 'options.port');
  } catch {
    return false;
  }
  return (
    (host === undefined || typeof host === 'string') &&
    (lookup === undefined || typeof lookup === 'function')
  );
}

/**
 * Where a client connection with Node's `options` goes; `callersSocket`: it connects a socket the
 * caller made (the preload's `Socket#connect`) rather than one of its own.
 */
export function routeConnect(
  settings: FastPathSettings,
  options: NodeConnectOptions,
  callersSocket: boolean,
): Route {
  const turnedOff = statusWithoutAddress(settings);
  if (turnedOff) return { to: 'node', info: turnedOff };
  // Truthiness, as net itself decides: http.Agent passes `path: null` for TCP.
  if (options.path) return { to: 'node', info: statuses.pipePath(String(options.path)) };
  if (!routable(options)) return NODE_UNTOUCHED;
  const host = options.host || 'localhost';
  if (isIP(host) && !isLoopbackAddress(host))
    return { to: 'node', info: statuses.notLoopback(host) };
  return mechanismRoute(settings, callersSocket);
}

/** Where a `listen` of a server that asked for the fast path goes. */
export function routeListen(settings: FastPathSettings): Route {
  const turnedOff = statusWithoutAddress(settings);
  if (turnedOff) return { to: 'node', info: turnedOff };
  return mechanismRoute(settings);
}
