/**
 * What a connection the rendezvous carries shows of TCP. A Unix socket has no IP addresses
 * (Node reports `undefined`), but code reads them (Express's `req.ip`, proxy-address checks,
 * rate limiters, logs): such a socket reports what the TCP connection would have, ports included
 * (see the rendezvous names), and `resetAndDestroy()`, which Node refuses on anything but a TCP
 * handle, resets as far as a Unix socket can (see `resets.ts`).
 *
 * The ends live on the socket's handle, as a TCP handle's do: Node's address getters, `address()`
 * and a TLS socket over it (whose handle asks the one beneath) all call the handle's
 * `getpeername` and `getsockname`, which a Unix handle lacks. Like Node's for TCP, they are asked
 * when first read while the socket is open; an accepted socket works its ends out then.
 *
 * So do TCP's options. Node keeps `noDelay` and `keepAlive` on the socket and passes them to the
 * handle (the socket's options once connected, a server's on each socket it accepts, and each
 * change after), only where the handle has `setNoDelay` and `setKeepAlive`: the handle has them,
 * so every call Node makes over TCP is made. They set nothing, and need not: Nagle's algorithm and
 * keep-alive probes are TCP's, where a Unix socket hands each write to its peer at once and sees
 * a peer in the same kernel go at once (its end, or its error).
 *
 * @module
 */
import { isIP, type Socket } from 'node:net';
import { isIPv4MappedAddress } from '@loopfast/core';
import { emulateReset } from './resets.js';

/** One end of a connection as TCP would report it. */
export interface Endpoint {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number | undefined;
}

/** Both ends of a connection, seen from one side. */
export interface Ends {
  readonly local: Endpoint;
  readonly remote: Endpoint;
}

/** The family name `net` uses for an IP literal. */
export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** The loopback address a client of `address` connects from, as TCP over loopback shows it. */
export function loopbackPeer(address: string): string {
  if (isIP(address) === 4) return '127.0.0.1';
  return isIPv4MappedAddress(address) ? '::ffff:127.0.0.1' : '::1';
}

/** What Node asks of a handle for its ends and sets on it for TCP's options: a TCP handle's methods. */
export interface TcpLikeHandle {
  fd?: number;
  getpeername?(out: Record<string, unknown>): number;
  getsockname?(out: Record<string, unknown>): number;
  setNoDelay?(enable: boolean): number;
  setKeepAlive?(enable: boolean, initialDelay: number, ...more: unknown[]): number;
}

type Emulated = Socket & { _handle: TcpLikeHandle | null };

/** Copies `end` into `out` as a TCP handle fills it (no port where there is none). */
function fill(out: Record<string, unknown>, end: Endpoint): number {
  out.address = end.address;
  out.family = end.family;
  if (end.port !== undefined) out.port = end.port;
  return 0;
}

/** A TCP option on a Unix socket: nothing to set (see above); success, as TCP's call returns. */
function nothingToSet(): number {
  return 0;
}

/**
 * Gives `handle` TCP's `setNoDelay` and `setKeepAlive`. Where it takes the place of `replaced`
 * (the TCP handle a socket had while its host name resolved), a replacement of either that the
 * caller made on that handle, to observe or change the calls, comes along, and is called on that
 * handle as Node would have called it (closed by now, where TCP's own methods set nothing).
 */
export function giveTcpOptions(handle: TcpLikeHandle, replaced?: TcpLikeHandle | null): void {
  handle.setNoDelay = nothingToSet;
  handle.setKeepAlive = nothingToSet;
  if (!replaced) return;
  const { setNoDelay, setKeepAlive } = replaced;
  if (setNoDelay && Object.hasOwn(replaced, 'setNoDelay')) {
    handle.setNoDelay = (enable) => setNoDelay.call(replaced, enable);
  }
  if (setKeepAlive && Object.hasOwn(replaced, 'setKeepAlive')) {
    handle.setKeepAlive = (...args) => setKeepAlive.apply(replaced, args);
  }
}

/**
 * Gives `handle` the ends of a TCP connection: `ends`, or what `ends(handle)` works out when Node
 * first asks (it may ask the kernel about the handle's descriptor).
 */
export function emulateTcpEnds(
  handle: TcpLikeHandle,
  ends: Ends | ((handle: TcpLikeHandle) => Ends),
): void {
  let known = typeof ends === 'function' ? null : ends;
  const settled = () => {
    known ??= (ends as (handle: TcpLikeHandle) => Ends)(handle);
    return known;
  };
  handle.getpeername = (out) => fill(out, settled().remote);
  handle.getsockname = (out) => fill(out, settled().local);
}

/** Gives `socket` TCP's `resetAndDestroy()` (see above). */
export function emulateTcpSocket(socket: Socket): void {
  emulateReset(socket);
}

/** Gives `socket` and its handle what a TCP connection with `ends` would show. */
export function emulateTcp(socket: Socket, ends: Ends): void {
  emulateTcpSocket(socket);
  const handle = (socket as Emulated)._handle;
  if (handle !== null) emulateTcpEnds(handle, ends);
}
