/**
 * Linux: the rendezvous in the kernel's abstract socket namespace. The kernel scopes an abstract
 * name to the network namespace (a sandbox in another one neither sees nor binds it) and frees it
 * when its socket closes (no files, no locks, nothing stale). A name has no permissions, so anyone
 * in the namespace can connect (exactly who can reach the TCP port) or bind a name first; hence
 * two checks on every client, after which a squatter can only deny the fast path:
 * - the peer's uid (peer credentials) is the client's own, on every connection;
 * - the peer process holds the TCP listener the destination reaches (the name carries that
 *   listener's inode, found in the kernel's TCP table; the peer's descriptors are looked through
 *   once per server process).
 *
 * @module
 */
import { fstatSync } from 'node:fs';
import type { Server } from 'node:net';
import {
  type Backend,
  type ConnectedUnixSocket,
  LoopfastErrorCode,
  type NativeSocket,
  type PeerCredentials,
} from '@loopfast/core';
import { listeningDescriptor } from '../../node-internals/server-handles.js';
import { statuses } from '../../status-catalog.js';
import type { FastPathInfo } from '../../status-record.js';
import type { ListenContext } from './listener.js';
import {
  abstractClientName,
  abstractListenerName,
  canonicalAddress,
  ephemeralPort,
  familiesTaken,
  shownName,
  travelFamily,
} from './names.js';
import type { ClientAttempt, RendezvousPlace } from './places.js';
import {
  listenerBoundTo,
  listenerReached,
  NOTHING_LISTENS,
  processHoldsSocket,
} from './tcp-listeners.js';

/** Where a client found the rendezvous of a destination. */
interface Route {
  /** The TCP listener's inode. */
  readonly inode: number;
  readonly name: string;
  readonly shownName: string;
  /** The server process confirmed to hold the listener, 0 before the first connection. */
  pid: number;
}

/** Why a destination goes over TCP, until when. */
interface Refusal {
  readonly info: FastPathInfo;
  readonly until: number;
}

/**
 * How long a destination that declined stays on TCP before the kernel's table is read again: a
 * server that starts with the fast path there is found after this long, and a plain one costs a
 * table read this often at most.
 */
const REFUSAL_MS = 1000;
/** Enough for the destinations one process talks to; the table starts over beyond it. */
const MAX_ROUTES = 4096;
/** Binds tried before a client gives up finding a free name (each port is free but rarely). */
const CLIENT_NAME_TRIES = 8;

const routes = new Map<string, Map<number, Route | Refusal>>();
let routeCount = 0;

function remember(address: string, port: number, entry: Route | Refusal): void {
  if (routeCount >= MAX_ROUTES) {
    routes.clear();
    routeCount = 0;
  }
  let byPort = routes.get(address);
  if (byPort === undefined) {
    byPort = new Map();
    routes.set(address, byPort);
  }
  if (!byPort.has(port)) routeCount++;
  byPort.set(port, entry);
}

/** The route to the listener TCP reaches now, or why there is none (`null`: nothing listens). */
function resolve(
  backend: Backend,
  address: string,
  port: number,
  uid: number,
): Route | Refusal | null {
  const family = travelFamily(address);
  const reached = listenerReached(backend, address, family, port);
  if (reached === NOTHING_LISTENS) return null;
  if (reached.listener === undefined) {
    return {
      info: statuses.checkFailed(reached.failure, reached.error, backend.name),
      until: Date.now() + REFUSAL_MS,
    };
  }
  const { listener } = reached;
  if (listener.uid !== uid) {
    return {
      info: statuses.otherUser(
        `the TCP listener on ${address} port ${port}`,
        listener.uid,
        uid,
        backend.name,
      ),
      until: Date.now() + REFUSAL_MS,
    };
  }
  const name = abstractListenerName(port, listener.inode, family);
  return { inode: listener.inode, name, shownName: shownName(name), pid: 0 };
}

/** Closes a descriptor the client made and will not hand over. */
function discard(backend: Backend, fd: NativeSocket): void {
  try {
    backend.closeSocket(fd);
  } catch {
    // Made by the backend a moment ago and never handed to anyone: nothing else to do.
  }
}

/** Why `peer`, who accepted the connection, is not the server of `route`, or `null` once it is confirmed. */
function peerRefusal(
  backend: Backend,
  peer: PeerCredentials,
  route: Route,
  address: string,
  port: number,
  uid: number,
): FastPathInfo | null {
  if (peer.uid !== uid) {
    return statuses.otherUser(`the rendezvous ${route.shownName}`, peer.uid, uid, backend.name);
  }
  if (peer.pid === route.pid) return null;
  let holds: boolean;
  try {
    holds = peer.pid > 0 && processHoldsSocket(peer.pid, route.inode);
  } catch (error) {
    return statuses.checkFailed(
      `cannot confirm that process ${peer.pid} holds the TCP listener on ${address} port ${port}`,
      error as Error,
      backend.name,
    );
  }
  if (!holds) return statuses.notTcpOwner(route.shownName, peer.pid, address, port, backend.name);
  route.pid = peer.pid;
  return null;
}

