/**
 * The rendezvous's identity is the kernel's (Linux, the abstract namespace): every address and
 * port a connection shows is the one TCP shows, compared with `node:net` in the same run; a
 * client goes over it only to the listener TCP would reach, and only when the same user's process
 * that holds that listener answers; another user, a same-uid squatter, or a sandbox in another
 * network namespace can deny the fast path and nothing more; no fault in `/proc`, the file system
 * or the process's uid ends a process. Client and server run in separate processes, as root, with
 * a second user made by `useradd`.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  type AgentInfo as Info,
  NET_URL,
  Proc,
  removeScripts,
  startAgent,
  stopAll,
  type AgentAddresses as View,
} from './support/agents.js';
import { makeCertificates } from './support/certificates.js';
import {
  createUser,
  deleteUser,
  EUID,
  freePort,
  freshTemp,
  NS,
  removeTemps,
  type TestUser,
} from './support/rendezvous.js';

const BACKENDS = ['ffi', 'napi'] as const;
const LINUX = process.platform === 'linux';
const AS_ROOT = LINUX && EUID === 0;
const EXPRESS_URL = pathToFileURL(createRequire(import.meta.url).resolve('express')).href;
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split('.').map(Number);
/** `blockList` on sockets and servers: from Node 22.13. */
const BLOCK_LISTS = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 13);

afterEach(stopAll);
afterAll(() => {
  removeTemps();
  removeScripts();
});

/** One connection: the client's view, the server's (sent back), errors, the client's status. */
interface Exchange {
  readonly client: View | null;
  readonly server: (View & { info: Info }) | null;
  readonly errors: string[];
  readonly info: Info;
}

/** Agent code: the server end's view of each connection, sent back to the client. */
const REPORTING_HANDLER = `(socket) => socket.end(JSON.stringify({ ...addresses(socket), info: info(socket) }))`;

/** Agent code: a connection to `host`:`port` (fast path or plain) that reads the server's report. */
function exchange(host: string, port: string, fast: string): string {
  return `await new Promise((resolve) => {
    const socket = ${fast} ? L.connect({ ...FAST, port: ${port}, host: ${JSON.stringify(host)} })
      : nodeNet.connect({ port: ${port}, host: ${JSON.stringify(host)} });
    let client = null;
    socket.on('connect', () => { client = addresses(socket); });
    drain(socket).then((read) => resolve({
      client,
      server: read.text ? JSON.parse(read.text) : null,
      errors: read.errors.map((error) => error.code),
      info: info(socket),
    }));
    socket.end();
  })`;
}

/** Agent code: a fast-path request to 127.0.0.1:`port` that reads the whole reply; its status. */
function fastRequest(port: number): string {
  return `
    const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
    socket.end();
    const read = await drain(socket);
    return { text: read.text, errors: read.errors.map((error) => error.code), info: info(socket) };`;
}

/** What must be equal between TCP and the rendezvous, ports aside. */
function addressesOf(view: View | null) {
  if (view === null) return null;
  const { remoteAddress, remoteFamily, localAddress, localFamily } = view;
  return { remoteAddress, remoteFamily, localAddress, localFamily, address: view.address.address };
}

