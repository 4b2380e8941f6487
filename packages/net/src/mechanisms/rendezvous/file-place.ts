/**
 * macOS and the other POSIX systems (Linux when `LOOPFAST_RENDEZVOUS=file`): the rendezvous as
 * socket files in a private per-user directory (see `directory.ts`), named for the network
 * namespace, the address and the port. The client checks the server's uid through peer
 * credentials; the directory's rules keep other users from placing or swapping anything in it.
 * A server removes its files on close, at exit, and on `SIGINT`, `SIGTERM` and `SIGHUP` when no
 * other listener handles the signal (which is then raised again, so the process still dies of
 * it). A stale file from a crashed process is found (nobody listens) and replaced, under a lock
 * file that keeps `cluster` workers and `reusePort` twins from removing what another just made.
 *
 * Every file-system and `/proc` call here ends, when it throws, in a status and TCP.
 *
 * @module
 */
import cluster from 'node:cluster';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { type Backend, LoopfastErrorCode, type NativeSocket } from '@loopfast/core';
import type { FastPathSettings } from '../../options.js';
import { statuses } from '../../status-catalog.js';
import type { FastPathInfo } from '../../status-record.js';
import { clientDirectory, distrustDirectory, effectiveUid, serverDirectory } from './directory.js';
import { clientPaths, networkNamespace, rendezvousPath, serverKey } from './file-names.js';
import type { ListenContext } from './listener.js';
import { canonicalAddress, familiesTaken } from './names.js';
import type { ClientAttempt, RendezvousPlace } from './places.js';

/** The directory and namespace of the rendezvous, or the status that says why there is none. */
type Where =
  | { readonly directory: string; readonly ns: string; readonly info?: undefined }
  | { readonly info: FastPathInfo };

/** The last place a client found, kept while the directory it was built from is the one in force. */
let lastClientWhere: { readonly found: object; readonly ns: string; readonly where: Where } | null =
  null;

function whereFor(settings: FastPathSettings, backend: Backend, role: 'client' | 'server'): Where {
  const ns = networkNamespace(settings.platform);
  if (ns instanceof Error) {
    return {
      info: statuses.checkFailed(
        `the network namespace is unknown (${ns.message})`,
        ns,
        backend.name,
      ),
    };
  }
  const found = role === 'client' ? clientDirectory(settings.env) : serverDirectory(settings.env);
  if (found.path === null) {
    return { info: statuses.checkFailed(found.failure, found.error, backend.name) };
  }
  if (role === 'server') return { directory: found.path, ns };
  // A client asks on every connection, and a checked directory comes back as the same object.
  if (lastClientWhere?.found !== found || lastClientWhere.ns !== ns) {
    lastClientWhere = { found, ns, where: { directory: found.path, ns } };
  }
  return lastClientWhere.where;
}

// ---------------------------------------------------------------------------------------------
// Client

/**
 * The candidate paths where the last connect found no file. Before connecting to one of them
 * again, the file system is asked first: when there is still no file, that costs a small part of
 * a failed connect, whose error the backend must build. Bounded like the candidate names.
 */
const missingPaths = new Set<string>();
const MAX_ABSENT = 4096;

/** Whether `path` has no file now, as far as the file system says. */
function stillAbsent(path: string): boolean {
  try {
    return !existsSync(path);
  } catch {
    return false;
  }
}

