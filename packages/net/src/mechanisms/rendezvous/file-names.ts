/**
 * Where a socket file of the rendezvous lives (macOS and the other POSIX systems; on Linux when
 * chosen). Its identity is the network namespace (on Linux), the address and the port. A client
 * of `A:P` looks for the listeners TCP would reach: `A` itself, then the wildcard of its family
 * (a dual-stack `::` listens under both wildcards' names).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isWildcardAddress, unixPathLimit } from '@loopfast/core';
import { travelFamily } from './names.js';

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

/** The name part of the wildcard that takes clients of `family`. */
function wildcardKey(family: 4 | 6): string {
  return family === 4 ? '0.0.0.0' : '::';
}

/** The name parts a client of `address` (canonical) tries, most specific first. */
function clientKeys(address: string): string[] {
  return [address, wildcardKey(travelFamily(address))];
}

/**
 * The name part of a listener on `address` (canonical) for clients of `family`: the address, or
 * for a wildcard the wildcard of that family (a dual-stack `::` has one name per family).
 */
export function serverKey(address: string, family: 4 | 6): string {
  return isWildcardAddress(address) ? wildcardKey(family) : address;
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
