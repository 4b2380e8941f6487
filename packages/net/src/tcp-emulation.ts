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

/** What Node asks of a handle for its ends: a TCP handle's methods. */
interface AddressedHandle {
  fd?: number;
  getpeername?(out: Record<string, unknown>): number;
  getsockname?(out: Record<string, unknown>): number;
}

type Emulated = Socket & { _handle: AddressedHandle | null };

/** Copies `end` into `out` as a TCP handle fills it (no port where there is none). */
function fill(out: Record<string, unknown>, end: Endpoint): number {
  out.address = end.address;
  out.family = end.family;
  if (end.port !== undefined) out.port = end.port;
  return 0;
}

/**
 * Gives `socket` what a TCP connection would show: `ends`, or what `ends(handle)` works out when
 * Node first asks (it may ask the kernel about the handle's descriptor).
 */
export function emulateTcp(socket: Socket, ends: Ends | ((handle: AddressedHandle) => Ends)): void {
  const emulated = socket as Emulated;
  const handle = emulated._handle;
  emulateReset(socket);
  if (handle === null) return;
  let known = typeof ends === 'function' ? null : ends;
  const settled = () => {
    known ??= (ends as (handle: AddressedHandle) => Ends)(handle);
    return known;
  };
  handle.getpeername = (out) => fill(out, settled().remote);
  handle.getsockname = (out) => fill(out, settled().local);
}
