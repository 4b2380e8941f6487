/**
 * The names both ends of the rendezvous agree on, without a protocol: how an address is spelled,
 * the families a listener takes, and on Linux the abstract names of listeners and clients.
 *
 * A listener's abstract name carries its TCP listener's socket inode and the family it takes
 * (`@loopfast/1/s/<port>/<inode>/<4|6>` as `ss -x` shows it): a client finds it from the kernel's
 * TCP table, so it reaches only the listener TCP would reach. A client binds its socket to a name
 * carrying the port it shows as `localPort` and the address it connected to
 * (`@loopfast/1/c/<port>/<address>`): the server reads it back with `getpeername`, and both ends
 * report the same port and the addresses TCP would show.
 *
 * @module
 */
import { isIP, SocketAddress } from 'node:net';
import { isIPv4MappedAddress, isLoopbackAddress } from '@loopfast/core';
import { sunPathSize } from '@loopfast/core/internal';

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`). */
function unmap(address: string): string {
  const tail = address.slice(address.lastIndexOf(':') + 1);
  if (tail.includes('.')) return tail;
  const [high = '0', low = '0'] = address.split(':').slice(-2);
  const value = (Number.parseInt(high, 16) << 16) | Number.parseInt(low, 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** One spelling per address: IPv4 as is, IPv4-mapped as IPv4, IPv6 in its canonical form. */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  if (isIPv4MappedAddress(address)) return unmap(address);
  return new SocketAddress({ address, family: 'ipv6' }).address;
}

/** The family a connection to `address` (canonical) travels in: IPv4-mapped ones travel as IPv4. */
export function travelFamily(canonical: string): 4 | 6 {
  return isIP(canonical) === 6 ? 6 : 4;
}

/**
 * The families of clients a TCP listener bound to `address` (canonical) takes: `::` both, unless
 * it is IPv6-only.
 */
export function familiesTaken(canonical: string, ipv6Only: boolean): readonly (4 | 6)[] {
  if (canonical === '::') return ipv6Only ? [6] : [4, 6];
  return [travelFamily(canonical)];
}

const ABSTRACT = '\0loopfast/1/';

/**
 * The length every abstract name is filled to: all of `sun_path`. Node 20 binds and connects an
 * abstract name padded with NUL bytes to that length, Node 22 and later by its own length; a name
 * that fills `sun_path` is the same name to both, and to the backends.
 */
const ABSTRACT_LENGTH = sunPathSize('linux');
const FILLER = '.';

function filled(name: string): string {
  return name.padEnd(ABSTRACT_LENGTH, FILLER);
}

/** An abstract name as `ss -x` and `/proc/net/unix` show it (`@`, without the filling). */
export function shownName(name: string): string {
  if (!name.startsWith('\0')) return name;
  let end = name.length;
  while (end > 1 && name[end - 1] === FILLER) end--;
  return `@${name.slice(1, end)}`;
}

/** The abstract name of the rendezvous of TCP listener `inode` on `port`, for clients of `family`. */
export function abstractListenerName(port: number, inode: number, family: 4 | 6): string {
  return filled(`${ABSTRACT}s/${port}/${inode}/${family}/`);
}

const CLIENT = `${ABSTRACT}c/`;

/** The abstract name a client binds: the port it reports, and the address it connected to. */
export function abstractClientName(port: number, destination: string): string {
  return filled(`${CLIENT}${port}/${destination}/`);
}

/** What a client's abstract name says, or `null` for any other name (or none). */
export function parseAbstractClientName(
  name: string,
): { readonly port: number; readonly destination: string } | null {
  if (!name.startsWith(CLIENT)) return null;
  const slash = name.indexOf('/', CLIENT.length);
  const end = name.indexOf('/', slash + 1);
  if (slash === -1 || end === -1) return null;
  const port = Number(name.slice(CLIENT.length, slash));
  const destination = name.slice(slash + 1, end);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (isIP(destination) === 0 || !isLoopbackAddress(destination)) return null;
  return { port, destination };
}

/** The range Linux picks ephemeral TCP ports from by default (`ip_local_port_range`). */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_COUNT = 61000 - EPHEMERAL_FIRST;

/** A port for a client to report, from the range TCP's own would come from. */
export function ephemeralPort(): number {
  return EPHEMERAL_FIRST + Math.floor(Math.random() * EPHEMERAL_COUNT);
}
