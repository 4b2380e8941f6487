/**
 * Linux: which TCP listener a loopback destination reaches, read from the kernel's table of this
 * network namespace, and whether a process holds it (its descriptors under `/proc/<pid>/fd`). The
 * abstract rendezvous is named after the listener's socket inode, so a client goes over it only to
 * the listener TCP would reach, and only when the process answering there holds that listener.
 *
 * The table is asked of the backend (`sock_diag`: the kernel walks its listeners alone and filters
 * them by port, well under a millisecond); where that fails (netlink closed to the process, a
 * backend without it) `/proc/net/tcp` and `/proc/net/tcp6` are read instead, whose cost grows with
 * the host's table of connections (about 8 ms on these machines). Either happens once per
 * destination, and a scan of a process's descriptors once per server process, never per
 * connection.
 *
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Backend } from '@loopfast/core';
import { canonicalAddress } from './names.js';

/** A TCP socket in the LISTEN state, as the kernel's table lists it. */
export interface TcpListener {
  /** The bound address, canonical: IPv4-mapped addresses as IPv4, IPv6 compressed. */
  readonly address: string;
  /** Which table listed it: 4 for `/proc/net/tcp`, 6 for `/proc/net/tcp6`. */
  readonly table: 4 | 6;
  readonly uid: number;
  readonly inode: number;
  /** Whether an IPv6 listener refuses IPv4 clients; `null` where the table read cannot say. */
  readonly ipv6Only: boolean | null;
}

/** The listener a destination reaches, or why none can be named. */
export type ReachedListener =
  | { readonly listener: TcpListener; readonly failure?: undefined }
  | { readonly listener?: undefined; readonly failure: string; readonly error: Error | null };

/** Nothing listens where a destination points: TCP fails, or tries a name's next address. */
export const NOTHING_LISTENS = null;

/** `st` of a socket in the LISTEN state. */
const LISTEN = '0A';

/** The four bytes of a 32-bit word as the kernel printed it (`%08X` of the word in host order). */
function wordBytes(hex: string): number[] {
  const word = Number.parseInt(hex, 16);
  const bytes = [(word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff];
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

/** The address a table row's hex field stands for, canonical. */
function decodeAddress(hex: string, table: 4 | 6): string {
  if (table === 4) return wordBytes(hex).join('.');
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8)));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalAddress(groups.join(':'));
}

/** The LISTEN rows of one table on `port`. */
function listenersIn(table: 4 | 6, port: number): TcpListener[] {
  const text = readFileSync(table === 4 ? '/proc/net/tcp' : '/proc/net/tcp6', 'latin1');
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const found: TcpListener[] = [];
  let at = text.indexOf(portHex);
  while (at !== -1) {
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    const fields = text
      .slice(start, end === -1 ? undefined : end)
      .trim()
      .split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const local = fields[1] ?? '';
    if (fields[3] === LISTEN && local.endsWith(portHex.slice(0, -1))) {
      found.push({
        address: decodeAddress(local.slice(0, local.indexOf(':')), table),
        table,
        uid: Number(fields[7]),
        inode: Number(fields[9]),
        ipv6Only: table === 4 ? false : null,
      });
    }
    at = end === -1 ? -1 : text.indexOf(portHex, end);
  }
  return found;
}

/** The backend's reading of the kernel's table for `port`. Throws what the backend throws. */
function listenersFromKernel(backend: Backend, port: number): TcpListener[] {
  return [4, 6].flatMap((family) =>
    backend.listTcpListeners(family as 4 | 6, port).map((entry) => ({
      address: canonicalAddress(entry.address),
      table: entry.family,
      uid: entry.uid,
      inode: entry.inode,
      ipv6Only: entry.ipv6Only,
    })),
  );
}

/**
 * Every TCP listener on `port` (0: every port) in this network namespace, and how the table was
 * read: the backend's `sock_diag` reading, else the `/proc` tables. Throws when neither can be
 * read, with both reasons.
 */
