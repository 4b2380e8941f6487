/**
 * The preload (`@loopfast/net/register`) across real processes: an `http` server and clients
 * (`http.get`, Node's `fetch`, a bare `new net.Socket().connect()` as `pg` makes it, a named ES
 * import of `connect`) each started with the preload and nothing else: no line of the scripts
 * asks for the fast path. The server reports how each request came in. Clients and servers
 * without the preload keep working against those with it, over TCP.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NET_URL, removeScripts, stopAll, writeScript } from './support/agents.js';
import { dataOf, type PreloadFlag, runScript, startScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

const REGISTER_URL = NET_URL.replace(/index\.js$/, 'register.js');

/** An `http` server on 127.0.0.1 that answers each request with how its socket came in. */
const SERVER = writeScript(
  'preload-server.mjs',
  `
import http from 'node:http';
import net from 'node:net';
import { attachFastPath, fastPathInfo } from ${JSON.stringify(NET_URL)};
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const server = http.createServer((req, res) => {
  const info = fastPathInfo(req.socket);
  res.setHeader('content-type', 'application/json');
  res.setHeader('connection', 'close');
  res.end(JSON.stringify({ state: info.state, mechanism: info.mechanism, remoteAddress: req.socket.remoteAddress, url: req.url }));
});
// The program may also ask for the fast path itself: the preload then leaves the server be.
if (process.argv[2] === 'attach') attachFastPath(server, { loopbackFastPath: true });
server.listen(0, '127.0.0.1', () =>
  out('listening', { port: server.address().port, server: fastPathInfo(server).state, patched: net.connect.name }));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
);

/**
 * A client: \`node client.mjs <port> <mode>\`; prints \`result\` with the server's answer and the
 * client socket's status. \`child\` runs \`http-get\` in a child process that inherits only the
 * environment (so only NODE_OPTIONS can carry the preload there).
 */
const CLIENT = writeScript(
  'preload-client.mjs',
  `
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net, { connect as namedConnect } from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const [port, mode] = [Number(process.argv[2]), process.argv[3]];
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const status = (socket) => {
  const info = fastPathInfo(socket);
  return { state: info.state, mechanism: info.mechanism, reason: info.reason };
};
const raw = (socket) =>
  new Promise((resolve, reject) => {
    let text = '';
    socket.on('connect', () => socket.write('GET /' + mode + ' HTTP/1.0\\r\\n\\r\\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('error', reject);
    socket.on('end', () => resolve({ body: JSON.parse(text.split('\\r\\n\\r\\n')[1]), client: status(socket) }));
  });
async function run() {
  if (mode === 'http-get') {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/http-get' }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => resolve({ body: JSON.parse(text), client: status(request.socket) }));
      });
      request.on('error', reject);
    });
  }
  if (mode === 'fetch') {
    const response = await fetch('http://127.0.0.1:' + port + '/fetch');
    return { body: await response.json(), client: null };
  }
  if (mode === 'bare') return raw(new net.Socket().connect(port, '127.0.0.1'));
  if (mode === 'bare-localhost') return raw(new net.Socket().connect({ port, host: 'localhost', family: 4 }));
  if (mode === 'named') return raw(namedConnect(port, '127.0.0.1'));
  if (mode === 'child') {
    const child = spawnSync(process.execPath, [process.argv[1], String(port), 'http-get'], { encoding: 'utf8' });
    return JSON.parse(child.stdout.trim().split('\\n').pop()).data;
  }
  throw new Error('unknown mode ' + mode);
}
out('patched', { connect: net.connect.name, named: namedConnect === net.connect });
out('result', await run());
`,
);

/** The same client as a CommonJS program, for `--require`. */
const CJS_CLIENT = writeScript(
  'preload-client.cjs',
  `
const http = require('node:http');
const net = require('node:net');
const port = Number(process.argv[2]);
http.get({ host: '127.0.0.1', port, path: '/cjs' }, (response) => {
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => { text += chunk; });
  response.on('end', () => {
    process.stdout.write(JSON.stringify({ event: 'result', data: { body: JSON.parse(text), connect: net.connect.name } }) + '\\n');
  });
});
`,
);

/** Loads the preload again, and the package, on top of the command line's preload. */
const TWICE = writeScript(
  'preload-twice.mjs',
  `
import net from 'node:net';
const before = net.connect;
await import(${JSON.stringify(REGISTER_URL)});
await import(${JSON.stringify(NET_URL)});
await import(${JSON.stringify(`${REGISTER_URL}?again`)});
process.stdout.write(JSON.stringify({ event: 'same', data: net.connect === before && net.connect.name === 'preloadConnect' }) + '\\n');
await import(${JSON.stringify(pathToClient())});
`,
);

/**
 * A cluster primary forking two workers, each an \`http\` server on one shared port, and a
 * worker thread that makes a request to them; the primary reports what each answered.
 */
const CLUSTER = writeScript(
  'preload-cluster.mjs',
  `
