/**
 * What a connection the rendezvous carries shows of TCP. A Unix socket has no IP addresses
 * (Node reports `undefined`), but code reads them (Express's `req.ip`, proxy-address checks,
 * logs): such a socket reports what the TCP connection would have. A client's port cannot be
 * emulated: there is none, so `remotePort` on the server side and `localPort` on the client side
 * are `undefined`. `resetAndDestroy()`, which Node refuses on anything but a TCP handle, destroys
 * the socket: a Unix socket has no reset.
 *
 * `net.Socket`'s address getters are not configurable; they read `_getpeername()` (which, for a
 * handle without `getpeername`, such as a Unix socket's, answers `this._peername`) and
 * `_getsockname()`. Plain assignments of those on the socket keep its shape fast: defining
 * accessors per socket would cost microseconds per connection.
 *
 * @module
 */
import { isIP, type Socket } from 'node:net';
import { isIPv4MappedAddress, isWildcardAddress } from '@loopfast/core';

/** One end of a connection as TCP would report it. */
export interface Endpoint {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number | undefined;
}

/** The family name `net` uses for an IP literal. */
export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** The loopback address a peer of `address` appears from, as TCP over loopback would show it. */
export function loopbackPeer(address: string): string {
  if (isIP(address) === 4) return '127.0.0.1';
  return isIPv4MappedAddress(address) ? '::ffff:127.0.0.1' : '::1';
}

/** The local end of an accepted connection on a listener bound to `address` (a wildcard shows as loopback). */
export function listenerEnd(address: string, port: number): Endpoint {
  const local = isWildcardAddress(address) ? loopbackPeer(address) : address;
  return { address: local, family: familyOf(address), port };
}

/** Where a rendezvous socket keeps its local end, for {@link emulatedSockname}. */
const kLocal = Symbol('loopfast.localEnd');

type Emulated = Socket & {
  [kLocal]: Endpoint;
  _peername: Endpoint;
  _getsockname(this: Emulated): Endpoint;
  resetAndDestroy(this: Emulated): Emulated;
};

function emulatedSockname(this: Emulated): Endpoint {
  return this[kLocal];
}

function destroyForReset(this: Emulated): Emulated {
  return this.destroy();
}

/** Gives `socket` what a TCP connection from `local` to `remote` would show. */
export function emulateTcp(socket: Socket, local: Endpoint, remote: Endpoint): void {
  const emulated = socket as Emulated;
  emulated[kLocal] = local;
  emulated._peername = remote;
  emulated._getsockname = emulatedSockname;
  emulated.resetAndDestroy = destroyForReset;
}
