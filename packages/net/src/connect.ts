/**
 * `connect` / `createConnection`: a real `net.Socket`. A call that does not ask for the fast
 * path goes to Node untouched; one that does makes one plan and follows it: Node's own TCP with
 * the status that says why, or the platform's mechanism, which carries the connection or
 * declines.
 *
 * @module
 */
import { isIP, type NetConnectOpts, type Socket } from 'node:net';
import { isLoopbackAddress } from '@loopfast/core';
import { normalizeConnectArgs, validatePort } from './args.js';
import type { ConnectRecord, NamedConnector } from './mechanisms/mechanism.js';
// Node's own, not the live export: the preload replaces `net.connect` with loopfast's.
import { nodeConnect as netConnect, nodeSocketConnect } from './node-internals/originals.js';
import {
  type LoopfastDefaults,
  type LoopfastOptions,
  leavesItToNode,
  readLoopfastOptions,
} from './options.js';
import { planFor, statusWithoutAddress } from './plan.js';
import { recordStatus } from './status.js';
import { statuses } from './statuses.js';
import { connectOverTcp } from './tcp-connect.js';

/** `net.connect` options plus loopfast's. */
export type ConnectOptions = NetConnectOpts & LoopfastOptions;

/**
 * Whether the destination is one loopfast may plan for: a valid port and host and a callable
 * `lookup`. Anything else goes to Node untouched, which raises its own error.
 */
function plannable(options: ConnectRecord): boolean {
  const { port, host, lookup } = options;
  if (port !== undefined) {
    try {
      validatePort(port, 'options.port');
    } catch {
      return false;
    }
  }
  return (
    (host === undefined || typeof host === 'string') &&
    (lookup === undefined || typeof lookup === 'function')
  );
}

/**
 * `connect` with a factory's defaults. `connectNamed` connects a host name the mechanism routes
 * through its own `lookup` (a TLS connection passes `tls.connect`). `socket` is the caller's own,
 * made and not yet connected, to connect in place of a new one (the preload's `Socket#connect`).
 */
export function connectWith(
  defaults: LoopfastDefaults,
  args: readonly unknown[],
  connectNamed?: NamedConnector,
  socket?: Socket,
): Socket {
  /** Node's own connect, of `socket` when there is one. */
  const nodeConnect = (...nodeArgs: unknown[]): Socket =>
    socket
      ? (nodeSocketConnect as (this: Socket, ...a: unknown[]) => Socket).apply(socket, nodeArgs)
      : (netConnect as (...a: unknown[]) => Socket)(...nodeArgs);
  if (leavesItToNode(defaults, args[0])) return nodeConnect(...args);
  const [rawOptions, listener] = normalizeConnectArgs(args);
  const { settings, policy, netOptions } = readLoopfastOptions(
    rawOptions as ConnectRecord & LoopfastOptions,
    defaults,
  );
  const options: ConnectRecord = netOptions;
  const turnedOff = statusWithoutAddress(settings);
  // Truthiness, as net itself decides: http.Agent passes `path: null` for TCP.
  const info = turnedOff ?? (options.path ? statuses.pipePath(String(options.path)) : null);
  if (info) {
    const made = nodeConnect(options, listener);
    recordStatus(made, info);
    return made;
  }
  if (!plannable(options)) return nodeConnect(options, listener);
  const host = options.host || 'localhost';
  if (isIP(host) && !isLoopbackAddress(host)) {
    const made = nodeConnect(options, listener);
    recordStatus(made, statuses.notLoopback(host));
    return made;
  }
  const plan = planFor(settings, turnedOff);
  if (plan.mechanism === null) {
    return connectOverTcp(options, listener as (() => void) | undefined, host, plan.info, socket);
  }
  return plan.mechanism.connect({
    settings,
    policy,
    backend: plan.backend,
    options,
    host,
    listener: listener as (() => void) | undefined,
    connectNamed,
    socket,
  });
}
