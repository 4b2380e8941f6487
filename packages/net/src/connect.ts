/**
 * `connect` / `createConnection`: a real `net.Socket`. A call that does not ask for the fast
 * path goes to Node untouched; one that does follows its route (`route.ts`): Node's own connect
 * or TCP with the status that says why, or the platform's mechanism, which carries the connection
 * or declines. Every socket's status is recorded here, as the route or the mechanism decides it.
 *
 * @module
 */
import type { NetConnectOpts, Socket } from 'node:net';
import { normalizeConnectArgs } from './args.js';
import type { Connection, NamedConnector, NodeConnectOptions } from './mechanisms/mechanism.js';
// Node's own, not the live export: the preload replaces `net.connect` with loopfast's.
import { nodeConnect as netConnect, nodeSocketConnect } from './node-internals/originals.js';
import {
  type LoopfastDefaults,
  type LoopfastOptions,
  leavesItToNode,
  readLoopfastOptions,
} from './options.js';
import { routeConnect } from './route.js';
import { recordStatus } from './status-record.js';
import { connectOverTcp } from './tcp-connect.js';

/** `net.connect` options plus loopfast's. */
export type ConnectOptions = NetConnectOpts & LoopfastOptions;

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
    rawOptions as NodeConnectOptions & LoopfastOptions,
    defaults,
  );
  const options: NodeConnectOptions = netOptions;
  const route = routeConnect(settings, options, socket !== undefined);
  if (route.to === 'node') {
    const made = nodeConnect(options, listener);
    if (route.info) recordStatus(made, route.info);
    return made;
  }
  const host = options.host || 'localhost';
  const callback = listener as (() => void) | undefined;
  if (route.to === 'tcp') {
    const connection: Connection = {
      options,
      host,
      listener: callback,
      socket,
      decided: recordStatus,
    };
    return connectOverTcp(connection, route.info);
  }
  // One literal, not a spread of the connection: this is on every connection's path.
  return route.mechanism.connect({
    options,
    host,
    listener: callback,
    socket,
    decided: recordStatus,
    settings,
    policy,
    backend: route.backend,
    connectNamed,
  });
}
