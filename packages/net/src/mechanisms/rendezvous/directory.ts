/**
 * The per-user directory that holds the socket files of the file rendezvous:
 * `$XDG_RUNTIME_DIR/loopfast` when that variable is an absolute path (a relative one is ignored,
 * as the XDG Base Directory Specification says) and the directory passes the checks, else
 * `<os.tmpdir()>/loopfast-<uid>`. Only a directory of mode 0700, owned by this process's effective
 * uid and not a symbolic link (checked with `lstat`), in a parent nobody else can rename it in
 * (sticky, or writable by none but root and this user), is trusted: one squatted or swapped by
 * another user never is. The same rules as OpenSSH's and tmux's for their socket directories.
 *
 * @module
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/** A checked directory, or what failed. */
export type RendezvousDirectory =
  | { readonly path: string; readonly failure?: undefined; readonly missing?: boolean }
  | { readonly path: null; readonly failure: string; readonly error: Error | null };

/**
 * The effective uid every check compares against, read at each use: a server started as root
 * that calls `process.setuid()` then works in its new user's directory.
 */
export function effectiveUid(): number {
  return process.geteuid?.() ?? -1;
}

/** `XDG_RUNTIME_DIR` when it is an absolute path, else `undefined`. */
function runtimeDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && isAbsolute(runtime) ? runtime : undefined;
}

function candidates(env: Readonly<Record<string, string | undefined>>): string[] {
  const shared = join(tmpdir(), `loopfast-${effectiveUid()}`);
  const runtime = runtimeDirectory(env);
  return runtime ? [join(runtime, 'loopfast'), shared] : [shared];
}

/** Why nobody but root and this user can rename entries of `parent`, or the failure. */
function parentFailure(
  parent: string,
  uid: number,
): { failure: string; error: Error | null } | null {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(parent);
  } catch (error) {
    return {
      failure: `cannot inspect ${parent}: ${(error as Error).message}`,
      error: error as Error,
    };
  }
  const sticky = (stats.mode & 0o1000) !== 0;
  const othersWrite = (stats.mode & 0o022) !== 0;
  const owner = stats.uid === 0 || stats.uid === uid;
  if (sticky || (owner && !othersWrite)) return null;
  return {
    failure: `${parent} lets other users rename what it holds (owner uid ${stats.uid}, mode 0${(stats.mode & 0o7777).toString(8)}, not sticky)`,
    error: null,
  };
}

/** Why `path` cannot be trusted, or `null`. A missing directory is `ENOENT` (`create` makes it). */
function check(
  path: string,
  create: boolean,
): { failure: string; error: Error | null; missing?: boolean } | null {
  if (create) {
    try {
      mkdirSync(path, { mode: 0o700 });
      // The umask may have taken bits away; a directory this process made is set exactly.
      chmodSync(path, 0o700);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return {
          failure: `cannot create ${path}: ${(error as Error).message}`,
          error: error as Error,
        };
      }
    }
  }
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(path);
  } catch (error) {
    return {
      failure: `cannot inspect ${path}: ${(error as Error).message}`,
      error: error as Error,
      missing: (error as NodeJS.ErrnoException).code === 'ENOENT',
    };
  }
  const uid = effectiveUid();
  const parent = parentFailure(dirname(path), uid);
  if (parent) return parent;
  if (stats.isSymbolicLink()) return { failure: `${path} is a symbolic link`, error: null };
  if (!stats.isDirectory()) return { failure: `${path} is not a directory`, error: null };
  if (stats.uid !== uid) {
    return { failure: `${path} is owned by uid ${stats.uid}, not ${uid}`, error: null };
  }
  const mode = stats.mode & 0o777;
  if (mode !== 0o700) {
    return { failure: `${path} has mode 0${mode.toString(8)}, not 0700`, error: null };
  }
  return null;
}

/** What the checks find of one candidate directory, as `loopfast doctor` shows it. */
export interface DirectoryFinding {
  readonly path: string;
  /** Why it is not trusted, or `null` when it is (or is missing). */
  readonly failure: string | null;
  /** Not there yet: the first fast-path server creates it. */
  readonly missing: boolean;
}

/** Each candidate directory, in the order they are tried, with what the checks find (nothing is made). */
export function directoryFindings(
  env: Readonly<Record<string, string | undefined>>,
): DirectoryFinding[] {
  return candidates(env).map((path) => {
    const failed = check(path, false);
    if (failed?.missing !== true) return { path, failure: failed?.failure ?? null, missing: false };
    // A server would create it there: the parent decides whether it could.
    const parent = parentFailure(dirname(path), effectiveUid());
    return { path, failure: parent?.failure ?? null, missing: parent === null };
  });
}

/**
 * The first candidate that passes the checks. A server creates what is missing; a client only
 * looks, and takes a missing directory as the place where no server is yet (its connects find
 * nothing there).
 */
function find(
  env: Readonly<Record<string, string | undefined>>,
  create: boolean,
): RendezvousDirectory {
  let last: { failure: string; error: Error | null } = { failure: 'no candidate', error: null };
  let missing: string | null = null;
  for (const path of candidates(env)) {
    const failed = check(path, create);
    if (!failed) return { path };
    if (failed.missing) missing ??= path;
    else last = failed;
  }
  return missing === null ? { path: null, ...last } : { path: missing, missing: true };
}

/**
 * The directory clients use, kept once checked (for the `XDG_RUNTIME_DIR` it was found with);
 * forgotten after any failure.
 */
let trusted: {
  readonly runtime: string | undefined;
  readonly uid: number;
  readonly found: RendezvousDirectory;
} | null = null;

/** The directory for a client: checked before first use, and again after {@link distrustDirectory}. */
export function clientDirectory(
  env: Readonly<Record<string, string | undefined>>,
): RendezvousDirectory {
  const runtime = runtimeDirectory(env);
  const uid = effectiveUid();
  if (trusted !== null && trusted.runtime === runtime && trusted.uid === uid) return trusted.found;
  const found = find(env, false);
  if (found.path !== null && !found.missing) trusted = { runtime, uid, found };
  return found;
}

/** The directory for a server, checked afresh (and created if missing) at every listen. */
export function serverDirectory(
  env: Readonly<Record<string, string | undefined>>,
): RendezvousDirectory {
  const found = find(env, true);
  trusted =
    found.path === null ? null : { runtime: runtimeDirectory(env), uid: effectiveUid(), found };
  return found;
}

/** Forgets the checked directory after a failure, so the next use checks it again. */
export function distrustDirectory(): void {
  trusted = null;
}