/** Connects to the rendezvous at `path` if one is there and passes the uid check. */
function attemptPath(backend: Backend, path: string): ClientAttempt {
  if (missingPaths.has(path)) {
    if (stillAbsent(path)) return null;
    missingPaths.delete(path);
  }
  let fd: NativeSocket;
  try {
    fd = backend.connectUnixSocket(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      if (missingPaths.size >= MAX_ABSENT) missingPaths.clear();
      missingPaths.add(path);
      return null;
    }
    if (code === 'ECONNREFUSED') {
      return { info: statuses.staleRendezvous(path, error as Error, backend.name) };
    }
    if (code === 'EAGAIN')
      return { info: statuses.busyRendezvous(path, error as Error, backend.name) };
    if (code === LoopfastErrorCode.BACKEND_UNAVAILABLE) {
      return { info: statuses.unavailable(error as Error, backend.name) };
    }
    distrustDirectory();
    return { info: statuses.rendezvousConnectFailed(path, error as Error, backend.name) };
  }
  const uid = effectiveUid();
  let peerUid: number;
  try {
    peerUid = backend.getPeerCredentials(fd).uid;
  } catch (error) {
    closeQuietly(backend, fd);
    return { info: statuses.checkFailed('peer credentials', error as Error, backend.name) };
  }
  if (peerUid !== uid) {
    closeQuietly(backend, fd);
    distrustDirectory();
    return { info: statuses.otherUser(`the server at ${path}`, peerUid, uid, backend.name) };
  }
  return { fd, localPort: undefined, info: statuses.rendezvousClient(path, backend.name) };
}

function closeQuietly(backend: Backend, fd: NativeSocket): void {
  try {
    backend.closeSocket(fd);
  } catch {
    // Made by the backend a moment ago and never handed to anyone: nothing else to do.
  }
}

function connect(
  backend: Backend,
  settings: FastPathSettings,
  address: string,
  port: number,
): ClientAttempt {
  const where = whereFor(settings, backend, 'client');
  if (where.info) return { info: where.info };
  let declined: ClientAttempt = null;
  for (const path of clientPaths(where.directory, where.ns, address, port, settings.platform)) {
    const outcome = attemptPath(backend, path);
    if (outcome === null) continue;
    if (outcome.fd !== undefined) return outcome;
    declined ??= outcome;
  }
  return declined;
}

function absent(
  backend: Backend,
  settings: FastPathSettings,
  address: string,
  port: number,
): FastPathInfo {
  const where = whereFor(settings, backend, 'client');
  if (where.info) return where.info;
  const [first] = clientPaths(where.directory, where.ns, address, port, settings.platform);
  return statuses.noRendezvousServer(
    address,
    port,
    `no rendezvous at ${first ?? where.directory}`,
    backend.name,
  );
}

// ---------------------------------------------------------------------------------------------
// Server

/** Socket files this process made, removed at exit or on a fatal signal if still theirs. */
const madeFiles = new Map<string, { dev: bigint; ino: bigint }>();

/**
 * The identity of a socket file. As BigInts: on Node 20, a number `lstat` of a listening Unix
 * socket's path, made before koffi first loads, leaves koffi unable to load its binary.
 */
function identity(path: string): { dev: bigint; ino: bigint } {
  const { dev, ino } = lstatSync(path, { bigint: true });
  return { dev, ino };
}

function removeMadeFiles(): void {
  for (const [path, made] of madeFiles) {
    try {
      const now = identity(path);
      if (now.dev === made.dev && now.ino === made.ino) unlinkSync(path);
    } catch {
      // Already gone, or no longer this process's to remove.
    }
  }
  madeFiles.clear();
}

const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let cleanupInstalled = false;

/**
 * On a fatal signal that nobody else handles, removes the files and raises the signal again
 * with Node's default action back, so the process dies of it as it would have.
 */
function onFatalSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeMadeFiles();
  uninstallCleanup();
  process.kill(process.pid, signal);
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', removeMadeFiles);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

function uninstallCleanup(): void {
  if (!cleanupInstalled) return;
  cleanupInstalled = false;
  process.off('exit', removeMadeFiles);
  for (const signal of FATAL_SIGNALS) process.off(signal, onFatalSignal);
}

function forgetFile(path: string): void {
  madeFiles.delete(path);
  if (madeFiles.size === 0) uninstallCleanup();
}

