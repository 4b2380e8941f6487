/**
 * The per-user directory that holds rendezvous sockets: `$XDG_RUNTIME_DIR/loopfast` when that
 * variable is set and the directory passes the checks, else `<os.tmpdir()>/loopfast-<uid>`.
 * Only a directory of mode 0700, owned by this process's effective uid and not a symbolic link
 * (checked with `lstat`) is trusted: one squatted by another user in a world-writable temp
 * directory never is.
 *
 * @module
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A checked directory, or what failed. */
export type RendezvousDirectory =
  | { readonly path: string; readonly failure?: undefined; readonly missing?: boolean }
  | { readonly path: null; readonly failure: string; readonly error: Error | null };

let uid: number | undefined;

/**
 * The effective uid every check compares against, read once. A process that changes it later
 * fails safe: the directory of its old uid is not its new uid's to use.
 */
export function effectiveUid(): number {
  uid ??= process.geteuid?.() ?? -1;
  return uid;
}

function candidates(env: Readonly<Record<string, string | undefined>>): string[] {
  const shared = join(tmpdir(), `loopfast-${effectiveUid()}`);
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime ? [join(runtime, 'loopfast'), shared] : [shared];
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
let trusted: { readonly runtime: string | undefined; readonly found: RendezvousDirectory } | null =
  null;

/** The directory for a client: checked before first use, and again after {@link distrustDirectory}. */
export function clientDirectory(
  env: Readonly<Record<string, string | undefined>>,
): RendezvousDirectory {
  const runtime = env.XDG_RUNTIME_DIR;
  if (trusted !== null && trusted.runtime === runtime) return trusted.found;
  const found = find(env, false);
  if (found.path !== null && !found.missing) trusted = { runtime, found };
  return found;
}

/** The directory for a server, checked afresh (and created if missing) at every listen. */
export function serverDirectory(
  env: Readonly<Record<string, string | undefined>>,
): RendezvousDirectory {
  const found = find(env, true);
  trusted = found.path === null ? null : { runtime: env.XDG_RUNTIME_DIR, found };
  return found;
}

/** Forgets the checked directory after a failure, so the next use checks it again. */
export function distrustDirectory(): void {
  trusted = null;
}