describe.runIf(LINUX)('addresses and ports exactly as TCP shows them', () => {
  const LISTENERS = [
    { label: 'listen(0)', args: '0' },
    { label: '0.0.0.0', args: "0, '0.0.0.0'" },
    { label: '::', args: "0, '::'" },
    { label: ':: ipv6Only', args: "{ port: 0, host: '::', ipv6Only: true }" },
    { label: '127.0.0.1', args: "0, '127.0.0.1'" },
    { label: '::1', args: "0, '::1'" },
  ];
  const CLIENTS = ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', 'localhost'];

  describe.each(BACKENDS)('%s backend', (backend) => {
    it.each(LISTENERS)(
      'a server on $label, clients of every loopback address',
      async ({ args }) => {
        const tmp = freshTemp('identity');
        const server = await startAgent({ tmp, backend });
        const ports = await server.run<{ plain: number; fast: number; info: Info }>(`
        state.plain = nodeNet.createServer(${REPORTING_HANDLER});
        state.fast = L.createServer(FAST, ${REPORTING_HANDLER});
        const plain = await listen(state.plain, ${args});
        const fast = await listen(state.fast, ${args});
        return { plain, fast, info: info(state.fast) };`);
        expect(ports.info.state).toBe('enabled');
        const client = await startAgent({ tmp, backend });
        for (const host of CLIENTS) {
          const { plain, fast } = await client.run<{ plain: Exchange; fast: Exchange }>(`
          const plain = ${exchange(host, String(ports.plain), 'false')};
          const fast = ${exchange(host, String(ports.fast), 'true')};
          return { plain, fast };`);
          const row = `${host} to ${args}`;
          expect(fast.errors, row).toEqual(plain.errors);
          if (plain.client === null) {
            expect(fast.client, row).toBeNull();
            continue;
          }
          expect(fast.info.state, `${row}: ${fast.info.reason}`).toBe('enabled');
          expect(fast.server?.info.state, row).toBe('enabled');
          expect(addressesOf(fast.client), row).toEqual(addressesOf(plain.client));
          expect(addressesOf(fast.server), row).toEqual(addressesOf(plain.server));
          // Ports: the server's own on both sides, and the client's the same number on both ends.
          expect(fast.client?.remotePort, row).toBe(ports.fast);
          expect(fast.server?.localPort, row).toBe(ports.fast);
          expect(fast.server?.address.port, row).toBe(ports.fast);
          expect(typeof fast.client?.localPort, row).toBe('number');
          expect(fast.server?.remotePort, row).toBe(fast.client?.localPort);
          expect(plain.server?.remotePort, row).toBe(plain.client?.localPort);
        }
      },
    );
  });

  it('client ports are distinct among a server’s live connections', async () => {
    const tmp = freshTemp('ports');
    const agent = await startAgent({ tmp, backend: 'napi' });
    const seen = await agent.run<{ client: number[]; server: number[]; enabled: number }>(`
      const accepted = [];
      const server = L.createServer(FAST, (socket) => accepted.push(socket));
      const port = await listen(server, 0, '127.0.0.1');
      const sockets = [];
      for (let i = 0; i < 200; i++) sockets.push(L.connect({ ...FAST, port, host: '127.0.0.1' }));
      await Promise.all(sockets.map((socket) => once(socket, 'connect')));
      while (accepted.length < sockets.length) await sleep(5);
      const result = {
        client: sockets.map((socket) => socket.localPort),
        server: accepted.map((socket) => socket.remotePort),
        enabled: sockets.filter((socket) => info(socket).state === 'enabled').length,
      };
      for (const socket of [...sockets, ...accepted]) socket.destroy();
      server.close();
      return result;`);
    expect(seen.enabled).toBe(200);
    expect(new Set(seen.client).size).toBe(200);
    expect([...seen.server].sort()).toEqual([...seen.client].sort());
    for (const port of seen.client) {
      expect(port).toBeGreaterThanOrEqual(1);
      expect(port).toBeLessThanOrEqual(65535);
    }
  });

  it('TLS, HTTPS and HTTP/2 over the rendezvous show the TCP addresses', async () => {
    const tmp = freshTemp('tls');
    const { key, cert } = makeCertificates(tmp);
    const agent = await startAgent({ tmp, backend: 'napi' });
    const seen = await agent.run<Record<string, { server: View; client: View; fast: boolean }>>(`
      const tls = await import('node:tls');
      const https = await import('node:https');
      const http2 = await import('node:http2');
      const creds = { key: ${JSON.stringify(key)}, cert: ${JSON.stringify(cert)} };
      const out = {};
      // tls: a fast-path TCP server whose connections a TLS server takes; a TLS client over loopfast.
      {
        const secure = tls.createServer(creds, (socket) => socket.end(JSON.stringify(addresses(socket))));
        const raw = L.createServer(FAST, (socket) => secure.emit('connection', socket));
        const port = await listen(raw, 0);
        const client = lf.connectTls({ ...FAST, port, host: '127.0.0.1', rejectUnauthorized: false });
        await once(client, 'secureConnect');
        const view = addresses(client);
        const read = await drain(client);
        out.tls = { server: JSON.parse(read.text), client: view, fast: info(client).state === 'enabled' };
        raw.close();
      }
      // https and http2 secure servers given the fast path by attachFastPath.
      for (const kind of ['https', 'http2']) {
        const server = kind === 'https'
          ? https.createServer(creds, (req, res) => res.end(JSON.stringify(addresses(req.socket))))
          : http2.createSecureServer(creds, (req, res) => res.end(JSON.stringify(addresses(req.socket))));
        lf.attachFastPath(server, FAST);
        const port = await listen(server, 0);
        const client = lf.connectTls({ ...FAST, port, host: '127.0.0.1', rejectUnauthorized: false,
          ALPNProtocols: kind === 'http2' ? ['h2'] : ['http/1.1'] });
        await once(client, 'secureConnect');
        const view = addresses(client);
        let text;
        if (kind === 'https') {
          client.write('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
          const read = await drain(client);
          text = read.text.slice(read.text.indexOf('\\r\\n\\r\\n') + 4);
        } else {
          const session = http2.connect('https://127.0.0.1:' + port, { createConnection: () => client });
          const request = session.request({ ':path': '/' });
          request.setEncoding('utf8');
          text = '';
          request.on('data', (chunk) => { text += chunk; });
          await once(request, 'end');
          session.close();
        }
        out[kind] = { server: JSON.parse(text), client: view, fast: info(client).state === 'enabled' };
        server.close();
      }
      return out;`);
    for (const [kind, { server, client, fast }] of Object.entries(seen)) {
      expect(fast, kind).toBe(true);
      expect(server, kind).toMatchObject({
        remoteAddress: '::ffff:127.0.0.1',
        remoteFamily: 'IPv6',
        localAddress: '::ffff:127.0.0.1',
        localFamily: 'IPv6',
        remotePort: client.localPort,
        localPort: client.remotePort,
      });
      expect(client, kind).toMatchObject({
        remoteAddress: '127.0.0.1',
        remoteFamily: 'IPv4',
        localAddress: '127.0.0.1',
        localFamily: 'IPv4',
      });
      expect(typeof client.localPort, kind).toBe('number');
    }
  });

  it("Express's trust proxy and req.ip decide as over TCP on a dual-stack server", async () => {
    const tmp = freshTemp('express');
    const server = await startAgent({ tmp, backend: 'napi' });
    const ports = await server.run<{ plain: number; fast: number }>(`
      const express = (await import(${JSON.stringify(EXPRESS_URL)})).default;
      const app = express();
      app.set('trust proxy', '::1');
      app.get('/', (req, res) => res.json({ ip: req.ip, ips: req.ips }));
      state.plain = http.createServer(app);
      state.fast = lf.attachFastPath(http.createServer(app), FAST);
      return { plain: await listen(state.plain, 0), fast: await listen(state.fast, 0) };`);
    const client = await startAgent({ tmp, backend: 'napi' });
    for (const host of ['127.0.0.1', '::1']) {
      const seen = await client.run<{ plain: unknown; fast: unknown; state: string }>(`
        const ask = (port, agent) => new Promise((resolve, reject) => {
          http.get({ host: ${JSON.stringify(host)}, port, agent, headers: { 'x-forwarded-for': '203.0.113.7' } }, (res) => {
            let text = '';
            res.on('data', (chunk) => { text += chunk; });
            res.on('end', () => resolve({ body: JSON.parse(text), socket: res.socket }));
          }).on('error', reject);
        });
        const plain = await ask(${ports.plain}, new http.Agent());
        const fast = await ask(${ports.fast}, L.createHttpAgent());
        return { plain: plain.body, fast: fast.body, state: info(fast.socket).state };`);
      expect(seen.state, host).toBe('enabled');
      expect(seen.fast, host).toEqual(seen.plain);
    }
  });

  it.runIf(BLOCK_LISTS)('a blockList gives the same decisions as over TCP', async () => {
    const tmp = freshTemp('blocklist');
    const server = await startAgent({ tmp, backend: 'napi' });
    const rules = [
      { label: '127.0.0.0/8', code: "list.addSubnet('127.0.0.0', 8, 'ipv4')" },
      { label: '::1', code: "list.addAddress('::1', 'ipv6')" },
      { label: '::ffff:127.0.0.1', code: "list.addAddress('::ffff:127.0.0.1', 'ipv6')" },
    ];
    const client = await startAgent({ tmp, backend: 'napi' });
    for (const rule of rules) {
      const ports = await server.run<{ plain: number; fast: number }>(`
        for (const old of [state.plain, state.fast]) old?.close();
        const list = new nodeNet.BlockList();
        ${rule.code};
        state.plain = nodeNet.createServer({ blockList: list }, (socket) => socket.end('in'));
        state.fast = L.createServer({ ...FAST, blockList: list }, (socket) => socket.end('in'));
        return { plain: await listen(state.plain, 0), fast: await listen(state.fast, 0) };`);
      for (const host of ['127.0.0.1', '::1']) {
        const seen = await client.run<{ plain: string; fast: string }>(`
          const read = async (socket) => { socket.end(); const r = await drain(socket); return r.text; };
          return {
            plain: await read(nodeNet.connect({ port: ${ports.plain}, host: ${JSON.stringify(host)} })),
            fast: await read(L.connect({ ...FAST, port: ${ports.fast}, host: ${JSON.stringify(host)} })),
          };`);
        expect(seen.fast, `${rule.label}, client of ${host}`).toBe(seen.plain);
      }
    }
  });
});