import cluster from 'node:cluster';
import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
// A worker thread also reads cluster.isPrimary as true: ask it first.
if (!isMainThread) {
  http.get({ host: '127.0.0.1', port: workerData }, (response) => {
    const socket = response.socket;
    let text = '';
    response.on('data', (chunk) => { text += chunk; });
    response.on('end', () => parentPort.postMessage({ server: JSON.parse(text), client: fastPathInfo(socket).mechanism }));
  });
} else if (cluster.isPrimary) {
  const workers = [cluster.fork(), cluster.fork()];
  let port = 0;
  let listening = 0;
  for (const worker of workers) {
    worker.on('message', async (message) => {
      port = message.port;
      if (++listening < workers.length) return;
      const thread = new Worker(new URL(import.meta.url), { workerData: port });
      thread.on('message', (answer) => {
        out('result', answer);
        for (const each of workers) each.kill();
      });
    });
  }
} else if (cluster.isWorker) {
  const server = http.createServer((req, res) =>
    res.end(JSON.stringify({ mechanism: fastPathInfo(req.socket).mechanism, worker: cluster.worker.id })));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}
`,
);

/**
 * A cluster primary forking workers one after another; each worker listens twice (Node allows a
 * second `listen()` while the first waits for the primary), then closes and disconnects as soon
 * as its server listens. The primary reports each worker's exit code.
 */
const CLUSTER_QUICK_EXIT = writeScript(
  'preload-cluster-quick-exit.mjs',
  `
import cluster from 'node:cluster';
import net from 'node:net';
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
if (cluster.isPrimary) {
  const codes = [];
  for (let i = 0; i < 5; i++) {
    const worker = cluster.fork();
    codes.push(await new Promise((resolve) => worker.on('exit', resolve)));
  }
  out('result', codes);
} else {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  server.listen(0, '127.0.0.1');
  server.on('listening', () => server.close(() => process.disconnect()));
}
`,
);

function pathToClient(): string {
  return new URL(`file://${CLIENT}`).href;
}

interface Answer {
  readonly body: { state: string; mechanism: string | null; remoteAddress: string; url: string };
  readonly client: { state: string; mechanism: string | null; reason: string } | null;
}

afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

async function server(tmp: string, preload: PreloadFlag = 'import', env = {}) {
  return startScript(SERVER, { tmp, preload, env });
}

async function client(
  tmp: string,
  port: number,
  mode: string,
  preload: PreloadFlag = 'import',
  env = {},
) {
  const run = await runScript(CLIENT, { tmp, preload, env, args: [String(port), mode] });
  return { run, answer: dataOf<Answer>(run, 'result') };
}

const RENDEZVOUS_BODY = { state: 'enabled', mechanism: 'unix-rendezvous' };