/** Whether a connection to `path` is accepted (it is closed at once). */
function answers(path: string, backend: Backend): boolean {
  try {
    closeQuietly(backend, backend.connectUnixSocket(path));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a server listens on the socket file at `path`. On Linux the kernel's table of Unix
 * sockets says so without connecting. A path it lists relative to its binder's directory counts
 * only in a `cluster` worker, resolved from this process's directory: the primary binds its
 * workers' files so when that is shorter, from the directory the workers inherit; anyone else's
 * relative path names a file elsewhere. Where the table cannot be read (`/proc` mounted with
 * `subset=pid`), and on other systems, a connection tells.
 */
function isServed(path: string, backend: Backend, platform: NodeJS.Platform): boolean {
  if (platform !== 'linux' && platform !== 'android') return answers(path, backend);
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'latin1');
  } catch {
    return answers(path, backend);
  }
  const listening = '00010000';
  for (const line of table.split('\n')) {
    const fields = /^\s*\S+: \S+ \S+ (\S+) \S+ \S+ \S+ (.*)$/.exec(line);
    if (fields?.[1] !== listening) continue;
    const listed = fields[2] as string;
    if (listed === path) return true;
    if (cluster.isWorker && !listed.startsWith('@') && resolve(listed) === path) return true;
  }
  return false;
}

/** Whether process `pid` exists (one of another user's counts: it still holds what it held). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What taking the setup lock gave: the release, another's lock, or a failure to say. */
type Lock =
  | { readonly release: () => void }
  | { readonly held: true }
  | { readonly failure: Error };

/**
 * Takes the lock on setting up the rendezvous at `path`: a file beside it holding this process's
 * id; a lock whose process is gone is taken over. Between the check for a stale file and the new
 * listener, nobody else (a `cluster` worker, a `reusePort` twin) may remove what was just made.
 */
function lockSetup(path: string): Lock {
  const lock = `${path}.lock`;
  for (let round = 0; round < 2; round++) {
    const created = createLock(lock);
    if (created === true) {
      return {
        release: () => {
          try {
            rmSync(lock, { force: true });
          } catch {
            // The directory went away: so did the lock.
          }
        },
      };
    }
    if (created instanceof Error) return { failure: created };
    const owner = lockOwner(lock);
    if (owner === null) continue;
    if ((Number.isInteger(owner) && owner > 0 && alive(owner)) || !takeOver(lock, owner)) {
      return { held: true };
    }
  }
  return { held: true };
}

/**
 * Creates `lock` with this process's id already in it: written to a private name, then linked,
 * so nobody ever reads a lock half written. `false` when another lock is there; the error when
 * the file system refused otherwise (`ENOSPC`, `EACCES`, ...).
 */
function createLock(lock: string): boolean | Error {
  const draft = `${lock}.${process.pid}`;
  try {
    writeFileSync(draft, String(process.pid), { mode: 0o600, flag: 'wx' });
    linkSync(draft, lock);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? false : (error as Error);
  } finally {
    try {
      rmSync(draft, { force: true });
    } catch {
      // Nothing was made.
    }
  }
}

/** The process id in `lock`, or `null` when it is gone (released meanwhile). */
function lockOwner(lock: string): number | null {
  try {
    return Number(readFileSync(lock, 'latin1'));
  } catch {
    return null;
  }
}

/**
 * Removes the lock of process `owner`, which is gone. The lock is renamed away first, so that of
 * two processes taking it over at once, the one that finds a live owner's fresh lock in its hands
 * puts it back instead of removing it.
 */
function takeOver(lock: string, owner: number): boolean {
  const aside = `${lock}.${process.pid}.gone`;
  try {
    renameSync(lock, aside);
  } catch {
    return true;
  }
  if (Object.is(lockOwner(aside), owner)) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    renameSync(aside, lock);
  } catch {
    rmSync(aside, { force: true });
  }
  return false;
}

/**
 * Clears the way for a rendezvous at `path`: a stale file (its server gone) is removed. Returns
 * the status that stops it, or `null`. In a `cluster` worker a served file is the cluster's own
 * (the primary holds one listener per path for all workers), so the worker joins it.
 */