export function readTcpListeners(
  backend: Backend | null,
  port: number,
): { listeners: TcpListener[]; via: string } {
  let kernelFailure = 'no backend';
  if (backend !== null) {
    try {
      return {
        listeners: listenersFromKernel(backend, port),
        via: `sock_diag (${backend.name} backend)`,
      };
    } catch (error) {
      kernelFailure = (error as Error).message;
    }
  }
  try {
    return {
      listeners: [...listenersIn(4, port), ...listenersIn(6, port)],
      via: `/proc/net/tcp and /proc/net/tcp6 (sock_diag: ${kernelFailure})`,
    };
  } catch (error) {
    throw new Error(`sock_diag: ${kernelFailure}; /proc: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Whether `listener` is bound to the wildcard that takes clients of `family`. */
function isWildcardFor(listener: TcpListener, family: 4 | 6): boolean {
  if (listener.address === '::') return family === 6 || listener.ipv6Only !== true;
  return family === 4 && listener.address === '0.0.0.0';
}

/**
 * The listener TCP reaches for `address` (canonical: IPv4 for IPv4 and IPv4-mapped destinations)
 * and `port`: one bound to the address itself, else one bound to the wildcard that takes the
 * address's family (an IPv6 wildcard that is IPv6-only takes no IPv4 client). Two candidates at
 * the same level (`reusePort`, or an IPv4 wildcard beside an IPv6 one that `/proc` cannot say is
 * IPv6-only) make the kernel's choice unknown: no listener is named then. {@link NOTHING_LISTENS}
 * where there is none.
 */
export function listenerReached(
  backend: Backend,
  address: string,
  family: 4 | 6,
  port: number,
): ReachedListener | typeof NOTHING_LISTENS {
  let listeners: TcpListener[];
  try {
    ({ listeners } = readTcpListeners(backend, port));
  } catch (error) {
    return {
      failure: `the kernel's TCP tables cannot be read (${(error as Error).message})`,
      error: error as Error,
    };
  }
  const exact = listeners.filter(
    (listener) => listener.address === address && (family === 4 || listener.table === 6),
  );
  const candidates = exact.length > 0 ? exact : listeners.filter((l) => isWildcardFor(l, family));
  const [only] = candidates;
  if (only === undefined) return NOTHING_LISTENS;
  if (candidates.length > 1) {
    return {
      failure: `${candidates.length} TCP listeners could take ${address} port ${port} (reusePort, or one per family), and which one TCP reaches is the kernel's choice`,
      error: null,
    };
  }
  return { listener: only };
}

/**
 * The inode of the listener bound exactly to `address` (canonical) and `port`, for a server that
 * does not hold its TCP descriptor itself (a `cluster` worker: the primary holds it).
 */
export function listenerBoundTo(backend: Backend, address: string, port: number): ReachedListener {
  let listeners: TcpListener[];
  try {
    listeners = readTcpListeners(backend, port).listeners.filter(
      (listener) => listener.address === address,
    );
  } catch (error) {
    return {
      failure: `the kernel's TCP tables cannot be read (${(error as Error).message})`,
      error: error as Error,
    };
  }
  const [only] = listeners;
  if (only === undefined || listeners.length > 1) {
    return {
      failure: `${listeners.length} TCP listeners are bound to ${address} port ${port}`,
      error: null,
    };
  }
  return { listener: only };
}

/**
 * Whether process `pid` holds the socket with inode `inode` (one of its descriptors is that
 * socket). Throws what listing the descriptors throws (`ENOENT` when the process is gone,
 * `EACCES` when it is not this user's to inspect).
 */
export function processHoldsSocket(pid: number, inode: number): boolean {
  const directory = `/proc/${pid}/fd`;
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync(directory)) {
    try {
      if (readlinkSync(`${directory}/${entry}`) === target) return true;
    } catch {
      // Closed while listed: not the one.
    }
  }
  return false;
}