/** `'refused'` when nobody holds the route's name (the listener's server has no rendezvous). */
function attempt(
  backend: Backend,
  route: Route,
  address: string,
  port: number,
  uid: number,
): ClientAttempt | 'refused' {
  for (let tries = 0; tries < CLIENT_NAME_TRIES; tries++) {
    const localPort = ephemeralPort();
    const boundName = abstractClientName(localPort, address);
    let connected: ConnectedUnixSocket;
    try {
      connected = backend.connectUnixSocketWithPeer(route.name, boundName);
    } catch (error) {
      const { code, syscall } = error as { code?: string; syscall?: string };
      if (code === 'EADDRINUSE' && syscall === 'bind') continue;
      if (syscall === 'getsockopt' || syscall === 'getpeereid') {
        return { info: statuses.checkFailed('peer credentials', error as Error, backend.name) };
      }
      if (code === 'ECONNREFUSED') return 'refused';
      if (code === 'EAGAIN') {
        return { info: statuses.busyRendezvous(route.shownName, error as Error, backend.name) };
      }
      if (code === LoopfastErrorCode.BACKEND_UNAVAILABLE) {
        return { info: statuses.unavailable(error as Error, backend.name) };
      }
      return {
        info: statuses.rendezvousConnectFailed(route.shownName, error as Error, backend.name),
      };
    }
    const { socket: fd, peer } = connected;
    const refusal = peerRefusal(backend, peer, route, address, port, uid);
    if (refusal !== null) {
      discard(backend, fd);
      return { info: refusal };
    }
    return {
      fd,
      localPort,
      // Only a server of this process can pair with the client (see `resets.ts`).
      pairingName: peer.pid === process.pid ? boundName : undefined,
      info: statuses.rendezvousClient(route.shownName, backend.name),
    };
  }
  return {
    info: statuses.checkFailed(
      `no free client name in ${CLIENT_NAME_TRIES} tries`,
      null,
      backend.name,
    ),
  };
}

function connect(
  backend: Backend,
  _settings: unknown,
  address: string,
  port: number,
): ClientAttempt {
  const uid = process.geteuid?.() ?? -1;
  let entry = routes.get(address)?.get(port);
  let fresh = false;
  if (entry === undefined || ('until' in entry && entry.until <= Date.now())) {
    const resolved = resolve(backend, address, port, uid);
    if (resolved === null) return null;
    entry = resolved;
    remember(address, port, entry);
    fresh = true;
  }
  if ('until' in entry) return { info: entry.info };
  let outcome = attempt(backend, entry, address, port, uid);
  if (outcome === 'refused' && !fresh) {
    // The listener this client knew is gone: another may listen there now.
    const resolved = resolve(backend, address, port, uid);
    if (resolved === null) return null;
    remember(address, port, resolved);
    if ('until' in resolved) return { info: resolved.info };
    entry = resolved;
    outcome = attempt(backend, entry, address, port, uid);
  }
  if (outcome === 'refused') {
    const info = statuses.noRendezvousServer(
      address,
      port,
      `no rendezvous at ${entry.shownName}`,
      backend.name,
    );
    remember(address, port, { info, until: Date.now() + REFUSAL_MS });
    return { info };
  }
  if (outcome !== null && outcome.fd === undefined) {
    remember(address, port, { info: outcome.info, until: Date.now() + REFUSAL_MS });
  }
  return outcome;
}

/** The inode of `server`'s TCP listener: from its descriptor, or (a `cluster` worker) the table. */
function listenerInode(
  backend: Backend,
  server: Server,
  address: string,
  port: number,
): { inode: number } | { failure: string; error: Error | null } {
  const fd = listeningDescriptor(server);
  if (fd !== undefined) {
    try {
      // As a BigInt: on Node 20 a number `fstat` of a socket made before koffi first loads leaves
      // koffi unable to load its binary.
      return { inode: Number(fstatSync(fd, { bigint: true }).ino) };
    } catch (error) {
      return {
        failure: `cannot inspect the TCP listener (${(error as Error).message})`,
        error: error as Error,
      };
    }
  }
  const bound = listenerBoundTo(backend, canonicalAddress(address), port);
  return bound.listener ? { inode: bound.listener.inode } : bound;
}

/** Who holds `name`, for the reason a listener could not bind it. */
function holderOf(backend: Backend, name: string): string {
  try {
    const fd = backend.connectUnixSocket(name);
    try {
      const { pid, uid } = backend.getPeerCredentials(fd);
      return ` (held by process ${pid}, uid ${uid})`;
    } finally {
      discard(backend, fd);
    }
  } catch {
    return '';
  }
}

function open(context: ListenContext, report: (info: FastPathInfo, served: boolean) => void): void {
  const { server, backend, tcp, ipv6Only } = context;
  const found = listenerInode(backend, server, tcp.address, tcp.port);
  if ('failure' in found) {
    report(statuses.checkFailed(found.failure, found.error, backend.name), false);
    return;
  }
  const families = familiesTaken(canonicalAddress(tcp.address), ipv6Only);
  const served: string[] = [];
  let failed: { name: string; error: Error } | null = null;
  let pending = families.length;
  const oneListenDone = () => {
    if (--pending > 0 || !context.current()) return;
    if (failed !== null) {
      const { name, error } = failed;
      const shown = `${shownName(name)}${holderOf(backend, name)}`;
      report(statuses.rendezvousListenFailed(shown, error, backend.name), served.length > 0);
      return;
    }
    report(statuses.rendezvousServer(served.join(' and '), backend.name), true);
  };
  for (const family of families) {
    const name = abstractListenerName(tcp.port, found.inode, family);
    context.listenOn(name, family, (error) => {
      if (error) failed ??= { name, error };
      else served.push(shownName(name));
      oneListenDone();
    });
  }
}

/** The abstract namespace as the place of the rendezvous. */
export const abstractPlace: RendezvousPlace = Object.freeze({
  kind: 'abstract',
  connect,
  absent: (backend: Backend, _settings: unknown, address: string, port: number) =>
    statuses.noRendezvousServer(address, port, 'nothing listens there on TCP', backend.name),
  open,
  // The kernel frees an abstract name as its socket closes: nothing to clean up.
  closed: () => {},
});