describe.runIf(LINUX)('ready when listen() returns', () => {
  it.each(BACKENDS)(
    "%s: a client right after listen(0) (supertest's pattern) gets the fast path; 'listening' fires once",
    async (backend) => {
      const tmp = freshTemp('ready');
      const agent = await startAgent({ tmp, backend });
      const seen = await agent.run<{
        status: Info;
        client: Info;
        reply: string;
        listening: number;
      }>(`
        let listening = 0;
        const server = L.createServer(FAST, (socket) => socket.end('ready'));
        server.on('listening', () => listening++);
        server.listen(0);
        const status = info(server);
        const socket = L.connect({ ...FAST, port: server.address().port, host: '127.0.0.1' });
        const client = info(socket);
        socket.end();
        const read = await drain(socket);
        await sleep(20);
        server.close();
        return { status, client, reply: read.text, listening };`);
      expect(seen.status.state).toBe('enabled');
      expect(seen.client.state).toBe('enabled');
      expect(seen.reply).toBe('ready');
      expect(seen.listening).toBe(1);
    },
  );

  it("after Node's documented EADDRINUSE retry the status says what serves", async () => {
    const tmp = freshTemp('retry');
    const agent = await startAgent({ tmp, backend: 'napi' });
    const seen = await agent.run<{ first: string; code: string; after: Info; client: Info }>(`
      const holder = nodeNet.createServer();
      const port = await listen(holder, 0, '127.0.0.1');
      const server = L.createServer(FAST, (socket) => socket.end('retried'));
      server.listen(port, '127.0.0.1');
      const [error] = await once(server, 'error');
      const first = info(server).state;
      await new Promise((resolve) => holder.close(resolve));
      server.close();
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      const after = info(server);
      const socket = L.connect({ ...FAST, port, host: '127.0.0.1' });
      socket.end();
      const read = await drain(socket);
      server.close();
      return { first, code: error.code, after, client: { ...info(socket), text: read.text } };`);
    expect(seen.code).toBe('EADDRINUSE');
    expect(seen.first).not.toBe('enabled');
    expect(seen.after.state).toBe('enabled');
    expect(seen.client).toMatchObject({ state: 'enabled', text: 'retried' });
  });
});

