/**
 * The Unix-socket rendezvous across real processes: a server process and client processes that
 * load the built `@loopfast/net`, each with a fresh TMPDIR of its scenario and no
 * XDG_RUNTIME_DIR, with both backends. Foreign peers (Python's `socket`, curl, plain `node:net`)
 * show that TCP keeps working on both sides.
 */
import { once } from 'node:events';
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as netCreateServer, type Server } from 'node:net';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type AgentAddresses as Addresses,
  childEnv,
  type AgentInfo as Info,
  killPids,
  NET_URL,
  Proc,
  removeScripts,
  runToEnd,
  setChildDefaults,
  startAgent,
  stopAll,
  writeScript,
} from './support/agents.js';
import {
  EUID,
  freePort,
  freshTemp,
  NS,
  plainExchange,
  removeTemps,
  rendezvousFile,
  userDirectory,
} from './support/rendezvous.js';

const BACKENDS = ['ffi', 'napi'] as const;

// The file rendezvous (macOS and the other POSIX systems), chosen on Linux so it is tested here.
setChildDefaults({ LOOPFAST_RENDEZVOUS: 'file' });
const U = '(undefined)';

const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
/** `listen({ reusePort })` exists from Node 22.12 and 23.1. */
const HAS_REUSE_PORT = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 12);

/** Python's `socket` as a plain TCP client: sends a line, half-closes, prints the reply. */
const PYTHON_CLIENT = `
import socket, sys
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
conn.sendall(b"from python")
conn.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    data += chunk
conn.close()
print(data.decode())
`;

/** Python's `socket` as a plain TCP server on 127.0.0.1 that answers every connection. */
const PYTHON_SERVER = `
import json, socket
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(json.dumps({"event": "listening", "data": listener.getsockname()[1]}), flush=True)
while True:
    conn, _ = listener.accept()
    conn.sendall(b"plain python")
    conn.shutdown(socket.SHUT_WR)
    while conn.recv(65536):
        pass
    conn.close()
`;

/**
 * A cluster primary forking two workers, each a fast-path server on a shared port 0. The workers
 * load the package first and listen together, when the primary says so, as a service's workers
 * started at once do.
 */
function clusterScript(backend: string, slow: 'none' | 'checks' | 'writes'): string {
  return `
import cluster from 'node:cluster';
import { createLoopfast, fastPathInfo } from ${JSON.stringify(NET_URL)};
const out = (message) => process.stdout.write(JSON.stringify(message) + "\\n");
const info = (target) => {
  const found = fastPathInfo(target);
  return { ...found, error: found.error && { code: found.error.code, message: found.error.message } };
};
if (cluster.isPrimary) {
  if (${slow !== 'none'}) cluster.setupPrimary({ execArgv: ['--import', ${JSON.stringify(SLOW_CHECK_URL)}] });
  const envs = ${JSON.stringify(
    {
      none: [{}, {}],
      checks: [{ TEST_RENDEZVOUS_SLOW_CHECK: 'before' }, { TEST_RENDEZVOUS_SLOW_CHECK: 'after' }],
      writes: [
        { TEST_RENDEZVOUS_SLOW_CHECK: 'after', TEST_RENDEZVOUS_SLOW_WRITE: '1' },
        { TEST_RENDEZVOUS_SLOW_CHECK: 'before' },
      ],
    }[slow],
  )};
  const workers = envs.map((env) => cluster.fork(env));
  // With slow writes, the second worker starts while the first is writing its setup lock.
  const stagger = ${slow === 'writes' ? 20 : 0};
  let loaded = 0;
  for (const worker of workers) {
    worker.on('message', (message) => {
      if (message === 'loaded') {
        if (++loaded === workers.length) {
          workers[0].send('listen');
          setTimeout(() => workers[1].send('listen'), stagger);
        }
        return;
      }
      out({ event: 'worker', data: { ...message, pid: worker.process.pid } });
    });
  }
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const worker of workers) worker.disconnect();
  });
} else {
  const L = createLoopfast({ backend: ${JSON.stringify(backend)} });
  const id = cluster.worker.id;
  const server = L.createServer({ loopbackFastPath: true }, (socket) =>
    socket.end(JSON.stringify({ worker: id, info: info(socket) })));
  process.on('message', (message) => {
    if (message !== 'listen') return;
    // A worker's rendezvous comes up through the primary, a moment after its TCP listener.
    server.listen(0, '127.0.0.1', async () => {
      while (info(server).state === 'pending') await new Promise((resolve) => setTimeout(resolve, 5));
      process.send({ id, port: server.address().port, info: info(server) });
    });
  });
  process.send('loaded');
}
`;
}

/**
 * A preload that stretches two moments as a busy machine's scheduler may. The moment a process
 * checks `/proc/net/unix` (where the rendezvous looks whether a socket file is served): with
 * TEST_RENDEZVOUS_SLOW_CHECK=before it waits 150 ms before reading it; with `after`, 300 ms after.
 * Two cluster workers so slowed check at once and clean up one after the other. And with
 * TEST_RENDEZVOUS_SLOW_WRITE=1, every file written under the temporary directory stays empty for
 * 50 ms between its creation and its content.
 */