function clearWay(path: string, backend: Backend, platform: NodeJS.Platform): FastPathInfo | null {
  if (isServed(path, backend, platform)) {
    return cluster.isWorker ? null : statuses.servedElsewhere(path, backend.name);
  }
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return statuses.checkFailed(`cannot remove the stale ${path}`, error as Error, backend.name);
    }
  }
  return null;
}

/** How long a `cluster` worker waits for another worker that is setting up the same rendezvous. */
const JOIN_WAIT_MS = 2000;
const JOIN_STEP_MS = 10;

/** Listens on the file at `path` for clients of `family` once the way is clear. */
function listenOnFile(
  context: ListenContext,
  path: string,
  family: 4 | 6,
  done: (outcome: FastPathInfo | null) => void,
  waited = 0,
): void {
  const { backend, settings } = context;
  const lock = lockSetup(path);
  if ('failure' in lock) {
    done(statuses.checkFailed(`cannot write the lock beside ${path}`, lock.failure, backend.name));
    return;
  }
  if ('held' in lock && cluster.isWorker) {
    // Another worker is setting it up: join once it is up, so nobody removes what it made.
    if (waited >= JOIN_WAIT_MS) {
      done(statuses.servedElsewhere(path, backend.name));
      return;
    }
    setTimeout(() => {
      if (context.current()) listenOnFile(context, path, family, done, waited + JOIN_STEP_MS);
    }, JOIN_STEP_MS).unref();
    return;
  }
  const release = 'release' in lock ? lock.release : null;
  const blocked =
    release === null
      ? statuses.servedElsewhere(path, backend.name)
      : clearWay(path, backend, settings.platform);
  if (blocked) {
    release?.();
    done(blocked);
    return;
  }
  context.listenOn(path, family, (error) => {
    if (error) {
      release?.();
      done(statuses.rendezvousListenFailed(path, error, backend.name));
      return;
    }
    try {
      chmodSync(path, 0o600);
      if (!cluster.isWorker) {
        madeFiles.set(path, identity(path));
        installCleanup();
      }
    } catch (failure) {
      release?.();
      done(statuses.rendezvousListenFailed(path, failure as Error, backend.name));
      return;
    }
    release?.();
    done(null);
  });
}

function open(context: ListenContext, report: (info: FastPathInfo, served: boolean) => void): void {
  const { backend, settings, tcp, ipv6Only } = context;
  const where = whereFor(settings, backend, 'server');
  if (where.info) {
    report(where.info, false);
    return;
  }
  const address = canonicalAddress(tcp.address);
  const paths: { path: string; family: 4 | 6 }[] = [];
  for (const family of familiesTaken(address, ipv6Only)) {
    const key = serverKey(address, family);
    const path = rendezvousPath(where.directory, where.ns, key, tcp.port, settings.platform);
    if (path === null) {
      const reason = `${where.directory} is too long for a Unix socket path`;
      report(statuses.checkFailed(reason, null, backend.name), false);
      return;
    }
    paths.push({ path, family });
  }
  const served: string[] = [];
  let declined: FastPathInfo | null = null;
  let pending = paths.length;
  for (const { path, family } of paths) {
    listenOnFile(context, path, family, (outcome) => {
      if (outcome === null) served.push(path);
      else declined ??= outcome;
      if (--pending > 0 || !context.current()) return;
      if (declined !== null) report(declined, served.length > 0);
      else report(statuses.rendezvousServer(served.join(' and '), backend.name), true);
    });
  }
}

/** A server closes its listener on `path`: libuv removes the file, so there is nothing to remove at exit. */
function closed(path: string): void {
  forgetFile(path);
}

/** Socket files in a private directory as the place of the rendezvous. */
export const filePlace: RendezvousPlace = Object.freeze({
  kind: 'file',
  connect,
  absent,
  open,
  closed,
});