describe.runIf(LINUX)('a cluster', () => {
  it.each(BACKENDS)(
    '%s: two workers share the port and the abstract rendezvous; fast-path clients reach both',
    async (backend) => {
      const tmp = freshTemp('cluster');
      const script = join(tmp, 'cluster.mjs');
      writeFileSync(
        script,
        `import cluster from 'node:cluster';
import { createLoopfast, fastPathInfo } from ${JSON.stringify(NET_URL)};
if (cluster.isPrimary) {
  const workers = [cluster.fork(), cluster.fork()];
  let up = 0;
  for (const worker of workers) {
    worker.on('message', (message) => {
      process.stdout.write(JSON.stringify({ event: 'worker', data: message }) + '\\n');
      if (++up === workers.length) process.stdin.resume();
    });
  }
  process.stdin.on('end', () => { for (const worker of workers) worker.kill(); });
} else {
  const L = createLoopfast({ backend: ${JSON.stringify(backend)} });
  const server = L.createServer({ loopbackFastPath: true }, (socket) => socket.end(String(cluster.worker.id)));
  server.listen(0, '127.0.0.1', async () => {
    // A worker's rendezvous comes up through the primary, a moment after its TCP listener.
    while (fastPathInfo(server).state === 'pending') await new Promise((r) => setTimeout(r, 5));
    process.send({ id: cluster.worker.id, port: server.address().port, info: fastPathInfo(server) });
  });
}
`,
      );
      const primary = new Proc(process.execPath, [script], { env: childEnv(tmp), cwd: tmp });
      await primary.waitFor(() => primary.events('worker').length === 2, 'two listening workers');
      const workers = primary.events<{ id: number; port: number; info: Info }>('worker');
      const port = workers[0]?.port as number;
      for (const worker of workers) {
        expect(worker.port).toBe(port);
        expect(worker.info.state, worker.info.reason).toBe('enabled');
      }
      const client = await startAgent({ tmp, backend });
      const replies = await client.run<{ text: string; state: string }[]>(`
        const out = [];
        for (let i = 0; i < 12; i++) {
          const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
          socket.end();
          const read = await drain(socket);
          out.push({ text: read.text, state: info(socket).state });
        }
        return out;`);
      expect(replies.map((reply) => reply.state)).toEqual(new Array(12).fill('enabled'));
      expect(new Set(replies.map((reply) => reply.text))).toEqual(
        new Set(workers.map((worker) => String(worker.id))),
      );
      primary.end();
    },
  );
});

