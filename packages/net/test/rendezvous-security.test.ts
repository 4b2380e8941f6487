/**
 * Who may use the rendezvous, for real: directories with the wrong mode, a symbolic link or the
 * wrong owner; XDG_RUNTIME_DIR; a second local user sharing the temp directory (made with
 * `useradd`, deleted afterwards); a server that runs as another user; another network
 * namespace sharing the filesystem; paths that do not fit `sun_path`. Runs as root on Linux.
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentInfo as Info,
  removeScripts,
  runToEnd,
  setChildDefaults,
  startAgent,
  stopAll,
} from './support/agents.js';
import {
  createUser,
  deleteUser,
  EUID,
  freePort,
  freshTemp,
  NS,
  networkNamespaceInode,
  removeTemps,
  rendezvousFile,
  type TestUser,
  userDirectory,
} from './support/rendezvous.js';

const BACKENDS = ['ffi', 'napi'] as const;

// The file rendezvous (macOS and the other POSIX systems), chosen on Linux so it is tested here.
setChildDefaults({ LOOPFAST_RENDEZVOUS: 'file' });
const AS_ROOT = process.platform === 'linux' && EUID === 0;

type Reply = { info: Info; text: string; errors: { code: string }[] };

const enabled = (backend: string, reason: string): Info => ({
  requested: true,
  state: 'enabled',
  mechanism: 'unix-rendezvous',
  reason,
  error: null,
  backend,
});
const checkFailed = (backend: string, what: string): Info => ({
  requested: true,
  state: 'failed',
  mechanism: null,
  error: null,
  backend,
  reason: `a rendezvous check failed: ${what}; using TCP`,
});
const noServer = (backend: string, port: number, at: string): Info => ({
  requested: true,
  state: 'no-fast-peer',
  mechanism: null,
  error: null,
  backend,
  reason: `no fast-path server for 127.0.0.1:${port} (no rendezvous at ${at}); using TCP`,
});

/** Agent code: a fast-path server on 127.0.0.1 answering `reply` and the accepted status. */
function fastServer(reply: string, port = 0): string {
  return `
    const server = L.createServer(FAST, (socket) =>
      socket.end(JSON.stringify({ reply: ${JSON.stringify(reply)}, info: info(socket) })));
    (state.servers ??= []).push(server);
    const port = await listen(server, ${port}, '127.0.0.1');
    return { port, info: info(server) };`;
}

/** Agent code: a fast-path connection to 127.0.0.1 that reads the whole reply. */
function fastRequest(port: number): string {
  return `
    const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
    socket.end();
    const read = await drain(socket);
    return { info: info(socket), text: read.text, errors: read.errors };`;
}

afterEach(stopAll);
afterAll(() => {
  removeTemps();
  removeScripts();
});

