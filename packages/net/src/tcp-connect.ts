/**
 * Node's own TCP `connect`, for a connection that asked for the fast path and did not get it:
 * the socket is Node's, and its status is the reason, once the address Node connects to is
 * known to be loopback (a host name may resolve elsewhere).
 *
 * @module
 */
import { isIP, type NetConnectOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { isLoopbackAddress } from '@loopfast/core';
import type { ConnectRecord } from './mechanisms/mechanism.js';
// Node's own, not the live exports: the preload replaces `net.connect` and `Socket#connect`.
import { nodeConnect as netConnect, nodeSocketConnect } from './node-internals/originals.js';
import { type FastPathInfo, recordStatus } from './status.js';
import { statuses } from './statuses.js';

/** Why a loopback address did not get the fast path: fixed, or depending on the address. */
export type Decline = FastPathInfo | ((address: string) => FastPathInfo);

function decide(decline: Decline, address: string): FastPathInfo {
  if (!isLoopbackAddress(address)) return statuses.notLoopback(address);
  return typeof decline === 'function' ? decline(address) : decline;
}

/**
 * Connects with Node; `decline` says why the fast path was not taken toward a loopback address.
 * For a host name the status is decided by the address Node's lookup gives (its `'lookup'`
 * event), so it stays true after the socket closes.
 */
export function connectOverTcp(
  options: ConnectRecord,
  listener: (() => void) | undefined,
  host: string,
  decline: Decline,
): Socket {
  if (isIP(host)) {
    const socket = netConnect(options as NetConnectOpts, listener);
    recordStatus(socket, decide(decline, host));
    return socket;
  }
  // As net.connect does, with the status listener in place first: a custom lookup may answer
  // synchronously, inside connect().
  const socket = new Socket(options as SocketConstructorOpts);
  if (options.timeout) socket.setTimeout(options.timeout);
  recordStatus(socket, statuses.resolving(host));
  // Node emits 'lookup' with whatever a custom lookup answered, an address or not, and reports
  // a bad one on the socket itself: a listener that threw would end the process instead.
  socket.once('lookup', (error: Error | null, address: unknown) => {
    if (!error && typeof address === 'string' && isIP(address)) {
      recordStatus(socket, decide(decline, address));
    }
  });
  return nodeSocketConnect.call(socket, options as NetConnectOpts, listener);
}