describe('both processes started with the preload', () => {
  it.each(['http-get', 'fetch', 'bare', 'bare-localhost', 'named'])(
    '%s goes over the rendezvous',
    async (mode) => {
      const tmp = freshTemp('preload');
      const { port } = await server(tmp);
      const { run, answer } = await client(tmp, port, mode);
      expect(answer.body).toEqual({
        state: 'enabled',
        mechanism: 'unix-rendezvous',
        remoteAddress: '127.0.0.1',
        url: `/${mode}`,
      });
      if (answer.client) expect(answer.client.mechanism).toBe('unix-rendezvous');
      expect(dataOf(run, 'patched')).toEqual({ connect: 'preloadConnect', named: true });
      expect(run.stderr).not.toMatch(/Warning/);
    },
  );

  it('the server itself reports the rendezvous', async () => {
    const tmp = freshTemp('preload');
    const { proc } = await server(tmp);
    expect(await proc.event('listening')).toMatchObject({
      server: 'enabled',
      patched: 'preloadConnect',
    });
  });

  it('a server the program attaches itself is attached once', async () => {
    const tmp = freshTemp('preload');
    const { proc, port } = await startScript(SERVER, { tmp, args: ['attach'] });
    expect(await proc.event('listening')).toMatchObject({ server: 'enabled' });
    const { answer } = await client(tmp, port, 'http-get');
    expect(answer.body).toMatchObject(RENDEZVOUS_BODY);
  });

  it('--require works for a CommonJS program', async () => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp, 'require');
    const run = await runScript(CJS_CLIENT, { tmp, preload: 'require', args: [String(port)] });
    expect(dataOf(run, 'result')).toEqual({
      body: {
        state: 'enabled',
        mechanism: 'unix-rendezvous',
        remoteAddress: '127.0.0.1',
        url: '/cjs',
      },
      connect: 'preloadConnect',
    });
    expect(run.stderr).not.toMatch(/Warning/);
  });

  it('NODE_OPTIONS carries the preload to a child process', async () => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp);
    const { answer } = await client(tmp, port, 'child', 'none', {
      NODE_OPTIONS: '--import @loopfast/net/register',
    });
    expect(answer.body.mechanism).toBe('unix-rendezvous');
    expect(answer.client?.mechanism).toBe('unix-rendezvous');
  });

  it('NODE_OPTIONS carries it to cluster workers and worker threads', async () => {
    const tmp = freshTemp('preload');
    const run = await runScript(CLUSTER, {
      tmp,
      preload: 'none',
      env: { NODE_OPTIONS: '--import @loopfast/net/register' },
    });
    const answer = dataOf<{ server: { mechanism: string; worker: number }; client: string }>(
      run,
      'result',
    );
    expect(answer.server.mechanism).toBe('unix-rendezvous');
    expect([1, 2]).toContain(answer.server.worker);
    expect(answer.client).toBe('unix-rendezvous');
  });

  it('a cluster worker that disconnects as soon as its server listens leaves its primary running', async () => {
    // The primary answers the worker's rendezvous listen after the worker's server listens: a
    // worker gone by then made that answer fail with EPIPE, which ended the primary.
    for (const preload of ['import', 'require'] as const) {
      const run = await runScript(CLUSTER_QUICK_EXIT, { tmp: freshTemp('preload'), preload });
      expect(dataOf<number[]>(run, 'result')).toEqual([0, 0, 0, 0, 0]);
      expect(run.stderr).not.toMatch(/EPIPE/);
    }
  });

  it('a child without NODE_OPTIONS gets no preload (the control case)', async () => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp);
    const { answer } = await client(tmp, port, 'child', 'import');
    expect(answer.body).toMatchObject({ state: 'no-fast-peer', mechanism: null });
    expect(answer.client?.state).toBe('disabled');
  });

  it('loading it twice and importing the package too changes nothing more', async () => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp);
    const run = await runScript(TWICE, { tmp, args: [String(port), 'http-get'] });
    expect(dataOf(run, 'same')).toBe(true);
    expect(dataOf<Answer>(run, 'result').body.mechanism).toBe('unix-rendezvous');
    expect(run.stderr).not.toMatch(/Warning/);
  });
});

describe('one side without the preload: TCP, working', () => {
  it.each(['http-get', 'fetch', 'bare'])(
    'a preloaded %s client against a plain server',
    async (mode) => {
      const tmp = freshTemp('preload');
      const { port } = await server(tmp, 'none');
      const { answer } = await client(tmp, port, mode);
      expect(answer.body).toMatchObject({ state: 'disabled', mechanism: null, url: `/${mode}` });
      if (answer.client) {
        expect(answer.client.state).toBe('no-fast-peer');
        expect(answer.client.reason).toMatch(/rendezvous/);
      }
    },
  );

  it.each(['http-get', 'bare'])('a plain %s client against a preloaded server', async (mode) => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp);
    const { answer, run } = await client(tmp, port, mode, 'none');
    expect(answer.body).toMatchObject({ state: 'no-fast-peer', mechanism: null, url: `/${mode}` });
    expect(dataOf(run, 'patched')).toEqual({ connect: 'connect', named: true });
  });
});

describe('configuration by environment', () => {
  it('LOOPFAST_DISABLE=1 leaves Node untouched on both sides', async () => {
    const tmp = freshTemp('preload');
    const env = { LOOPFAST_DISABLE: '1' };
    const { proc, port } = await server(tmp, 'import', env);
    expect(await proc.event('listening')).toMatchObject({ server: 'disabled', patched: 'connect' });
    const { answer, run } = await client(tmp, port, 'http-get', 'import', env);
    expect(answer.body).toMatchObject({ state: 'disabled', mechanism: null });
    expect(dataOf(run, 'patched')).toEqual({ connect: 'connect', named: true });
  });

  it('a misspelt LOOPFAST_ variable gives one warning with a code, and nothing else changes', async () => {
    const tmp = freshTemp('preload');
    const { port } = await server(tmp);
    const env = { LOOPFAST_DISABEL: '1', LOOPFAST_BACKNED: 'ffi' };
    const run = await runScript(TWICE, { tmp, env, args: [String(port), 'http-get'] });
    const warnings = run.stderr.match(/\[LOOPFAST_UNKNOWN_ENV\]/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(run.stderr).toContain('LOOPFAST_BACKNED, LOOPFAST_DISABEL');
    expect(dataOf<Answer>(run, 'result').body.mechanism).toBe('unix-rendezvous');
  });
});
