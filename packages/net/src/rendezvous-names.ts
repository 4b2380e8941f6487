/**
 * Where the rendezvous of a TCP address lives. Its identity is the network namespace (on Linux:
 * loopback in another namespace is another host, so a client there, sharing the filesystem,
 * never reaches this one's server), the address and the port. A client of `A:P` looks for the
 * listeners TCP would reach: `A` itself, the wildcard of its family, and a dual-stack `::`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { isIP, SocketAddress } from 'node:net';
import { join } from 'node:path';
import { isIPv4MappedAddress, unixPathLimit } from '@loopfast/core';

/** The name part for a dual-stack `::` listener, which accepts IPv4 and IPv6 clients. */
const DUAL_STACK = 'any';

let namespace: string | Error | undefined;

/**
 * This process's network namespace on Linux (the inode of `/proc/self/ns/net`), `''` on systems
 * without network namespaces, or the error that keeps it unknown. Read once: a Node process
 * cannot change its namespace.
 */
export function networkNamespace(platform: NodeJS.Platform): string | Error {
  if (platform !== 'linux' && platform !== 'android') return '';
  if (namespace === undefined) {
    try {
      const link = readlinkSync('/proc/self/ns/net');
      namespace = /\[(\d+)\]/.exec(link)?.[1] ?? new Error(`unexpected namespace link ${link}`);
    } catch (error) {
      namespace = error as Error;
    }
  }
  return namespace;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`). */
function unmap(address: string): string {
  const tail = address.slice(address.lastIndexOf(':') + 1);
  if (tail.includes('.')) return tail;
  const [high = '0', low = '0'] = address.split(':').slice(-2);
  const value = (Number.parseInt(high, 16) << 16) | Number.parseInt(low, 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** One spelling per address: IPv4 as is, IPv4-mapped as IPv4, IPv6 in its canonical form. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  if (isIPv4MappedAddress(address)) return unmap(address);
  return new SocketAddress({ address, family: 'ipv6' }).address;
}

/** The name parts a client of `address` tries, most specific first. */
export function clientKeys(address: string): string[] {
  const exact = canonical(address);
  return isIP(exact) === 4 ? [exact, '0.0.0.0', DUAL_STACK] : [exact, '::', DUAL_STACK];
}

/** The name part of a listener on `address` (`ipv6Only` matters for `::` alone). */
export function serverKey(address: string, ipv6Only: boolean): string {
  const exact = canonical(address);
  return exact === '::' && !ipv6Only ? DUAL_STACK : exact;
}

/**
 * The socket path for `key` and `port` in `directory`: readable when it fits `sun_path`, else a
 * hash of the same identity (never a silently truncated path). `null` when even that does not fit.
 */
export function rendezvousPath(
  directory: string,
  ns: string,
  key: string,
  port: number,
  platform: NodeJS.Platform,
): string | null {
  const name = `${ns ? `${ns}_` : ''}${key}_${port}`;
  const limit = unixPathLimit(platform);
  const readable = join(directory, name);
  if (Buffer.byteLength(readable) <= limit) return readable;
  const hashed = join(
    directory,
    // 64 bits of hash in 18 bytes: enough against collisions among one host's listeners.
    `h_${createHash('sha256').update(name).digest('hex').slice(0, 16)}`,
  );
  return Buffer.byteLength(hashed) <= limit ? hashed : null;
}

/**
 * Candidate paths by destination address and port, for the directory and namespace they were
 * made for. Keyed by the address and then the port, so a lookup builds no string.
 */
let candidates: {
  directory: string;
  ns: string;
  size: number;
  byAddress: Map<string, Map<number, string[]>>;
} | null = null;
/** Enough for the destinations one process talks to; the cache starts over beyond it. */
const MAX_CANDIDATES = 1024;

/**
 * The rendezvous paths a client of `address`:`port` tries, most specific first (those that fit
 * `sun_path`). Kept per destination: they are on every connection's path.
 */
export function clientPaths(
  directory: string,
  ns: string,
  address: string,
  port: number,
  platform: NodeJS.Platform,
): string[] {
  if (
    candidates === null ||
    candidates.directory !== directory ||
    candidates.ns !== ns ||
    candidates.size >= MAX_CANDIDATES
  ) {
    candidates = { directory, ns, size: 0, byAddress: new Map() };
  }
  let byPort = candidates.byAddress.get(address);
  if (byPort === undefined) {
    byPort = new Map();
    candidates.byAddress.set(address, byPort);
  }
  let paths = byPort.get(port);
  if (paths === undefined) {
    paths = [];
    for (const key of clientKeys(address)) {
      const path = rendezvousPath(directory, ns, key, port, platform);
      if (path !== null) paths.push(path);
    }
    byPort.set(port, paths);
    candidates.size++;
  }
  return paths;
}
