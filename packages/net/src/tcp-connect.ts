/**
 * Node's own TCP `connect`, for a connection that asked for the fast path and did not get it:
 * the socket is Node's, and its status is the reason, once the address Node connected to is
 * known to be loopback (a host name may resolve elsewhere).
 *
 * @module
 */
import { isIP, type NetConnectOpts, connect as netConnect, type Socket } from 'node:net';
import { isLoopbackAddress } from '@loopfast/core';
import type { ConnectRecord } from './mechanisms/mechanism.js';
import { type FastPathInfo, recordStatus, recordStatusLater } from './status.js';
import { statuses } from './statuses.js';

/** Connects with Node; `info` says why the fast path was not taken toward a loopback address. */
export function connectOverTcp(
  options: ConnectRecord,
  listener: (() => void) | undefined,
  host: string,
  info: FastPathInfo,
): Socket {
  const socket = netConnect(options as NetConnectOpts, listener);
  if (isIP(host)) {
    recordStatus(socket, isLoopbackAddress(host) ? info : statuses.notLoopback(host));
  } else {
    recordStatusLater(socket, () => {
      const address = socket.remoteAddress;
      if (address === undefined) return statuses.resolving(host);
      return isLoopbackAddress(address) ? info : statuses.notLoopback(address);
    });
  }
  return socket;
}