/**
 * Python: a child process binds `name` (an abstract name, without its NUL) and holds it; the
 * parent returns once it does.
 */
const SQUATTER = `
import os, socket, sys, time
ready_read, ready_write = os.pipe()
if os.fork() == 0:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(b"\\0" + sys.argv[1].encode())
    s.listen(16)
    os.write(ready_write, b"1")
    while True:
        try:
            c, _ = s.accept()
            c.sendall(b"squatter")
            c.close()
        except Exception:
            time.sleep(0.1)
os.read(ready_read, 1)
os._exit(0)
`;

/** The abstract name of the rendezvous of the listener on `port`, from the kernel's TCP table. */
function listenerName(
  port: number,
  family: 4 | 6,
  table: '/proc/net/tcp' | '/proc/net/tcp6',
): string {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const text = readFileSync(table, 'latin1');
  const line = text.split('\n').find((row) => row.includes(hex) && row.split(/\s+/)[4] === '0A');
  if (!line) throw new Error(`no listener on port ${port} in ${table}`);
  const inode = line.trim().split(/\s+/)[9];
  return `loopfast/1/s/${port}/${inode}/${family}/`.padEnd(107, '.');
}

describe.runIf(AS_ROOT)('who can use the rendezvous, tried for real', () => {
  let user: TestUser;
  const squatScript = () => {
    const dir = freshTemp('squat');
    chownSync(dir, user.uid, user.gid);
    const file = join(dir, 'squat.py');
    writeFileSync(file, SQUATTER, { mode: 0o644 });
    return file;
  };
  /** Starts a squatter on `name` as `uid` (it forks and holds the name until killed). */
  const squat = (name: string, uid: number, gid: number) => {
    const file = squatScript();
    execFileSync('python3', [file, name], { uid, gid, stdio: 'ignore', timeout: 10_000 });
    return () => {
      try {
        execFileSync('pkill', ['-f', `${file} ${name.replace(/\.+$/, '')}`]);
      } catch {
        // Already gone.
      }
    };
  };

  beforeAll(() => {
    user = createUser();
  });
  afterAll(async () => {
    await stopAll();
    if (user) {
      try {
        execFileSync('pkill', ['-u', String(user.uid)]);
      } catch {
        // None left.
      }
      deleteUser(user);
    }
  });

  describe.each(BACKENDS)('%s backend', (backend) => {
    it("a name another user holds for a listener: the client uses TCP, naming the holder's uid", async () => {
      const tmp = freshTemp('other-uid');
      const server = await startAgent({ tmp, backend });
      const port = await server.run<number>(`
        state.plain = nodeNet.createServer((socket) => socket.end('real server'));
        return await listen(state.plain, 0, '127.0.0.1');`);
      const stop = squat(listenerName(port, 4, '/proc/net/tcp'), user.uid, user.gid);
      try {
        const client = await startAgent({ tmp, backend });
        const seen = await client.run<{ text: string; info: Info }>(fastRequest(port));
        expect(seen.text).toBe('real server');
        expect(seen.info.state).toBe('no-fast-peer');
        expect(seen.info.reason).toContain(`belongs to uid ${user.uid}, not 0`);
      } finally {
        stop();
      }
    });

    it('a same-uid process squatting the name of a listener it does not hold: TCP, naming it', async () => {
      const tmp = freshTemp('same-uid');
      const server = await startAgent({ tmp, backend });
      const port = await server.run<number>(`
        state.plain = nodeNet.createServer((socket) => socket.end('real server'));
        return await listen(state.plain, 0, '127.0.0.1');`);
      const stop = squat(listenerName(port, 4, '/proc/net/tcp'), 0, 0);
      try {
        const client = await startAgent({ tmp, backend });
        const seen = await client.run<{ text: string; info: Info }>(fastRequest(port));
        expect(seen.text).toBe('real server');
        expect(seen.info.state).toBe('failed');
        expect(seen.info.reason).toMatch(
          new RegExp(
            `held by process \\d+, which does not hold the TCP listener on 127\\.0\\.0\\.1 port ${port}`,
          ),
        );
      } finally {
        stop();
      }
    });

    it('a server whose name is taken first serves TCP only, naming the holder; clients use TCP', async () => {
      const tmp = freshTemp('taken');
      const file = squatScript();
      const server = await startAgent({ tmp, backend });
      // The squatter takes the name between the TCP listen and the rendezvous: the test's own
      // 'listening' listener, put before loopfast's (which listen() adds), runs it.
      const seen = await server.run<{ port: number; info: Info }>(`
        const { execFileSync } = await import('node:child_process');
        const server = L.createServer(FAST, (socket) => socket.end('real server'));
        state.server = server;
        server.listen(0, '127.0.0.1');
        server.prependListener('listening', () => {
          const port = server.address().port;
          const hex = ':' + port.toString(16).toUpperCase().padStart(4, '0') + ' ';
          const row = fs.readFileSync('/proc/net/tcp', 'latin1').split('\\n').find((line) => line.includes(hex));
          const inode = row.trim().split(/\\s+/)[9];
          const name = ('loopfast/1/s/' + port + '/' + inode + '/4/').padEnd(107, '.');
          execFileSync('python3', [${JSON.stringify(file)}, name], { uid: ${user.uid}, gid: ${user.gid}, stdio: 'ignore', timeout: 10_000 });
        });
        await once(server, 'listening');
        await sleep(50);
        return { port: server.address().port, info: info(server) };`);
      try {
        expect(seen.info.state).toBe('failed');
        expect(seen.info.reason).toMatch(
          /could not listen on the rendezvous @loopfast\/1\/s\/\d+\/\d+\/4\/ \(held by process \d+, uid \d+\)/,
        );
        expect(seen.info.reason).toContain(`uid ${user.uid})`);
        const client = await startAgent({ tmp, backend });
        const reply = await client.run<{ text: string; info: Info }>(fastRequest(seen.port));
        expect(reply.text).toBe('real server');
        expect(reply.info.reason).toContain(`belongs to uid ${user.uid}`);
      } finally {
        execFileSync('pkill', ['-u', String(user.uid), 'python3'], { stdio: 'ignore' });
      }
    });

    it("another user's fast-path server: a root client uses TCP, naming the server's uid", async () => {
      const tmp = freshTemp('user-server');
      chownSync(tmp, user.uid, user.gid);
      const server = await startAgent({ tmp, backend, user });
      const port = await server.run<number>(`
        state.fast = L.createServer(FAST, (socket) => socket.end('user server'));
        return await listen(state.fast, 0, '127.0.0.1');`);
      const client = await startAgent({ tmp: freshTemp('root-client'), backend });
      const seen = await client.run<{ text: string; info: Info }>(fastRequest(port));
      expect(seen.text).toBe('user server');
      expect(seen.info.state).toBe('no-fast-peer');
      expect(seen.info.reason).toContain(`belongs to uid ${user.uid}, not 0`);
    });

    it('another network namespace sharing everything else: neither reaches nor impersonates', async () => {
      const tmp = freshTemp('netns');
      const sandbox = ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];
      const host = await startAgent({ tmp, backend });
      const port = await host.run<number>(`
        state.fast = L.createServer(FAST, (socket) => socket.end('host server'));
        return await listen(state.fast, 0, '127.0.0.1');`);
      // Inside: TCP cannot reach the host's server, and neither can the fast path.
      const inside = await startAgent({ tmp, backend, prefix: sandbox });
      const reach = await inside.run<{ errors: string[]; text: string; info: Info }>(
        fastRequest(port),
      );
      expect(reach.errors).toEqual(['ECONNREFUSED']);
      expect(reach.text).toBe('');
      expect(reach.info.state).not.toBe('enabled');
      // A fast-path server inside on another port the host uses: host clients reach the host's.
      const hostPort = await host.run<number>(`
        state.plain = nodeNet.createServer((socket) => socket.end('host plain'));
        return await listen(state.plain, 0, '127.0.0.1');`);
      const impostor = await inside.run<Info>(`
        state.fast = L.createServer(FAST, (socket) => socket.end('impostor'));
        await listen(state.fast, ${hostPort}, '127.0.0.1');
        return info(state.fast);`);
      expect(impostor.state).toBe('enabled');
      const client = await startAgent({ tmp, backend });
      const seen = await client.run<{ text: string; info: Info }>(fastRequest(hostPort));
      expect(seen.text).toBe('host plain');
      expect(seen.info.state).not.toBe('enabled');
    });
  });
});