describe.runIf(AS_ROOT)('the rendezvous, as root, against what others could do', () => {
  let user: TestUser;
  beforeAll(() => {
    user = createUser();
  });
  afterAll(async () => {
    await stopAll();
    if (user) deleteUser(user);
  });

  describe('the per-user directory is checked, never trusted as found', () => {
    const backend = 'ffi';

    /** A server and a client in `tmp`: the server's status, the client's reply and status. */
    async function serverAndClient(tmp: string, env: Record<string, string> = {}) {
      const server = await startAgent({ tmp, backend, env });
      const listening = await server.run<{ port: number; info: Info }>(fastServer('served'));
      const client = await startAgent({ tmp, backend, env });
      const reply = await client.run<Reply>(fastRequest(listening.port));
      return { ...listening, reply, parsed: JSON.parse(reply.text) as { reply: string } };
    }

    it.each([
      ['0755', 0o755],
      ['0777', 0o777],
      ['0701', 0o701],
    ])('mode %s: the server says so and serves TCP; so does the client', async (_octal, mode) => {
      const tmp = freshTemp('mode');
      const dir = userDirectory(tmp);
      mkdirSync(dir);
      chmodSync(dir, mode);
      const { info, reply, parsed } = await serverAndClient(tmp);
      const why = checkFailed(backend, `${dir} has mode 0${mode.toString(8)}, not 0700`);
      expect(info).toEqual(why);
      expect(parsed.reply).toBe('served');
      expect(reply.info).toEqual(why);
      // Left as found: not repaired, nothing made in it.
      expect(lstatSync(dir).mode & 0o777).toBe(mode);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('a symbolic link in its place is refused, even to a good directory', async () => {
      const tmp = freshTemp('symlink');
      const target = freshTemp('symlink-target');
      const dir = userDirectory(tmp);
      symlinkSync(target, dir);
      const { info, reply, parsed } = await serverAndClient(tmp);
      const why = checkFailed(backend, `${dir} is a symbolic link`);
      expect(info).toEqual(why);
      expect(parsed.reply).toBe('served');
      expect(reply.info).toEqual(why);
      expect(readdirSync(target)).toEqual([]);
    });

    it('a directory another user made first in the shared temp directory is refused', async () => {
      const tmp = freshTemp('squat');
      chmodSync(tmp, 0o1777);
      const dir = userDirectory(tmp);
      const squat = await runToEnd('mkdir', ['-m', '0700', dir], { uid: user.uid, gid: user.gid });
      expect(squat.exit).toEqual({ code: 0, signal: null });
      expect(lstatSync(dir).uid).toBe(user.uid);
      const { info, reply, parsed } = await serverAndClient(tmp);
      const why = checkFailed(backend, `${dir} is owned by uid ${user.uid}, not ${EUID}`);
      expect(info).toEqual(why);
      expect(parsed.reply).toBe('served');
      expect(reply.info).toEqual(why);
    });

    it('XDG_RUNTIME_DIR that passes: the rendezvous lives in $XDG_RUNTIME_DIR/loopfast', async () => {
      const tmp = freshTemp('xdg-tmp');
      const xdg = freshTemp('xdg');
      const { port, info, reply, parsed } = await serverAndClient(tmp, { XDG_RUNTIME_DIR: xdg });
      const file = rendezvousFile(join(xdg, 'loopfast'), '127.0.0.1', port);
      expect(info).toEqual(enabled(backend, `listening on TCP and on the rendezvous ${file}`));
      expect(reply.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(parsed.reply).toBe('served');
      const made = lstatSync(join(xdg, 'loopfast'));
      expect(made.isDirectory()).toBe(true);
      expect(made.mode & 0o777).toBe(0o700);
      expect(readdirSync(tmp)).toEqual([]);
    });

    it('XDG_RUNTIME_DIR whose loopfast directory fails the checks: the temp directory is used', async () => {
      const tmp = freshTemp('xdg-fallback-tmp');
      const xdg = freshTemp('xdg-fallback');
      mkdirSync(join(xdg, 'loopfast'));
      chmodSync(join(xdg, 'loopfast'), 0o777);
      const { port, info, reply } = await serverAndClient(tmp, { XDG_RUNTIME_DIR: xdg });
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      expect(info).toEqual(enabled(backend, `listening on TCP and on the rendezvous ${file}`));
      expect(reply.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(readdirSync(join(xdg, 'loopfast'))).toEqual([]);
    });
  });

  describe.each(BACKENDS)('another local user, %s backend', (backend) => {
    it('sharing the temp directory: each uses its own directory, so neither reaches nor hijacks the other', async () => {
      const shared = freshTemp('shared');
      chmodSync(shared, 0o1777);
      const rootDir = userDirectory(shared);
      const otherDir = userDirectory(shared, user.uid);
      // The other user's fast-path server comes first, on its port.
      const other = await startAgent({ tmp: shared, backend, user });
      expect(other.ready.euid).toBe(user.uid);
      const otherServer = await other.run<{ port: number; info: Info }>(fastServer('other'));
      expect(otherServer.info).toEqual(
        enabled(
          backend,
          `listening on TCP and on the rendezvous ${rendezvousFile(otherDir, '127.0.0.1', otherServer.port)}`,
        ),
      );
      const root = await startAgent({ tmp: shared, backend });
      const rootServer = await root.run<{ port: number; info: Info }>(fastServer('root'));
      expect(rootServer.info.state).toBe('enabled');
      for (const [dir, uid] of [
        [rootDir, EUID],
        [otherDir, user.uid],
      ] as const) {
        const stats = lstatSync(dir);
        expect(stats.uid).toBe(uid);
        expect(stats.mode & 0o777).toBe(0o700);
      }
      const overTcp = expect.objectContaining({
        state: 'no-fast-peer',
        reason: expect.stringMatching(/^accepted over TCP: /),
      });

      // The other user's client of root's server: TCP, nothing of root's directory in sight.
      const fromOther = await other.run<Reply>(fastRequest(rootServer.port));
      expect(JSON.parse(fromOther.text)).toEqual({ reply: 'root', info: overTcp });
      expect(fromOther.info).toEqual(
        noServer(backend, rootServer.port, rendezvousFile(otherDir, '127.0.0.1', rootServer.port)),
      );
      // Root's client of the other user's port: TCP, never the other user's rendezvous.
      const rootClient = await startAgent({ tmp: shared, backend });
      const fromRoot = await rootClient.run<Reply>(fastRequest(otherServer.port));
      expect(JSON.parse(fromRoot.text)).toEqual({ reply: 'other', info: overTcp });
      expect(fromRoot.info).toEqual(
        noServer(backend, otherServer.port, rendezvousFile(rootDir, '127.0.0.1', otherServer.port)),
      );
      // Nor can the other user plant anything in root's directory.
      const planted = await other.run<Record<string, string>>(`
        const outcome = {};
        const attempt = (name, run) => { try { run(); outcome[name] = 'done'; } catch (error) { outcome[name] = error.code; } };
        attempt('write', () => fs.writeFileSync(path.join(${JSON.stringify(rootDir)}, 'planted'), 'x'));
        attempt('list', () => fs.readdirSync(${JSON.stringify(rootDir)}));
        const squatter = nodeNet.createServer();
        outcome.listen = await new Promise((resolve) => {
          squatter.once('error', (error) => resolve(error.code));
          squatter.listen(${JSON.stringify(rendezvousFile(rootDir, '127.0.0.1', otherServer.port))}, () => squatter.close(() => resolve('done')));
        });
        return outcome;`);
      expect(planted).toEqual({ write: 'EACCES', list: 'EACCES', listen: 'EACCES' });
      expect(readdirSync(rootDir)).toEqual([`${NS}_127.0.0.1_${rootServer.port}`]);
    });

    it("a socket in root's own directory served by another user's process: the peer's uid is refused, TCP is used", async () => {
      const tmp = freshTemp('peer');
      chmodSync(tmp, 0o711);
      const rootDir = userDirectory(tmp);
      mkdirSync(rootDir, { mode: 0o700 });
      const otherDir = join(tmp, 'other');
      mkdirSync(otherDir, { mode: 0o700 });
      chownSync(otherDir, user.uid, user.gid);
      // The other user listens on a Unix socket of its own, and on TCP.
      const other = await startAgent({ tmp: otherDir, backend, user });
      const { port } = await other.run<{ port: number }>(`
        state.unix = nodeNet.createServer((socket) => socket.end('unix'));
        state.unix.listen(${JSON.stringify(join(otherDir, 'listener'))});
        await once(state.unix, 'listening');
        state.tcp = nodeNet.createServer((socket) => socket.end('tcp'));
        return { port: await listen(state.tcp, 0, '127.0.0.1') };`);
      // Root moves that socket into its own directory, under the name for the TCP port (a
      // connection follows the socket's inode, wherever its name is).
      const file = rendezvousFile(rootDir, '127.0.0.1', port);
      renameSync(join(otherDir, 'listener'), file);
      expect(lstatSync(file).isSocket()).toBe(true);
      const client = await startAgent({ tmp, backend });
      const result = await client.run<Reply>(fastRequest(port));
      expect(result.text).toBe('tcp');
      expect(result.errors).toEqual([]);
      expect(result.info).toEqual({
        requested: true,
        state: 'no-fast-peer',
        mechanism: null,
        error: null,
        backend,
        reason: `the server at ${file} belongs to uid ${user.uid}, not ${EUID}: the fast path joins processes of one user only; using TCP`,
      });
      expect(client.troubles()).toEqual([]);
    });
  });

  describe.each(BACKENDS)(
    'another network namespace sharing the filesystem, %s backend',
    (backend) => {
      it("never uses the host's rendezvous; its own fast-path server gets a file of its own", async () => {
        const tmp = freshTemp('netns');
        const dir = userDirectory(tmp);
        const host = await startAgent({ tmp, backend });
        const hostServer = await host.run<{ port: number; info: Info }>(fastServer('host'));
        const { port } = hostServer;
        const hostFile = rendezvousFile(dir, '127.0.0.1', port);
        expect(hostServer.info).toEqual(
          enabled(backend, `listening on TCP and on the rendezvous ${hostFile}`),
        );
        const inside = await startAgent({
          tmp,
          backend,
          prefix: ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'],
        });
        const innerNs = networkNamespaceInode(inside.ready.ns);
        expect(innerNs).not.toBe(NS);
        const innerFile = rendezvousFile(dir, '127.0.0.1', port, innerNs);

        // Inside, the same port is free: a plain TCP server takes it, and a fast-path client
        // reaches that one, over TCP.
        const plain = await inside.run<Reply>(`
        state.plain = nodeNet.createServer((socket) => socket.end(JSON.stringify({ reply: 'namespace, plain' })));
        await listen(state.plain, ${port}, '127.0.0.1');
        ${fastRequest(port)}`);
        expect(JSON.parse(plain.text)).toEqual({ reply: 'namespace, plain' });
        expect(plain.info).toEqual(noServer(backend, port, innerFile));
        expect(lstatSync(hostFile).isSocket()).toBe(true);

        // A fast-path server inside on the same port: a file of its own, beside the host's.
        const fast = await inside.run<{ server: Info } & Reply>(`
        await closeServer(state.plain);
        const server = L.createServer(FAST, (socket) => socket.end(JSON.stringify({ reply: 'namespace, fast' })));
        (state.servers ??= []).push(server);
        await listen(server, ${port}, '127.0.0.1');
        const request = await (async () => { ${fastRequest(port)} })();
        return { server: info(server), ...request };`);
        expect(fast.server).toEqual(
          enabled(backend, `listening on TCP and on the rendezvous ${innerFile}`),
        );
        expect(JSON.parse(fast.text)).toEqual({ reply: 'namespace, fast' });
        expect(fast.info).toEqual(enabled(backend, `connected over the rendezvous ${innerFile}`));
        expect(readdirSync(dir).sort()).toEqual(
          [`${NS}_127.0.0.1_${port}`, `${innerNs}_127.0.0.1_${port}`].sort(),
        );
        // And the host's clients still reach the host's server.
        const hostClient = await startAgent({ tmp, backend });
        const fromHost = await hostClient.run<Reply>(fastRequest(port));
        expect(JSON.parse(fromHost.text).reply).toBe('host');
        expect(fromHost.info).toEqual(
          enabled(backend, `connected over the rendezvous ${hostFile}`),
        );
      });
    },
  );

  describe('socket paths that do not fit sun_path (107 bytes on Linux)', () => {
    const backend = 'napi';
    const LIMIT = 107;

    /** A fresh TMPDIR of exactly `length` bytes. */
    function tempOfLength(length: number): string {
      const base = freshTemp('sun');
      const pad = length - base.length - 1;
      if (pad < 1) throw new Error(`cannot make a ${length}-byte directory under ${base}`);
      const dir = join(base, 'd'.repeat(pad));
      mkdirSync(dir, { mode: 0o700 });
      expect(Buffer.byteLength(dir)).toBe(length);
      return dir;
    }

    /** A TMPDIR for which the readable socket path of 127.0.0.1:`port` is `length` bytes. */
    function tempForPath(port: number, length: number): string {
      const tail = `/loopfast-${EUID}/${NS}_127.0.0.1_${port}`;
      return tempOfLength(length - tail.length);
    }

    async function serve(tmp: string, port: number) {
      const server = await startAgent({ tmp, backend });
      const listening = await server.run<{ port: number; info: Info }>(fastServer('served', port));
      const client = await startAgent({ tmp, backend });
      const reply = await client.run<Reply>(fastRequest(port));
      return { info: listening.info, reply };
    }

    it('a readable path of exactly 107 bytes is used as is', async () => {
      const port = await freePort();
      const tmp = tempForPath(port, LIMIT);
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      expect(Buffer.byteLength(file)).toBe(LIMIT);
      const { info, reply } = await serve(tmp, port);
      expect(info).toEqual(enabled(backend, `listening on TCP and on the rendezvous ${file}`));
      expect(reply.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(lstatSync(file).isSocket()).toBe(true);
    });

    it('a readable path one byte too long: a hashed h_ name that fits is used, and works', async () => {
      const port = await freePort();
      const tmp = tempForPath(port, LIMIT + 1);
      const dir = userDirectory(tmp);
      const { info, reply } = await serve(tmp, port);
      expect(info.state).toBe('enabled');
      const file = /rendezvous (\S+)$/.exec(info.reason)?.[1] ?? '';
      expect(file.startsWith(`${dir}/h_`)).toBe(true);
      expect(file.slice(dir.length + 1)).toMatch(/^h_[\w-]+$/);
      expect(Buffer.byteLength(file)).toBeLessThanOrEqual(LIMIT);
      expect(lstatSync(file).isSocket()).toBe(true);
      expect(reply.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(JSON.parse(reply.text).reply).toBe('served');
    });

    it('a directory too long for any name: the server says so and serves TCP', async () => {
      const port = await freePort();
      const tmp = tempOfLength(100);
      const dir = userDirectory(tmp);
      const { info, reply } = await serve(tmp, port);
      expect(info).toEqual(checkFailed(backend, `${dir} is too long for a Unix socket path`));
      expect(JSON.parse(reply.text).reply).toBe('served');
      expect(reply.info).toMatchObject({ requested: true, mechanism: null, backend });
      expect(reply.info.reason).toContain(dir);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
