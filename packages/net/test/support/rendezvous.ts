/**
 * What the rendezvous tests share: fresh temporary directories for each scenario, the names the
 * rendezvous is expected to use, free ports, and a throwaway local user.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietPort } from '@loopfast/conformance';

/** The test process's effective uid (children run as the same user unless told otherwise). */
export const EUID: number = process.geteuid?.() ?? -1;

/** The inode of this process's network namespace, as the rendezvous names use it. */
export function networkNamespaceInode(link = readlinkSync('/proc/self/ns/net')): string {
  const inode = /\[(\d+)\]/.exec(link)?.[1];
  if (!inode) throw new Error(`unexpected namespace link ${link}`);
  return inode;
}

/** This process's network namespace inode (the children's too, unless unshared). */
export const NS: string = process.platform === 'linux' ? networkNamespaceInode() : '';

const made: string[] = [];
/** The base every fresh directory is made in: the test process's temp directory, at import. */
const base = tmpdir();

/** A fresh, empty directory (0700, owned by the test's user), removed by {@link removeTemps}. */
export function freshTemp(label: string): string {
  const dir = mkdtempSync(join(base, `loopfast-rdv-${label}-`));
  made.push(dir);
  return dir;
}

/** Removes every directory {@link freshTemp} made. */
export function removeTemps(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The per-user rendezvous directory under a TMPDIR. */
export function userDirectory(tmp: string, uid = EUID): string {
  return join(tmp, `loopfast-${uid}`);
}

/** The rendezvous file a listener on `key` (`127.0.0.1`, `::1`, `0.0.0.0`, `any`) and `port` uses. */
export function rendezvousFile(directory: string, key: string, port: number, ns = NS): string {
  return join(directory, `${ns}_${key}_${port}`);
}

/** Whether a listener can bind `port` on `host` now (it is closed again at once). */
function bindable(port: number, host: string): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on, on both 127.0.0.1 and ::1, that nothing takes by itself
 * ({@link quietPort}).
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 64; tries++) {
    const port = quietPort();
    if ((await bindable(port, '127.0.0.1')) && (await bindable(port, '::1'))) return port;
  }
  throw new Error('no quiet port is free on both 127.0.0.1 and ::1');
}

/** Connects with plain `node:net`, sends `payload` and ends; resolves with what it read and met. */
export async function plainExchange(
  port: number,
  host: string,
  payload = '',
): Promise<{ text: string; errors: string[]; socket: Socket }> {
  const socket = connect({ port, host });
  const errors: string[] = [];
  socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  socket.end(payload);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  await once(socket, 'close');
  return { text, errors, socket };
}

/** A local user made for a test, deleted again by {@link deleteUser}. */
export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Creates a user without a home directory (root only). */
export function createUser(): TestUser {
  const name = `loopfast-test-${randomBytes(3).toString('hex')}`;
  execFileSync('useradd', ['-M', '-U', '-s', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

/** Deletes a user made by {@link createUser} (its processes, all tracked, are stopped first). */
export function deleteUser(user: TestUser): void {
  execFileSync('userdel', [user.name], { stdio: 'pipe' });
}