const SLOW_CHECK = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const when = process.env.TEST_RENDEZVOUS_SLOW_CHECK;
const wait = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
if (when === 'before' || when === 'after') {
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function slowProcNetUnix(path, ...rest) {
    if (path === '/proc/net/unix' && when === 'before') wait(150);
    const result = readFileSync.call(this, path, ...rest);
    if (path === '/proc/net/unix' && when === 'after') wait(300);
    return result;
  };
}
const under = process.env.TMPDIR;
if (process.env.TEST_RENDEZVOUS_SLOW_WRITE === '1' && under) {
  const writeFileSync = fs.writeFileSync;
  fs.writeFileSync = function slowWrite(path, data, options) {
    if (typeof path !== 'string' || !path.startsWith(under)) {
      return writeFileSync.call(this, path, data, options);
    }
    const fd = fs.openSync(path, options?.flag ?? 'w', options?.mode ?? 0o666);
    try {
      wait(50);
      fs.writeSync(fd, String(data));
    } finally {
      fs.closeSync(fd);
    }
  };
}
syncBuiltinESMExports();
`;
const SLOW_CHECK_URL = pathToFileURL(writeScript('slow-check.mjs', SLOW_CHECK)).href;

const openServers: Server[] = [];
afterEach(async () => {
  await stopAll();
  for (const server of openServers.splice(0)) {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

/** A plain `node:net` server in this process that answers every connection with `reply`. */
async function plainServer(host: string, reply: string, port = 0): Promise<number> {
  const server = netCreateServer((socket) => socket.end(reply));
  openServers.push(server);
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function closePlainServers(): Promise<void> {
  for (const server of openServers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
}

const enabled = (backend: string, reason: string): Info => ({
  requested: true,
  state: 'enabled',
  mechanism: 'unix-rendezvous',
  reason,
  error: null,
  backend,
});

/** The status of a listener whose rendezvous `file` another listener serves. */
const servedElsewhere = (backend: string, file: string): Info => ({
  requested: true,
  state: 'not-applicable',
  mechanism: null,
  error: null,
  backend,
  reason: `the rendezvous ${file} is served by another listener on this address and port (reusePort, or another process); this one serves TCP only`,
});

/** Agent code: a fast-path server that answers each connection with `id` and its status. */
function idServer(id: string, listenArgs: string): string {
  return `
    const server = L.createServer(FAST, (socket) =>
      socket.end(JSON.stringify({ id: ${JSON.stringify(id)}, info: info(socket), addresses: addresses(socket) })));
    (state.servers ??= []).push(server);
    const port = await listen(server, ${listenArgs});
    return { port, info: info(server) };`;
}

/** Agent code: a fast-path connection that ends at once and reads the whole reply. */
function fastRequest(port: number, host: string): string {
  return `
    const socket = L.connect({ ...FAST, port: ${port}, host: ${JSON.stringify(host)} });
    socket.end();
    const read = await drain(socket);
    return { info: info(socket), text: read.text, errors: read.errors };`;
}

type Reply = { info: Info; text: string; errors: { code: string }[] };

describe.each(BACKENDS)('the rendezvous across processes, %s backend', (backend) => {
  const agent = (tmp: string, extra: { undici?: boolean } = {}) =>
    startAgent({ tmp, backend, ...extra });

  it('a server process and a client process exchange 8 MiB each way over a private 0600 socket file', async () => {
    const tmp = freshTemp('exchange');
    const server = await agent(tmp);
    const listening = await server.run<{ port: number; info: Info }>(`
      const server = L.createServer(FAST, (socket) => {
        const payload = pattern(8 << 20, 1);
        const accepted = info(socket);
        drain(socket).then((received) => emit('session', { accepted, received, sent: sha256(payload) }));
        socket.end(payload);
      });
      const port = await listen(server, 0, '127.0.0.1');
      return { port, info: info(server) };`);
    const { port } = listening;
    const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
    expect(listening.info).toEqual(
      enabled(backend, `listening on TCP and on the rendezvous ${file}`),
    );
    const socketFile = lstatSync(file);
    expect(socketFile.isSocket()).toBe(true);
    expect(socketFile.mode & 0o777).toBe(0o600);
    expect(socketFile.uid).toBe(EUID);
    const directory = lstatSync(userDirectory(tmp));
    expect(directory.isDirectory()).toBe(true);
    expect(directory.mode & 0o777).toBe(0o700);
    expect(directory.uid).toBe(EUID);

    const client = await agent(tmp);
    const result = await client.run<{
      info: Info;
      sent: string;
      received: { hash: string; bytes: number; errors: unknown[] };
    }>(`
      const payload = pattern(8 << 20, 2);
      const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
      socket.end(payload);
      const received = await drain(socket);
      return { info: info(socket), sent: sha256(payload), received };`);
    const session = await server.event<{
      accepted: Info;
      received: { hash: string; bytes: number };
      sent: string;
    }>('session');
    expect(result.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
    expect(session.accepted).toEqual(enabled(backend, `accepted over the rendezvous ${file}`));
    expect(result.received).toMatchObject({ bytes: 8 << 20, hash: session.sent, errors: [] });
    expect(session.received).toMatchObject({ bytes: 8 << 20, hash: result.sent });
    expect(result.sent).not.toBe(session.sent);
    expect([...server.troubles(), ...client.troubles()]).toEqual([]);
  });

  it('plain TCP clients keep working against a fast-path server: Python, curl, Node without the option', async () => {
    const tmp = freshTemp('plain-clients');
    const server = await agent(tmp);
    const ports = await server.run<{ port: number; web: number; infos: Info[] }>(`
      const plain = L.createServer({ ...FAST, allowHalfOpen: true }, (socket) => {
        const chunks = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('end', () => socket.end(JSON.stringify({
          got: Buffer.concat(chunks).toString(), info: info(socket), addresses: addresses(socket) })));
      });
      const web = L.attachFastPath(http.createServer((request, response) => response.end(JSON.stringify({
        url: request.url, info: info(request.socket), remoteAddress: request.socket.remoteAddress }))),
        { loopbackFastPath: true });
      const port = await listen(plain, 0, '127.0.0.1');
      return { port, web: await listen(web, 0, '127.0.0.1'), infos: [info(plain), info(web)] };`);
    const dir = userDirectory(tmp);
    expect(ports.infos).toEqual([
      enabled(
        backend,
        `listening on TCP and on the rendezvous ${rendezvousFile(dir, '127.0.0.1', ports.port)}`,
      ),
      enabled(
        backend,
        `listening on TCP and on the rendezvous ${rendezvousFile(dir, '127.0.0.1', ports.web)}`,
      ),
    ]);
    const overTcp = {
      requested: true,
      state: 'no-fast-peer',
      mechanism: null,
      error: null,
      backend,
      reason: expect.stringMatching(/^accepted over TCP: /),
    };

    const python = await runToEnd('python3', ['-c', PYTHON_CLIENT, String(ports.port)]);
    expect(python.exit).toEqual({ code: 0, signal: null });
    const fromPython = JSON.parse(python.stdout);
    expect(fromPython).toMatchObject({ got: 'from python', info: overTcp });
    expect(fromPython.addresses).toMatchObject({
      remoteAddress: '127.0.0.1',
      localPort: ports.port,
    });
    expect(typeof fromPython.addresses.remotePort).toBe('number');

    const curl = await runToEnd('curl', [
      '-sS',
      '--noproxy',
      '*',
      `http://127.0.0.1:${ports.web}/from-curl`,
    ]);
    expect(curl.exit).toEqual({ code: 0, signal: null });
    expect(JSON.parse(curl.stdout)).toEqual({
      url: '/from-curl',
      info: overTcp,
      remoteAddress: '127.0.0.1',
    });

    const client = await agent(tmp);
    const fromNode = await client.run<{ reply: string; info: Info }[]>(`
      const results = [];
      for (const make of [
        () => nodeNet.connect({ port: ${ports.port}, host: '127.0.0.1' }),
        () => L.connect({ port: ${ports.port}, host: '127.0.0.1' }),
        () => lf.connect(${ports.port}, '127.0.0.1'),
      ]) {
        const socket = make();
        socket.end('from node');
        const read = await drain(socket);
        results.push({ reply: JSON.parse(read.text), info: info(socket) });
      }
      return results;`);
    expect(fromNode).toHaveLength(3);
    for (const { reply, info } of fromNode) {
      expect(reply).toMatchObject({ got: 'from node', info: overTcp });
      expect(info).toMatchObject({ requested: false, state: 'disabled' });
    }
  });

  it.each([
    ['with no rendezvous directory at all', false],
    ['with the directory an earlier fast-path server made', true],
  ])(
    'a fast-path client of a plain node:net server and a plain Python server uses TCP, %s',
    async (_title, directoryExists) => {
      const tmp = freshTemp('plain-servers');
      if (directoryExists) mkdirSync(userDirectory(tmp), { mode: 0o700 });
      const nodePort = await plainServer('127.0.0.1', 'plain node');
      const python = new Proc('python3', ['-c', PYTHON_SERVER]);
      const pythonPort = await python.event<number>('listening');
      const client = await agent(tmp);
      for (const [port, reply] of [
        [nodePort, 'plain node'],
        [pythonPort, 'plain python'],
      ] as const) {
        const result = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
        expect(result.text).toBe(reply);
        expect(result.errors).toEqual([]);
        expect(result.info).toEqual({
          requested: true,
          state: 'no-fast-peer',
          mechanism: null,
          error: null,
          backend,
          reason: `no fast-path server for 127.0.0.1:${port} (no rendezvous at ${rendezvousFile(userDirectory(tmp), '127.0.0.1', port)}); using TCP`,
        });
      }
      // The client only looks: it never makes the directory.
      expect(readdirSync(tmp)).toEqual(directoryExists ? [`loopfast-${EUID}`] : []);
      expect(client.troubles()).toEqual([]);
    },
  );

  it('a port nobody listens on: the same single ECONNREFUSED error node:net gives, and nothing else', async () => {
    const port = await freePort();
    const tmp = freshTemp('refused');
    const client = await agent(tmp);
    const attempt = `
      const attempt = (make) => new Promise((resolve) => {
        const errors = [];
        const events = [];
        const socket = make();
        for (const name of ['connect', 'ready', 'end', 'timeout', 'lookup']) socket.on(name, () => events.push(name));
        socket.on('error', (error) => errors.push(errorOf(error)));
        socket.on('close', (hadError) => setImmediate(() => setImmediate(() =>
          resolve({ errors, events, hadError, info: info(socket) }))));
      });
      const results = {};
      for (const host of ['127.0.0.1', '::1', 'localhost']) {
        results[host] = {
          fast: await attempt(() => L.connect({ ...FAST, port: ${port}, host })),
          plain: await attempt(() => nodeNet.connect({ port: ${port}, host })),
        };
      }
      return results;`;
    type Attempt = { errors: { code: string }[]; events: string[]; hadError: boolean; info: Info };
    const check = (results: Record<string, { fast: Attempt; plain: Attempt }>) => {
      expect(Object.keys(results)).toEqual(['127.0.0.1', '::1', 'localhost']);
      for (const [host, { fast, plain }] of Object.entries(results)) {
        expect(fast.errors, host).toHaveLength(1);
        expect(fast.errors[0]?.code, host).toBe('ECONNREFUSED');
        expect(fast.errors, host).toEqual(plain.errors);
        expect(fast.events, host).toEqual(plain.events);
        // Node looks a name up ('lookup'), never an IP literal; nothing connects.
        expect(plain.events, host).toEqual(host === 'localhost' ? ['lookup'] : []);
        expect(fast.hadError, host).toBe(true);
        // Once the socket is closed, its status is final and says which backend declined.
        expect(fast.info.state, host).not.toBe('pending');
        expect(fast.info, host).toMatchObject({ requested: true, mechanism: null, backend });
      }
    };
    // Without a rendezvous directory, then with one (no file for this port in it).
    check(await client.run(attempt));
    mkdirSync(userDirectory(tmp), { mode: 0o700 });
    check(await client.run(attempt));
    expect(client.troubles()).toEqual([]);
  });

  it('HTTP: FastPathAgent and fetch with the undici connector go over the Unix transport', async () => {
    const tmp = freshTemp('http');
    const server = await agent(tmp);
    const ports = await server.run<{ v4: number; v6: number }>(`
      const make = () => L.attachFastPath(http.createServer((request, response) => response.end(JSON.stringify({
        url: request.url,
        mechanism: lf.fastPathInfo(request.socket).mechanism,
        reason: lf.fastPathInfo(request.socket).reason,
        remoteAddress: request.socket.remoteAddress,
      }))), { loopbackFastPath: true });
      return { v4: await listen(make(), 0, '127.0.0.1'), v6: await listen(make(), 0, '::1') };`);
    const client = await agent(tmp, { undici: true });
    for (const [host, urlHost, port] of [
      ['127.0.0.1', '127.0.0.1', ports.v4],
      ['::1', '[::1]', ports.v6],
    ] as const) {
      const results = await client.run<{ viaAgent: unknown; socket: Info; viaFetch: unknown }>(`
        const agent = new lf.FastPathAgent({ backend });
        const response = await get({ host: ${JSON.stringify(host)}, port: ${port}, path: '/agent', agent });
        const socket = info(response.socket);
        agent.destroy();
        const dispatcher = new undici.Agent({ connect: lf.createUndiciConnector({ backend }) });
        const fetched = await fetch('http://${urlHost}:${port}/fetch', { dispatcher });
        const viaFetch = JSON.parse(await fetched.text());
        await dispatcher.close();
        return { viaAgent: JSON.parse(response.text), socket, viaFetch };`);
      const file = rendezvousFile(userDirectory(tmp), host, port);
      const accepted = {
        mechanism: 'unix-rendezvous',
        reason: `accepted over the rendezvous ${file}`,
        remoteAddress: host,
      };
      expect(results.viaAgent).toEqual({ url: '/agent', ...accepted });
      expect(results.viaFetch).toEqual({ url: '/fetch', ...accepted });
      expect(results.socket).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
    }
    expect([...server.troubles(), ...client.troubles()]).toEqual([]);
  });

  it('address properties on both sides are what TCP would report (127.0.0.1, ::1, 0.0.0.0, dual-stack ::)', async () => {
    const tmp = freshTemp('addresses');
    const server = await agent(tmp);
    const listeners = await server.run<Record<string, { port: number; info: Info }>>(`
      const answer = (socket) => socket.end(JSON.stringify({ info: info(socket), ...addresses(socket) }));
      const result = {};
      for (const [name, args] of [['v4', [0, '127.0.0.1']], ['v6', [0, '::1']], ['any4', [0, '0.0.0.0']], ['dual', [0]]]) {
        const server = L.createServer(FAST, answer);
        (state.servers ??= []).push(server);
        result[name] = { port: await listen(server, ...args), info: info(server) };
      }
      return result;`);
    const dir = userDirectory(tmp);
    // A dual-stack listener has one file per family of clients it takes.
    const keys = { v4: ['127.0.0.1'], v6: ['::1'], any4: ['0.0.0.0'], dual: ['0.0.0.0', '::'] };
    for (const [name, names] of Object.entries(keys)) {
      const listener = listeners[name] as { port: number; info: Info };
      const files = names.map((key) => rendezvousFile(dir, key, listener.port));
      expect(listener.info).toEqual(
        enabled(backend, `listening on TCP and on the rendezvous ${files.join(' and ')}`),
      );
    }
    const keyOf = (name: string, host: string) =>
      name === 'dual'
        ? host === '::1'
          ? '::'
          : '0.0.0.0'
        : (keys[name as keyof typeof keys][0] as string);
    const cases = [
      ['v4', '127.0.0.1'],
      ['v6', '::1'],
      ['any4', '127.0.0.1'],
      ['dual', '127.0.0.1'],
      ['dual', '::1'],
    ] as const;
    const client = await agent(tmp);
    type Side = { client: Addresses; info: Info; server: Addresses & { info: Info } };
    const results = await client.run<{ fast: Side; tcp: Side }[]>(`
      const one = async (fast, port, host) => {
        const socket = fast ? L.connect({ ...FAST, port, host }) : nodeNet.connect({ port, host });
        await once(socket, 'connect');
        const client = addresses(socket);
        const status = info(socket);
        const read = await drain(socket);
        return { client, info: status, server: JSON.parse(read.text) };
      };
      const out = [];
      for (const [port, host] of ${JSON.stringify(cases.map(([name, host]) => [listeners[name]?.port, host]))}) {
        out.push({ fast: await one(true, port, host), tcp: await one(false, port, host) });
      }
      return out;`);
    expect(results).toHaveLength(cases.length);
    cases.forEach(([name, host], index) => {
      const { fast, tcp } = results[index] as { fast: Side; tcp: Side };
      const label = `${name} via ${host}`;
      const port = listeners[name]?.port as number;
      const file = rendezvousFile(dir, keyOf(name, host), port);
      expect(fast.info, label).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(fast.server.info, label).toEqual(
        enabled(backend, `accepted over the rendezvous ${file}`),
      );
      expect(tcp.info, label).toMatchObject({ state: 'disabled' });
      // The client: the destination as TCP shows it; the file rendezvous has no local port.
      const { remoteAddress, remotePort, remoteFamily, localAddress, localFamily } = tcp.client;
      expect(fast.client, label).toEqual({
        remoteAddress,
        remotePort,
        remoteFamily,
        localAddress,
        localPort: U,
        localFamily,
        address: { address: localAddress, family: localFamily, port: U },
      });
      expect(remoteAddress, label).toBe(host);
      expect(remotePort, label).toBe(port);
      // The server: the listener's end, and the loopback peer TCP shows (a dual-stack listener
      // knows the family by the file the client came through).
      const peer = tcp.server.remoteAddress;
      const local = tcp.server.localAddress;
      expect(fast.server, label).toEqual({
        info: fast.server.info,
        remoteAddress: peer,
        remotePort: U,
        remoteFamily: tcp.server.remoteFamily,
        localAddress: local,
        localPort: port,
        localFamily: tcp.server.localFamily,
        address: { address: local, family: tcp.server.localFamily, port },
      });
      expect(tcp.server.localPort, label).toBe(port);
    });
    expect([...server.troubles(), ...client.troubles()]).toEqual([]);
  });

  it('a client that binds a local address uses TCP and says why; a name resolved by Node or by its own lookup uses the rendezvous of the address TCP would connect to', async () => {
    const tmp = freshTemp('declines');
    const server = await agent(tmp);
    const { port } = await server.run<{ port: number }>(idServer('served', "0, '127.0.0.1'"));
    const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
    const client = await agent(tmp);
    const results = await client.run<Record<string, unknown>>(`
      const request = async (options) => {
        const socket = L.connect({ ...FAST, port: ${port}, ...options });
        socket.end();
        let atConnect;
        socket.once('connect', () => { atConnect = info(socket); });
        const read = await drain(socket);
        return { atConnect, info: info(socket), reply: JSON.parse(read.text) };
      };
      /** The same, with the status asked for the first time once the socket has closed. */
      const askedLate = async (options) => {
        const socket = L.connect({ ...FAST, port: ${port}, ...options });
        socket.end();
        await drain(socket);
        return info(socket);
      };
      const lookup = (name, options, callback) => options.all
        ? callback(null, [{ address: '127.0.0.1', family: 4 }])
        : callback(null, '127.0.0.1', 4);
      return {
        localAddress: await request({ host: '127.0.0.1', localAddress: '127.0.0.1' }),
        localhost: await request({ host: 'localhost' }),
        lookup: await request({ host: 'localhost', lookup }),
        lookupAskedLate: await askedLate({ host: 'localhost', lookup }),
      };`);
    const overTcp = expect.objectContaining({
      state: 'no-fast-peer',
      reason: expect.stringMatching(/^accepted over TCP: /),
    });
    const declined = (reason: string): Info => ({
      requested: true,
      state: 'not-applicable',
      mechanism: null,
      error: null,
      backend,
      reason,
    });
    const expected = {
      localAddress: declined(
        'localAddress or localPort binds a TCP client address, which the rendezvous does not have; using TCP',
      ),
      localhost: enabled(backend, `connected over the rendezvous ${file}`),
      lookup: enabled(backend, `connected over the rendezvous ${file}`),
    };
    for (const [name, status] of Object.entries(expected)) {
      const result = results[name] as { atConnect: Info; info: Info; reply: { info: Info } };
      expect(result.atConnect, name).toEqual(status);
      expect(result.reply.info, name).toEqual(
        name === 'localAddress'
          ? overTcp
          : enabled(backend, `accepted over the rendezvous ${file}`),
      );
    }
    // Asked again once the socket has closed, the status is the same; and so it is when it is
    // asked for the first time then.
    for (const [name, status] of Object.entries(expected)) {
      expect((results[name] as { info: Info }).info, `${name}, after close`).toEqual(status);
    }
    expect(results.lookupAskedLate, 'asked first after close').toEqual(expected.lookup);
  });

  it('a rendezvous whose backlog is full: the next clients use TCP and say it is busy; all are served', async () => {
    const tmp = freshTemp('busy');
    const flag = `${tmp}/go`;
    const server = await agent(tmp);
    const { port } = await server.run<{ port: number }>(`
      state.server = L.createServer(FAST, (socket) => socket.end(info(socket).state));
      return { port: await listen(state.server, 0, '127.0.0.1') };`);
    const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
    // The server's process stops accepting until the flag file appears.
    const blocked = server.run(`
      const until = Date.now() + 20000;
      while (!fs.existsSync(${JSON.stringify(flag)}) && Date.now() < until) {}
      return fs.existsSync(${JSON.stringify(flag)});`);
    const client = await agent(tmp);
    const made = await client.run<{ states: Record<string, number>; busy: Info | null }>(`
      state.sockets = [];
      const states = {};
      let busy = null;
      for (let i = 0; i < 600; i++) {
        const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        state.sockets.push(socket);
        const found = info(socket);
        states[found.state] = (states[found.state] ?? 0) + 1;
        if (found.state !== 'enabled') busy ??= found;
      }
      return { states, busy };`);
    writeFileSync(flag, '');
    expect(await blocked).toBe(true);
    // Linux queues 512 connections on a listener with Node's backlog of 511.
    expect(made.states.enabled).toBeGreaterThanOrEqual(1);
    expect(made.states['no-fast-peer']).toBeGreaterThanOrEqual(1);
    expect((made.states.enabled ?? 0) + (made.states['no-fast-peer'] ?? 0)).toBe(600);
    expect(made.busy).toEqual({
      requested: true,
      state: 'no-fast-peer',
      mechanism: null,
      backend,
      reason: `the rendezvous ${file} is busy (EAGAIN: its backlog is full); using TCP`,
      error: expect.objectContaining({ code: 'EAGAIN' }),
    });
    const served = await client.run<Record<string, number>>(`
      const replies = {};
      await Promise.all(state.sockets.map(async (socket) => {
        const read = await drain(socket);
        const key = info(socket).state + ' -> ' + read.text;
        replies[key] = (replies[key] ?? 0) + 1;
      }));
      return replies;`);
    expect(served).toEqual({
      'enabled -> enabled': made.states.enabled,
      'no-fast-peer -> no-fast-peer': made.states['no-fast-peer'],
    });
    expect([...server.troubles(), ...client.troubles()]).toEqual([]);
  });

  describe('client events and early use', () => {
    const echoServer = `
      const server = L.createServer({ ...FAST, allowHalfOpen: true }, (socket) => {
        const chunks = [];
        socket.on('error', () => {});
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('end', () => socket.end(JSON.stringify({ got: Buffer.concat(chunks).toString(), info: info(socket) })));
      });
      state.server = server;
      return { port: await listen(server, 0, '127.0.0.1'), info: info(server) };`;

    async function pair(label: string) {
      const tmp = freshTemp(label);
      const server = await agent(tmp);
      const { port } = await server.run<{ port: number }>(echoServer);
      const client = await agent(tmp);
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      return { server, client, port, file };
    }

    it("'connect' and 'ready' come once each, after connect() returns; the listener once; the timeout option works", async () => {
      const { server, client, port, file } = await pair('events');
      const results = await client.run<{
        fast: { log: string[]; timeout: number; info: Info; reply: { got: string; info: Info } };
        tcp: { log: string[]; timeout: number; info: Info; reply: { got: string } };
      }>(`
        const scenario = async (fast) => {
          const log = [];
          const original = nodeNet.Socket.prototype.emit;
          let socket;
          nodeNet.Socket.prototype.emit = function (name, ...args) {
            if (['connect', 'ready', 'timeout', 'lookup'].includes(name)) {
              log.push(socket === undefined ? 'before return: ' + name : this === socket ? name : 'another socket: ' + name);
            }
            return original.call(this, name, ...args);
          };
          try {
            const options = { port: ${port}, host: '127.0.0.1', timeout: 40 };
            socket = fast
              ? L.connect({ ...FAST, ...options }, () => log.push('listener'))
              : nodeNet.connect(options, () => log.push('listener'));
            log.push('returned');
            await once(socket, 'timeout');
            const timeout = socket.timeout;
            socket.setTimeout(0);
            const status = info(socket);
            socket.end('bye');
            const read = await drain(socket);
            await new Promise((resolve) => setImmediate(resolve));
            return { log, timeout, info: status, reply: JSON.parse(read.text) };
          } finally {
            nodeNet.Socket.prototype.emit = original;
          }
        };
        return { fast: await scenario(true), tcp: await scenario(false) };`);
      expect(results.tcp.log).toEqual(['returned', 'connect', 'listener', 'ready', 'timeout']);
      expect(results.fast.log).toEqual(results.tcp.log);
      expect(results.fast.timeout).toBe(40);
      expect(results.fast.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
      expect(results.fast.reply).toEqual({
        got: 'bye',
        info: enabled(backend, `accepted over the rendezvous ${file}`),
      });
      expect(results.tcp.reply.got).toBe('bye');
      expect([...server.troubles(), ...client.troubles()]).toEqual([]);
    });

    it("writes and end() before 'connect' are delivered; the socket looks like a connecting TCP socket until then", async () => {
      const { server, client, port, file } = await pair('early');
      const results = await client.run<Record<string, unknown>>(`
        const look = (socket) => ({ connecting: socket.connecting, pending: socket.pending, readyState: socket.readyState });
        const tcp = nodeNet.connect({ port: ${port}, host: '127.0.0.1' });
        const tcpLook = look(tcp);
        tcp.end();
        await drain(tcp);
        const early = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        const earlyLook = look(early);
        early.write('early-');
        early.write(Buffer.from('bytes-'));
        early.end('end');
        const first = await drain(early);
        const bare = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        bare.end();
        const second = await drain(bare);
        return {
          tcpLook, earlyLook,
          early: { info: info(early), reply: JSON.parse(first.text), errors: first.errors },
          bare: { info: info(bare), reply: JSON.parse(second.text), errors: second.errors },
        };`);
      expect(results.earlyLook).toEqual(results.tcpLook);
      expect(results.tcpLook).toEqual({ connecting: true, pending: true, readyState: 'opening' });
      const accepted = enabled(backend, `accepted over the rendezvous ${file}`);
      const connected = enabled(backend, `connected over the rendezvous ${file}`);
      expect(results.early).toEqual({
        info: connected,
        reply: { got: 'early-bytes-end', info: accepted },
        errors: [],
      });
      expect(results.bare).toEqual({
        info: connected,
        reply: { got: '', info: accepted },
        errors: [],
      });
      expect([...server.troubles(), ...client.troubles()]).toEqual([]);
    });

    it('destroy() right after connect(): no connect, close without error, no descriptor left', async () => {
      const { server, client, port } = await pair('destroy');
      const results = await client.run<{
        before: number;
        after: number;
        outcomes: Record<string, number>;
      }>(`
        const warm = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        warm.end();
        await drain(warm);
        const before = fds();
        const outcomes = {};
        for (let i = 0; i < 50; i++) {
          const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
          const seen = [];
          socket.on('connect', () => seen.push('connect'));
          socket.on('ready', () => seen.push('ready'));
          socket.on('error', (error) => seen.push('error ' + error.code));
          const status = info(socket).state;
          socket.destroy();
          const [hadError] = await once(socket, 'close');
          await new Promise((resolve) => setImmediate(resolve));
          const key = JSON.stringify({ status, hadError, seen });
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }
        return { before, after: await settleFds(before), outcomes };`);
      expect(results.outcomes).toEqual({
        [JSON.stringify({ status: 'enabled', hadError: false, seen: [] })]: 50,
      });
      expect(results.after).toBe(results.before);
      expect([...server.troubles(), ...client.troubles()]).toEqual([]);
    });
  });

  it('a thousand sequential connections leave no descriptor behind in either process', async () => {
    const tmp = freshTemp('thousand');
    const server = await agent(tmp);
    const { port, baseline } = await server.run<{ port: number; baseline: number }>(`
      state.accepted = {};
      state.server = L.createServer(FAST, (socket) => {
        const key = info(socket).state;
        state.accepted[key] = (state.accepted[key] ?? 0) + 1;
        socket.end('x');
      });
      const port = await listen(state.server, 0, '127.0.0.1');
      return { port, baseline: fds() };`);
    const client = await agent(tmp);
    const result = await client.run<{
      before: number;
      after: number;
      states: Record<string, number>;
    }>(
      `
      const connection = async () => {
        const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        socket.resume();
        await once(socket, 'close');
        return info(socket).state;
      };
      await connection();
      const before = fds();
      const states = {};
      for (let i = 0; i < 1000; i++) {
        const state = await connection();
        states[state] = (states[state] ?? 0) + 1;
      }
      return { before, after: await settleFds(before), states };`,
      60_000,
    );
    expect(result.states).toEqual({ enabled: 1000 });
    expect(result.after).toBe(result.before);
    const served = await server.run<{ accepted: Record<string, number>; after: number }>(
      `return { accepted: state.accepted, after: await settleFds(${baseline}) };`,
    );
    expect(served).toEqual({ accepted: { enabled: 1001 }, after: baseline });
  }, 60_000);

  describe('the server', () => {
    const loggingServer = (extra = '') => `
      state.log = [];
      const server = L.createServer(FAST, (socket) => {
        state.log.push('connection ' + info(socket).state);
        socket.on('end', () => state.log.push('socket end'));
        socket.on('close', () => state.log.push('socket close'));
        socket.on('error', () => {});
        socket.resume();
      });
      server.on('close', () => state.log.push('close'));
      server.on('drop', () => state.log.push('drop'));
      ${extra}
      state.server = server;
      return { port: await listen(server, 0, '127.0.0.1'), info: info(server) };`;
    /** Agent code: waits until the log has `count` entries `entry`; returns the log. */
    const waitLog = (count: number, entry: string) => `
      while (state.log.filter((e) => e === ${JSON.stringify(entry)}).length < ${count}) await sleep(5);
      return state.log;`;
    const connections = `return await new Promise((resolve, reject) =>
      state.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));`;

    it("close() closes both transports; 'close' comes once, after the last rendezvous connection; getConnections() counts both", async () => {
      const tmp = freshTemp('close');
      const server = await agent(tmp);
      const { port } = await server.run<{ port: number }>(loggingServer());
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      const client = await agent(tmp);
      const fast = await client.run<Info>(`
        state.socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        state.socket.on('error', () => {});
        await once(state.socket, 'connect');
        return info(state.socket);`);
      expect(fast.state).toBe('enabled');
      const tcp = netConnect(port, '127.0.0.1');
      tcp.on('error', () => {});
      await once(tcp, 'connect');
      await server.run(waitLog(1, 'connection no-fast-peer'));
      await server.run(waitLog(1, 'connection enabled'));
      expect(await server.run(connections)).toBe(2);
      expect(lstatSync(file).isSocket()).toBe(true);

      await server.run(`state.server.close(); state.log.push('close() called');`);
      expect(() => lstatSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      // New connections: no rendezvous any more, and TCP refuses.
      const refused = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(refused.errors.map((e) => e.code)).toEqual(['ECONNREFUSED']);
      expect(refused.info.reason).toBe(
        `no fast-path server for 127.0.0.1:${port} (no rendezvous at ${file}); using TCP`,
      );

      tcp.end();
      await once(tcp, 'close');
      await server.run(waitLog(1, 'socket close'));
      expect(await server.run(connections)).toBe(1);
      expect(await server.run('return state.log')).not.toContain('close');

      await client.run(`state.socket.end(); await once(state.socket, 'close');`);
      await server.run(waitLog(1, 'close'));
      const log = await server.run<string[]>(`${waitLog(2, 'socket close')}`);
      expect(log.filter((entry) => entry === 'close')).toEqual(['close']);
      // As with node:net, the server's 'close' follows the end of its last connection (the
      // socket's own 'close' may come a turn later, once libuv has closed its handle).
      expect(
        log.filter((entry) => ['close() called', 'socket end', 'close'].includes(entry)),
      ).toEqual(['close() called', 'socket end', 'socket end', 'close']);
      expect([...server.troubles(), ...client.troubles()]).toEqual([]);
    });

    async function maxConnectionsScenario(label: string) {
      const tmp = freshTemp(label);
      const server = await agent(tmp);
      const { port } = await server.run<{ port: number }>(
        loggingServer('server.maxConnections = 1;'),
      );
      const client = await agent(tmp);
      const hold = `
        state.held = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        state.held.on('error', () => {});
        await once(state.held, 'connect');
        return info(state.held).state;`;
      const refusedFast = `
        const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
        socket.end();
        const read = await drain(socket);
        return { state: info(socket).state, bytes: read.bytes, errors: read.errors };`;
      // A fast-path connection held, then one more of each kind.
      expect(await client.run(hold)).toBe('enabled');
      await server.run(waitLog(1, 'connection enabled'));
      const secondFast = await client.run(refusedFast);
      const secondTcp = await plainExchange(port, '127.0.0.1');
      await client.run(`state.held.end(); await once(state.held, 'close');`);
      await server.run(waitLog(1, 'socket close'));
      // A TCP connection held, then one more of each kind.
      const held = netConnect(port, '127.0.0.1');
      held.on('error', () => {});
      await once(held, 'connect');
      await server.run(waitLog(1, 'connection no-fast-peer'));
      const thirdFast = await client.run(refusedFast);
      const thirdTcp = await plainExchange(port, '127.0.0.1');
      held.end();
      await once(held, 'close');
      await server.run(waitLog(2, 'socket close'));
      return {
        log: await server.run<string[]>('return state.log'),
        refused: [secondFast, thirdFast],
        tcp: [secondTcp, thirdTcp].map(({ text, errors }) => ({ text, errors })),
      };
    }

    it('maxConnections = 1 refuses a second connection over either transport', async () => {
      const { log, refused, tcp } = await maxConnectionsScenario('max');
      expect(log.filter((entry) => entry.startsWith('connection'))).toEqual([
        'connection enabled',
        'connection no-fast-peer',
      ]);
      expect(refused).toEqual([
        { state: 'enabled', bytes: 0, errors: [] },
        { state: 'enabled', bytes: 0, errors: [] },
      ]);
      expect(tcp).toEqual([
        { text: '', errors: [] },
        { text: '', errors: [] },
      ]);
    });

    it("maxConnections: each refused connection is announced by 'drop', over either transport, as node:net does", async () => {
      const { log } = await maxConnectionsScenario('drop');
      // Two refused over the rendezvous, two over TCP.
      expect(log.filter((entry) => entry === 'drop')).toEqual(['drop', 'drop', 'drop', 'drop']);
    });

    it.each([
      ['before listen()', 'server.unref();', ''],
      ['once listening', '', 'server.unref();'],
    ])(
      'a process whose only fast-path server is unref()ed %s exits, and its socket file goes',
      async (_when, before, after) => {
        const tmp = freshTemp('unref');
        const server = await agent(tmp);
        const { port, info } = await server.run<{ port: number; info: Info }>(`
        const server = L.createServer(FAST, (socket) => socket.end('alive'));
        ${before}
        const port = await listen(server, 0, '127.0.0.1');
        ${after}
        return { port, info: info(server) };`);
        const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
        expect(info.state).toBe('enabled');
        expect(lstatSync(file).isSocket()).toBe(true);
        server.end();
        expect(await server.exited).toEqual({ code: 0, signal: null });
        expect(() => lstatSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      },
    );

    it('a server unref()ed then ref()ed again keeps its process serving', async () => {
      const tmp = freshTemp('ref');
      const server = await agent(tmp);
      const { port } = await server.run<{ port: number }>(`
        const server = L.createServer(FAST, (socket) => socket.end('alive'));
        const port = await listen(server, 0, '127.0.0.1');
        server.unref();
        server.ref();
        return { port };`);
      server.end();
      await server.event('stdin-closed');
      const client = await agent(tmp);
      const result = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(result).toMatchObject({ text: 'alive', info: { state: 'enabled' } });
      expect(server.ended).toBe(false);
    });
  });

  describe('lifecycle of the socket file', () => {
    it('removed when the server process ends with process.exit()', async () => {
      const tmp = freshTemp('exit');
      const server = await agent(tmp);
      const { port } = await server.run<{ port: number }>(idServer('exit', "0, '127.0.0.1'"));
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      expect(lstatSync(file).isSocket()).toBe(true);
      await server.run('setImmediate(() => process.exit(0));');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(() => lstatSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      expect(readdirSync(userDirectory(tmp))).toEqual([]);
    });

    it('left by a SIGKILLed server: clients fall back to TCP with the stale reason, and the next fast-path server replaces it', async () => {
      const tmp = freshTemp('stale');
      const first = await agent(tmp);
      const { port } = await first.run<{ port: number }>(idServer('first', "0, '127.0.0.1'"));
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      expect(lstatSync(file).isSocket()).toBe(true);

      const client = await agent(tmp);
      const stale = {
        requested: true,
        state: 'no-fast-peer',
        mechanism: null,
        backend,
        reason: `the rendezvous ${file} is stale (ECONNREFUSED: its server is gone); using TCP`,
        error: expect.objectContaining({ code: 'ECONNREFUSED' }),
      };
      // Nobody at all: TCP's own refusal, once.
      const nobody = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(nobody.errors.map((e) => e.code)).toEqual(['ECONNREFUSED']);
      expect(nobody.info).toEqual(stale);
      // A plain TCP server on the port: reached over TCP.
      await plainServer('127.0.0.1', 'plain', port);
      const plain = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(plain.text).toBe('plain');
      expect(plain.info).toEqual(stale);
      await closePlainServers();
      // The next fast-path server on the port replaces the stale file; clients upgrade again.
      const second = await agent(tmp);
      const again = await second.run<{ port: number; info: Info }>(
        idServer('second', `${port}, '127.0.0.1'`),
      );
      expect(again.info).toEqual(
        enabled(backend, `listening on TCP and on the rendezvous ${file}`),
      );
      const upgraded = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(JSON.parse(upgraded.text).id).toBe('second');
      expect(upgraded.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
    });
    it('a client that found no rendezvous on a port takes it as soon as a fast-path server listens there', async () => {
      const tmp = freshTemp('appears');
      const port = await freePort();
      const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
      await plainServer('127.0.0.1', 'plain', port);
      const client = await agent(tmp);
      for (let i = 0; i < 3; i++) {
        const plain = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
        expect(plain.text).toBe('plain');
        expect(plain.info).toMatchObject({
          state: 'no-fast-peer',
          reason: `no fast-path server for 127.0.0.1:${port} (no rendezvous at ${file}); using TCP`,
        });
      }
      await closePlainServers();
      const server = await agent(tmp);
      const listening = await server.run<{ info: Info }>(idServer('late', `${port}, '127.0.0.1'`));
      expect(listening.info.state).toBe('enabled');
      const upgraded = await client.run<Reply>(fastRequest(port, '127.0.0.1'));
      expect(JSON.parse(upgraded.text).id).toBe('late');
      expect(upgraded.info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
    });

    it("a setup lock: a dead process's (or an unreadable one) is taken over; a live process's keeps the rendezvous to its holder", async () => {
      const tmp = freshTemp('lock');
      const dir = userDirectory(tmp);
      mkdirSync(dir, { mode: 0o700 });
      const gone = new Proc(process.execPath, ['-e', '']);
      await gone.exited;
      const server = await agent(tmp);
      for (const content of [String(gone.child.pid), '', 'not a pid']) {
        const port = await freePort();
        const file = rendezvousFile(dir, '127.0.0.1', port);
        writeFileSync(`${file}.lock`, content, { mode: 0o600 });
        const result = await server.run<{ info: Info }>(idServer(content, `${port}, '127.0.0.1'`));
        expect(result.info).toEqual(
          enabled(backend, `listening on TCP and on the rendezvous ${file}`),
        );
        expect(lstatSync(file).isSocket()).toBe(true);
        expect(() => lstatSync(`${file}.lock`)).toThrow(
          expect.objectContaining({ code: 'ENOENT' }),
        );
      }
      const port = await freePort();
      const file = rendezvousFile(dir, '127.0.0.1', port);
      writeFileSync(`${file}.lock`, String(process.pid), { mode: 0o600 });
      const held = await server.run<{ info: Info }>(idServer('held', `${port}, '127.0.0.1'`));
      expect(held.info).toEqual(servedElsewhere(backend, file));
      expect(readdirSync(dir)).toContain(`${basename(file)}.lock`);
      expect(() => lstatSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    });
  });

  describe('two listeners on one port', () => {
    it('127.0.0.1:P and ::1:P in one process: two socket files, each client reaches its own server', async () => {
      const tmp = freshTemp('two');
      const server = await agent(tmp);
      let port = 0;
      for (let tries = 0; port === 0 && tries < 10; tries++) {
        const candidate = await freePort();
        const result = await server.run<{ ok: boolean }>(`
          const v4 = L.createServer(FAST, (socket) => socket.end('v4'));
          const v6 = L.createServer(FAST, (socket) => socket.end('v6'));
          try {
            await listen(v4, ${candidate}, '127.0.0.1');
            await listen(v6, ${candidate}, '::1');
          } catch (error) {
            if (error.code !== 'EADDRINUSE') throw error;
            v4.close();
            return { ok: false };
          }
          return { ok: true };`);
        if (result.ok) port = candidate;
      }
      expect(port).not.toBe(0);
      const dir = userDirectory(tmp);
      expect(readdirSync(dir).sort()).toEqual(
        [`${NS}_127.0.0.1_${port}`, `${NS}_::1_${port}`].sort(),
      );
      const client = await agent(tmp);
      for (const [host, reply] of [
        ['127.0.0.1', 'v4'],
        ['::1', 'v6'],
      ] as const) {
        const result = await client.run<Reply>(fastRequest(port, host));
        expect(result.text).toBe(reply);
        expect(result.info).toEqual(
          enabled(backend, `connected over the rendezvous ${rendezvousFile(dir, host, port)}`),
        );
      }
    });

    it.runIf(HAS_REUSE_PORT)(
      'reusePort: the second live listener says the rendezvous is served by another listener',
      async () => {
        const tmp = freshTemp('reuse');
        const server = await agent(tmp);
        const result = await server.run<{ port: number; infos: Info[] }>(`
        const one = L.createServer(FAST, (socket) => socket.end('one'));
        const two = L.createServer(FAST, (socket) => socket.end('two'));
        const port = await listen(one, { port: 0, host: '127.0.0.1', reusePort: true });
        await listen(two, { port, host: '127.0.0.1', reusePort: true });
        return { port, infos: [info(one), info(two)] };`);
        const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', result.port);
        expect(result.infos).toEqual([
          enabled(backend, `listening on TCP and on the rendezvous ${file}`),
          servedElsewhere(backend, file),
        ]);
        const client = await agent(tmp);
        const fast = await client.run<Reply>(fastRequest(result.port, '127.0.0.1'));
        expect(fast).toMatchObject({ text: 'one', info: { state: 'enabled' } });
      },
    );

    it.each([
      ['', 'none'],
      [', even when their checks for a stale socket file overlap', 'checks'],
      [', even when one finds the setup lock of the other still empty', 'writes'],
    ] as const)(
      'cluster: two workers share the port and the rendezvous; fast-path and TCP clients reach both%s',
      async (_title, slow) => {
        const tmp = freshTemp('cluster');
        const script = writeScript(`cluster-${backend}-${slow}.mjs`, clusterScript(backend, slow));
        // Started in the temporary directory: the primary then binds the workers' socket file
        // by its shorter relative path, which is how the kernel's table shows it.
        const primary = new Proc(process.execPath, [script], { env: childEnv(tmp), cwd: tmp });
        const workerPids: number[] = [];
        try {
          await primary.waitFor(
            () => primary.events('worker').length === 2,
            'two listening workers',
          );
          const workers = primary.events<{ id: number; port: number; info: Info; pid: number }>(
            'worker',
          );
          workerPids.push(...workers.map((worker) => worker.pid));
          const port = workers[0]?.port as number;
          expect(workers.map((worker) => worker.port)).toEqual([port, port]);
          const file = rendezvousFile(userDirectory(tmp), '127.0.0.1', port);
          for (const worker of workers) {
            expect(worker.info).toEqual(
              enabled(backend, `listening on TCP and on the rendezvous ${file}`),
            );
          }
          const client = await agent(tmp);
          const fast = await client.run<{ info: Info; reply: { worker: number; info: Info } }[]>(`
          const out = [];
          for (let i = 0; i < 20; i++) {
            const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
            socket.end();
            const read = await drain(socket);
            out.push({ info: info(socket), reply: JSON.parse(read.text) });
          }
          return out;`);
          expect(fast).toHaveLength(20);
          for (const { info, reply } of fast) {
            expect(info).toEqual(enabled(backend, `connected over the rendezvous ${file}`));
            expect(reply.info).toEqual(enabled(backend, `accepted over the rendezvous ${file}`));
          }
          const ids = new Set(workers.map((worker) => worker.id));
          expect(new Set(fast.map(({ reply }) => reply.worker))).toEqual(ids);
          const tcp: { worker: number; info: Info }[] = [];
          for (let i = 0; i < 20; i++) {
            tcp.push(JSON.parse((await plainExchange(port, '127.0.0.1')).text));
          }
          expect(new Set(tcp.map((reply) => reply.worker))).toEqual(ids);
          for (const reply of tcp) {
            expect(reply.info).toMatchObject({
              state: 'no-fast-peer',
              reason: expect.stringMatching(/^accepted over TCP/),
            });
          }
          // The workers disconnect: their servers close, and the cluster's listeners with them.
          primary.end();
          expect(await primary.exited).toEqual({ code: 0, signal: null });
          expect(() => lstatSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
        } finally {
          await primary.kill();
          killPids(workerPids);
        }
      },
    );
  });
});