describe.runIf(AS_ROOT)('no fault ends a process', () => {
  const PLACES = ['abstract', 'file'] as const;
  const RESTRICTED_PROC = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount -t proc -o subset=pid proc /proc && exec "$0" "$@"',
  ];

  describe.each(PLACES)('the %s rendezvous', (place) => {
    const env = { LOOPFAST_RENDEZVOUS: place };

    it.each(BACKENDS)(
      '%s: /proc mounted with subset=pid (systemd ProcSubset=pid): listen and connect go on',
      async (backend) => {
        const tmp = freshTemp('subset');
        const agent = await startAgent({ tmp, backend, env, prefix: RESTRICTED_PROC });
        const seen = await agent.run<{ server: Info; client: Info; text: string; proc: boolean }>(`
          const server = L.createServer(FAST, (socket) => socket.end('served'));
          const port = await listen(server, 0, '127.0.0.1');
          const socket = L.connect({ ...FAST, port, host: '127.0.0.1' });
          socket.end();
          const read = await drain(socket);
          server.close();
          return { server: info(server), client: info(socket), text: read.text, proc: fs.existsSync('/proc/net/tcp') };`);
        expect(seen.proc).toBe(false);
        expect(seen.text).toBe('served');
        expect(seen.server.reason).not.toBe('');
        expect(seen.client.reason).not.toBe('');
        expect(agent.messages.filter((m) => m.event === 'uncaught')).toEqual([]);
      },
    );

    it('a server started as root that calls setuid() and listens again', async () => {
      const user = createUser();
      try {
        const tmp = freshTemp('setuid');
        const shared = join(tmp, 'shared');
        mkdirSync(shared, { mode: 0o1777 });
        const agent = await startAgent({ tmp: shared, backend: 'napi', env });
        const seen = await agent.run<{ first: Info; second: Info; text: string; euid: number }>(`
          const server = L.createServer(FAST, (socket) => socket.end('dropped'));
          await listen(server, 0, '127.0.0.1');
          const first = info(server);
          await closeServer(server);
          process.setgid(${user.gid});
          process.setuid(${user.uid});
          const port = await listen(server, 0, '127.0.0.1');
          const socket = L.connect({ ...FAST, port, host: '127.0.0.1' });
          socket.end();
          const read = await drain(socket);
          return { first, second: info(server), text: read.text, euid: process.geteuid() };`);
        expect(seen.euid).toBe(user.uid);
        expect(seen.first.state).toBe('enabled');
        expect(seen.text).toBe('dropped');
        expect(seen.second.reason).not.toBe('');
        expect(agent.messages.filter((m) => m.event === 'uncaught')).toEqual([]);
      } finally {
        await stopAll();
        deleteUser(user);
      }
    });
  });

  it('the file rendezvous refuses a directory whose parent others may rename in, and survives a full disk', async () => {
    const tmp = freshTemp('parent');
    const open = join(tmp, 'open');
    mkdirSync(open, { mode: 0o777 });
    execFileSync('chmod', ['0777', open]);
    const agent = await startAgent({
      tmp: open,
      backend: 'napi',
      env: { LOOPFAST_RENDEZVOUS: 'file' },
    });
    const seen = await agent.run<Info>(`
      const server = L.createServer(FAST);
      await listen(server, 0, '127.0.0.1');
      const found = info(server);
      server.close();
      return found;`);
    expect(seen.state).toBe('failed');
    expect(seen.reason).toContain('lets other users rename what it holds');

    // A full file system: the lock cannot be written, and the status says so.
    const full = join(tmp, 'full');
    mkdirSync(full);
    const disk = await startAgent({
      tmp: full,
      backend: 'napi',
      env: { LOOPFAST_RENDEZVOUS: 'file' },
      prefix: [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o size=64k,mode=0700 tmpfs ${full} && mkdir -m 0700 ${full}/loopfast-0 && head -c 1000000 /dev/zero > ${full}/filler 2>/dev/null; exec "$0" "$@"`,
      ],
    });
    const onFull = await disk.run<{ server: Info; text: string }>(`
      const server = L.createServer(FAST, (socket) => socket.end('full'));
      const port = await listen(server, 0, '127.0.0.1');
      const socket = L.connect({ ...FAST, port, host: '127.0.0.1' });
      socket.end();
      const read = await drain(socket);
      server.close();
      return { server: info(server), text: read.text };`);
    expect(onFull.text).toBe('full');
    expect(onFull.server.reason).not.toMatch(/served by another listener/);
    expect(onFull.server.state).not.toBe('enabled');
  });

  it("the file rendezvous: another user's socket bound by a relative path that ends like a server's file does not turn the server TCP-only", async () => {
    const user = createUser();
    try {
      const tmp = freshTemp('relative');
      const port = await freePort();
      const name = `${NS}_127.0.0.1_${port}`;
      const home = freshTemp('attacker');
      chownSync(home, user.uid, user.gid);
      const script = join(home, 'relative.py');
      writeFileSync(
        script,
        `
import os, socket, sys
os.chdir(sys.argv[1])
os.makedirs("loopfast-0", exist_ok=True)
ready_read, ready_write = os.pipe()
if os.fork() == 0:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("loopfast-0/" + sys.argv[2])
    s.listen(1)
    os.write(ready_write, b"1")
    while True:
        s.accept()[0].close()
os.read(ready_read, 1)
os._exit(0)
`,
        { mode: 0o644 },
      );
      execFileSync('python3', [script, home, name], {
        uid: user.uid,
        gid: user.gid,
        stdio: 'ignore',
        timeout: 10_000,
      });
      expect(readFileSync('/proc/net/unix', 'latin1')).toContain(` loopfast-0/${name}`);
      const agent = await startAgent({
        tmp,
        backend: 'napi',
        env: { LOOPFAST_RENDEZVOUS: 'file' },
      });
      const seen = await agent.run<Info>(`
        state.server = L.createServer(FAST);
        await listen(state.server, ${port}, '127.0.0.1');
        return info(state.server);`);
      expect(seen.state, seen.reason).toBe('enabled');
      expect(seen.reason).toBe(
        `listening on TCP and on the rendezvous ${join(tmp, `loopfast-${EUID}`, name)}`,
      );
    } finally {
      try {
        execFileSync('pkill', ['-u', String(user.uid)]);
      } catch {
        // None left.
      }
      await stopAll();
      deleteUser(user);
    }
  });

  it('the file rendezvous: a relative XDG_RUNTIME_DIR is ignored, and SIGINT removes the socket file', async () => {
    const tmp = freshTemp('signals');
    const agent = await startAgent({
      tmp,
      backend: 'napi',
      env: { LOOPFAST_RENDEZVOUS: 'file', XDG_RUNTIME_DIR: 'relative/run' },
    });
    const seen = await agent.run<Info>(`
      state.server = L.createServer(FAST);
      await listen(state.server, 0, '127.0.0.1');
      return info(state.server);`);
    expect(seen.state).toBe('enabled');
    expect(seen.reason).toContain(join(tmp, `loopfast-${EUID}`));
    const directory = join(tmp, `loopfast-${EUID}`);
    expect(readdirSync(directory).length).toBe(1);
    agent.child.kill('SIGINT');
    const exit = await agent.exited;
    expect(exit.signal).toBe('SIGINT');
    expect(readdirSync(directory)).toEqual([]);
  });
});
