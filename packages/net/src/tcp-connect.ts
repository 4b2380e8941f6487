/**
 * Node's own TCP `connect`, for a connection that asked for the fast path and did not get it:
 * the socket is Node's, and its status is the reason, once the address Node connects to is
 * known to be loopback (a host name may resolve elsewhere). Also how loopfast makes and starts a
 * client socket as `net.connect` does, whichever way it then travels.
 *
 * @module
 */
import { channel } from 'node:diagnostics_channel';
import { isIP, type NetConnectOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { isLoopbackAddress } from '@loopfast/core';
import type { Connection, NodeConnectOptions } from './mechanisms/mechanism.js';
// Node's own, not the live exports: the preload replaces `net.connect` and `Socket#connect`.
import {
  nodeConnect as netConnect,
  nodeNormalizeArgs,
  nodeSocketConnect,
} from './node-internals/originals.js';
import { within } from './preload/install.js';
import { socketOptionsFrom } from './socket-options.js';
import { statuses } from './status-catalog.js';
import type { FastPathInfo } from './status-record.js';

/** Why a loopback address did not get the fast path: fixed, or depending on the address. */
export type Decline = FastPathInfo | ((address: string) => FastPathInfo);

function decide(decline: Decline, address: string): FastPathInfo {
  if (!isLoopbackAddress(address)) return statuses.notLoopback(address);
  return typeof decline === 'function' ? decline(address) : decline;
}

const clientSocketChannel = channel('net.client.socket');

/**
 * Whether Node's `net.connect` announces its socket on `net.client.socket` (Node 20); later
 * versions announce it in `Socket#connect`, which every loopfast connect goes through. Node's
 * own source says which.
 */
const connectAnnounces = Function.prototype.toString.call(netConnect).includes('ClientSocket');

/** Announces a client socket loopfast made where Node's `net.connect` announces its own. */
export function announceClientSocket(socket: Socket): void {
  if (connectAnnounces && clientSocketChannel.hasSubscribers) {
    clientSocketChannel.publish({ socket });
  }
}

/**
 * A client socket for `options`, as Node's `net.connect` makes one: `given` (the caller's own,
 * already made, when the preload carries its `Socket#connect`), or a new socket, announced,
 * with the options' timeout.
 */
export function clientSocket(options: NodeConnectOptions, given: Socket | undefined): Socket {
  if (given) return given;
  const socket = new Socket(socketOptionsFrom(options, {}) as SocketConstructorOpts);
  announceClientSocket(socket);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket;
}

/**
 * Node's `Socket#connect` of a socket from {@link clientSocket}. A new socket connects through
 * `net.Socket.prototype.connect` as it is now, once, as `net.connect` connects its own (APM
 * agents and tracers patch it); the preload hands that call to Node. The caller's own socket is
 * inside that call already, and goes to Node's directly.
 */
export function startConnect(
  socket: Socket,
  given: Socket | undefined,
  options: NodeConnectOptions,
  listener: (() => void) | undefined,
): Socket {
  if (given) return nodeSocketConnect.call(socket, options as NetConnectOpts, listener);
  // The one normalized argument net.connect passes, so whoever patched the method sees Node's call.
  const normalized = nodeNormalizeArgs([options, ...(listener ? [listener] : [])]);
  return within(() => (socket.connect as unknown as (normalized: unknown[]) => Socket)(normalized));
}

/**
 * Connects with Node (the caller's own socket, if any); `decline` says why the fast path was not
 * taken toward a loopback address. For a host name the status is decided by the address Node's
 * lookup gives (its `'lookup'` event), so it stays true after the socket closes.
 */
export function connectOverTcp(connection: Connection, decline: Decline): Socket {
  const { options, listener, host, socket: given, decided } = connection;
  if (isIP(host) && !given) {
    const socket = netConnect(options as NetConnectOpts, listener);
    decided(socket, decide(decline, host));
    return socket;
  }
  if (isIP(host)) {
    decided(given as Socket, decide(decline, host));
    return nodeSocketConnect.call(given as Socket, options as NetConnectOpts, listener);
  }
  // The status listener goes in place first: a custom lookup may answer synchronously, inside
  // connect().
  const socket = clientSocket(options, given);
  decided(socket, statuses.resolving(host));
  // Node emits 'lookup' with whatever a custom lookup answered, an address or not, and reports
  // a bad one on the socket itself: a listener that threw would end the process instead.
  socket.once('lookup', (error: Error | null, address: unknown) => {
    if (!error && typeof address === 'string' && isIP(address)) {
      decided(socket, decide(decline, address));
    }
  });
  return startConnect(socket, given, options, listener);
}
