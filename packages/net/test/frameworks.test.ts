/**
 * The frameworks people use, end to end, in two processes both started with the preload and
 * nothing else: no line of the scripts asks for the fast path. Express with Node's `fetch`,
 * Fastify with undici's `request`, a WebSocket server and client (`ws`), and `redis-server`
 * (which knows nothing of loopfast) with a preloaded `ioredis` client, over TCP.
 */
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  NET_URL,
  Proc,
  removeScripts,
  stopAll,
  UNDICI_URL,
  writeScript,
} from './support/agents.js';
import { dataOf, runScript, startScript } from './support/preload.js';
import { freePort, freshTemp, removeTemps } from './support/rendezvous.js';

const require = createRequire(import.meta.url);
const url = (name: string) => pathToFileURL(require.resolve(name)).href;

afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

const OUT = `const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const status = (socket) => { const found = fastPathInfo(socket); return { state: found.state, mechanism: found.mechanism }; };
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));`;

const EXPRESS_SERVER = writeScript(
  'express-server.mjs',
  `
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const express = (await import(${JSON.stringify(url('express'))})).default;
${OUT}
const app = express();
app.get('/hello', (req, res) => res.json({ ...status(req.socket), ip: req.ip, greeting: 'hello ' + req.query.name }));
const server = app.listen(0, '127.0.0.1', () => out('listening', { port: server.address().port }));
`,
);

const FASTIFY_SERVER = writeScript(
  'fastify-server.mjs',
  `
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const Fastify = (await import(${JSON.stringify(url('fastify'))})).default;
${OUT}
const app = Fastify();
app.post('/echo', async (request) => ({ ...status(request.raw.socket), ip: request.ip, body: request.body }));
await app.listen({ port: 0, host: '127.0.0.1' });
out('listening', { port: app.server.address().port });
`,
);

const WS_SERVER = writeScript(
  'ws-server.mjs',
  `
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const { WebSocketServer } = (await import(${JSON.stringify(url('ws'))})).default;
${OUT}
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => out('listening', { port: wss.address().port }));
wss.on('connection', (socket, req) => {
  socket.on('message', (data) => socket.send(JSON.stringify({ ...status(req.socket), echo: String(data) })));
});
`,
);

/** \`node client.mjs <port> <kind>\`. */
const CLIENT = writeScript(
  'framework-client.mjs',
  `
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const [port, kind] = [Number(process.argv[2]), process.argv[3]];
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const status = (socket) => { const found = fastPathInfo(socket); return { state: found.state, mechanism: found.mechanism, reason: found.reason }; };
if (kind === 'fetch') {
  const response = await fetch('http://127.0.0.1:' + port + '/hello?name=express');
  out('result', { body: await response.json() });
} else if (kind === 'undici') {
  const { request } = await import(${JSON.stringify(UNDICI_URL)});
  const response = await request('http://127.0.0.1:' + port + '/echo', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 42 }),
  });
  out('result', { body: await response.body.json() });
} else if (kind === 'ws') {
  const WebSocket = (await import(${JSON.stringify(url('ws'))})).default;
  const socket = new WebSocket('ws://127.0.0.1:' + port + '/');
  socket.on('open', () => socket.send('ping'));
  socket.on('message', (data) => {
    out('result', { body: JSON.parse(String(data)), client: status(socket._socket) });
    socket.close();
  });
  socket.on('error', (error) => out('failed', { message: error.message }));
} else if (kind === 'redis') {
  const Redis = (await import(${JSON.stringify(url('ioredis'))})).default;
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await redis.connect();
  await redis.set('loopfast:test', 'over tcp');
  const value = await redis.get('loopfast:test');
  const client = status(redis.stream);
  await redis.quit();
  out('result', { body: { value }, client });
}
`,
);

interface Answer {
  readonly body: Record<string, unknown> & { state?: string; mechanism?: string | null };
  readonly client?: { state: string; mechanism: string | null; reason: string };
}

const RENDEZVOUS = { state: 'enabled', mechanism: 'unix-rendezvous' };

async function pair(server: string, kind: string) {
  const tmp = freshTemp('frameworks');
  const { port } = await startScript(server, { tmp });
  const run = await runScript(CLIENT, { tmp, args: [String(port), kind] });
  return { run, answer: dataOf<Answer>(run, 'result') };
}

describe('frameworks, both sides started with the preload', () => {
  it('Express, with fetch', async () => {
    const { answer, run } = await pair(EXPRESS_SERVER, 'fetch');
    expect(answer.body).toEqual({ ...RENDEZVOUS, ip: '127.0.0.1', greeting: 'hello express' });
    expect(run.stderr).not.toMatch(/Warning/);
  });

  it("Fastify, with undici's request", async () => {
    const { answer } = await pair(FASTIFY_SERVER, 'undici');
    expect(answer.body).toEqual({ ...RENDEZVOUS, ip: '127.0.0.1', body: { n: 42 } });
  });

  it('ws, server and client', async () => {
    const { answer } = await pair(WS_SERVER, 'ws');
    expect(answer.body).toEqual({ ...RENDEZVOUS, echo: 'ping' });
    expect(answer.client).toMatchObject(RENDEZVOUS);
  });
});

/** Waits until something accepts TCP connections on 127.0.0.1:`port` (bounded). */
async function waitForListener(port: number, proc: Proc): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (proc.ended) throw new Error(`redis-server ended: ${proc.describe()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port}: ${proc.describe()}`);
}

describe('a server that did not opt in', () => {
  it('redis-server with a preloaded ioredis: TCP, working', async () => {
    const tmp = freshTemp('frameworks');
    const port = await freePort();
    const redis = new Proc('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmp,
    ]);
    await waitForListener(port, redis);
    const run = await runScript(CLIENT, { tmp, args: [String(port), 'redis'] });
    const answer = dataOf<Answer>(run, 'result');
    expect(answer.body).toEqual({ value: 'over tcp' });
    expect(answer.client?.state).toBe('no-fast-peer');
    expect(answer.client?.reason).toMatch(/rendezvous/);
  });
});
