/**
 * TLS, HTTPS and HTTP/2 over the fast path, between two real processes: servers made by Node
 * (`https`, `tls`, `http2`) given the fast path by `attachFastPath` or by the preload, and
 * clients from `connectTls`, `FastPathHttpsAgent`, the undici connector, `http2.connect`, or
 * Node's own `https.get`, `tls.connect`, `http2.connect` and `fetch` under the preload.
 * Certificates are made for the run with `openssl`; the checks of a wrong CA and a wrong name
 * show that the handshake is Node's, intact.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLoopfast, FastPathHttpsAgent } from '../src/index.js';
import { NET_URL, removeScripts, stopAll, UNDICI_URL, writeScript } from './support/agents.js';
import { type Certificates, makeCertificates } from './support/certificates.js';
import { dataOf, type PreloadFlag, runScript, startScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

let certs: Certificates;
let certDir: string;
beforeAll(() => {
  certDir = freshTemp('certs');
  certs = makeCertificates(certDir);
});
afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

/** `node server.mjs <kind> <attach|plain>`: kind is https, tls, h2c or h2. */
const SERVER = writeScript(
  'tls-server.mjs',
  `
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { attachFastPath, fastPathInfo } from ${JSON.stringify(NET_URL)};
const [kind, how] = process.argv.slice(2);
const dir = process.env.TEST_CERT_DIR;
const key = fs.readFileSync(dir + '/server.key');
const cert = fs.readFileSync(dir + '/server.pem');
const info = (socket) => {
  const found = fastPathInfo(socket);
  return { state: found.state, mechanism: found.mechanism, encrypted: Boolean(socket.encrypted) };
};
const answer = (req, res) => res.end(JSON.stringify({ ...info(req.socket), http: req.httpVersion }));
const server =
  kind === 'https' ? https.createServer({ key, cert }, answer)
  : kind === 'tls' ? tls.createServer({ key, cert }, (socket) => socket.end(JSON.stringify(info(socket))))
  : kind === 'h2c' ? http2.createServer(answer)
  : http2.createSecureServer({ key, cert }, answer);
if (how === 'attach') attachFastPath(server, { loopbackFastPath: true });
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(JSON.stringify({ event: 'listening', data: { port: server.address().port, server: fastPathInfo(server).state } }) + '\\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
);

/** \`node client.mjs <port> <mode>\`: prints \`result\` (the server's answer and the client's status) or \`failed\`. */
const CLIENT = writeScript(
  'tls-client.mjs',
  `
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import * as lf from ${JSON.stringify(NET_URL)};
const [port, mode] = [Number(process.argv[2]), process.argv[3]];
const dir = process.env.TEST_CERT_DIR;
const ca = fs.readFileSync(dir + '/ca.pem');
const otherCa = fs.readFileSync(dir + '/other.pem');
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const status = (socket) => {
  const found = lf.fastPathInfo(socket);
  return { state: found.state, mechanism: found.mechanism };
};
const readTls = (socket) =>
  new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('error', reject);
    socket.on('end', () => resolve({ body: JSON.parse(text), client: status(socket), authorized: socket.authorized }));
  });
const httpsGet = (options) =>
  new Promise((resolve, reject) => {
    const request = https.get({ host: 'localhost', port, path: '/', ...options }, (response) => {
      const socket = response.socket;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ body: JSON.parse(text), client: status(socket), authorized: socket.authorized }));
    });
    request.on('error', reject);
  });
const h2 = (authority, options) =>
  new Promise((resolve, reject) => {
    const session = http2.connect(authority, options);
    session.on('error', reject);
    const stream = session.request({ ':path': '/' });
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => { text += chunk; });
    stream.on('error', reject);
    stream.on('end', () => {
      const client = status(session.socket);
      session.close();
      resolve({ body: JSON.parse(text), client });
    });
  });
const undiciRequest = async (options) => {
  const undici = await import(${JSON.stringify(UNDICI_URL)});
  const dispatcher = new undici.Agent({ connect: lf.createUndiciConnector(options) });
  try {
    const response = await undici.request('https://localhost:' + port + '/', { dispatcher });
    return { body: await response.body.json(), client: null };
  } finally {
    await dispatcher.close();
  }
};
const bound = lf.createLoopfast({ backend: 'ffi', loopbackFastPath: true });
const withBackend = async (socket, read) => ({ ...(await read), backend: lf.fastPathInfo(socket).backend });
const modes = {
  boundConnectTls: () => {
    const socket = bound.connectTls({ host: 'localhost', port, ca });
    return withBackend(socket, readTls(socket));
  },
  boundConnectTlsOff: () => {
    const socket = bound.connectTls({ host: 'localhost', port, ca, loopbackFastPath: false });
    return withBackend(socket, readTls(socket));
  },
  boundHttpsAgent: () =>
    new Promise((resolve, reject) => {
      const request = https.get({ host: 'localhost', port, path: '/', agent: bound.createHttpsAgent({ ca }) }, (response) => {
        const socket = response.socket;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => resolve({ body: JSON.parse(text), client: status(socket), authorized: socket.authorized, backend: lf.fastPathInfo(socket).backend }));
      });
      request.on('error', reject);
    }),
  connectTls: () => readTls(lf.connectTls({ host: 'localhost', port, ca, loopbackFastPath: true })),
  connectTlsWrongCa: () => readTls(lf.connectTls({ host: 'localhost', port, ca: otherCa, loopbackFastPath: true })),
  connectTlsWrongName: () =>
    readTls(lf.connectTls({ host: '127.0.0.1', port, ca, servername: 'wrong.invalid', loopbackFastPath: true })),
  httpsAgent: () => httpsGet({ agent: new lf.FastPathHttpsAgent({ ca }) }),
  httpsAgentWrongCa: () => httpsGet({ agent: new lf.FastPathHttpsAgent({ ca: otherCa }) }),
  undici: () => undiciRequest({ ca }),
  undiciWrongCa: () => undiciRequest({ ca: otherCa }),
  h2c: () => h2('http://127.0.0.1:' + port, {
    createConnection: () => lf.connect({ host: '127.0.0.1', port, loopbackFastPath: true }),
  }),
  h2: () => h2('https://localhost:' + port, {
    createConnection: () =>
      lf.connectTls({ host: 'localhost', port, ca, servername: 'localhost', ALPNProtocols: ['h2'], loopbackFastPath: true }),
  }),
  // Node's own clients, nothing asked: the preload decides.
  httpsGet: () => httpsGet({ ca }),
  tlsConnect: () => readTls(tls.connect({ host: 'localhost', port, ca })),
  fetch: async () => ({ body: await (await fetch('https://localhost:' + port + '/')).json(), client: null }),
  h2cPlain: () => h2('http://127.0.0.1:' + port),
  h2Plain: () => h2('https://localhost:' + port, { ca }),
};
try {
  out('result', await modes[mode]());
} catch (error) {
  out('failed', { code: error.code ?? error.cause?.code, message: error.message });
}
`,
);

interface Answer {
  readonly body: { state: string; mechanism: string | null; encrypted: boolean; http?: string };
  readonly client: { state: string; mechanism: string | null } | null;
  readonly authorized?: boolean;
}

const RENDEZVOUS = { state: 'enabled', mechanism: 'unix-rendezvous' };

async function scenario(
  kind: string,
  mode: string,
  how: { server: 'attach' | 'plain'; preload: PreloadFlag },
) {
  const tmp = freshTemp('tls');
  const env = { TEST_CERT_DIR: certDir, NODE_EXTRA_CA_CERTS: certs.caFile };
  const { port } = await startScript(SERVER, {
    tmp,
    env,
    preload: how.preload,
    args: [kind, how.server],
  });
  return runScript(CLIENT, { tmp, env, preload: how.preload, args: [String(port), mode] });
}

const EXPLICIT = { server: 'attach', preload: 'none' } as const;
const PRELOADED = { server: 'plain', preload: 'import' } as const;

describe('TLS and HTTPS over the fast path, asked for in code', () => {
  it.each([
    ['tls', 'connectTls'],
    ['https', 'httpsAgent'],
    ['https', 'undici'],
  ])('a %s server, client %s', async (kind, mode) => {
    const run = await scenario(kind, mode, EXPLICIT);
    const answer = dataOf<Answer>(run, 'result');
    expect(answer.body).toMatchObject({ ...RENDEZVOUS, encrypted: true });
    if (answer.client) expect(answer.client).toEqual(RENDEZVOUS);
    if (answer.authorized !== undefined) expect(answer.authorized).toBe(true);
  });

  it.each([
    ['connectTlsWrongCa', /SELF_SIGNED|UNABLE_TO_VERIFY/],
    ['connectTlsWrongName', /^ERR_TLS_CERT_ALTNAME_INVALID$/],
    ['httpsAgentWrongCa', /SELF_SIGNED|UNABLE_TO_VERIFY/],
    ['undiciWrongCa', /SELF_SIGNED|UNABLE_TO_VERIFY/],
  ])('the certificate checks stay: %s fails', async (mode, code) => {
    const run = await scenario('https', mode, EXPLICIT);
    expect(run.messages.find((message) => message.event === 'result')).toBeUndefined();
    expect(dataOf<{ code: string }>(run, 'failed').code).toMatch(code);
  });
});

describe('createLoopfast: TLS and HTTPS with the defaults it binds', () => {
  it.each([
    ['tls', 'boundConnectTls'],
    ['https', 'boundHttpsAgent'],
  ])(
    'a %s server, client %s: the fast path and the backend come from the instance',
    async (kind, mode) => {
      const answer = dataOf<Answer & { backend: string }>(
        await scenario(kind, mode, EXPLICIT),
        'result',
      );
      expect(answer.body).toMatchObject({ ...RENDEZVOUS, encrypted: true });
      expect(answer.client).toEqual(RENDEZVOUS);
      expect(answer.authorized).toBe(true);
      expect(answer.backend).toBe('ffi');
    },
  );

  it("a call's own options win over the instance's", async () => {
    const answer = dataOf<Answer & { backend: string | null }>(
      await scenario('tls', 'boundConnectTlsOff', EXPLICIT),
      'result',
    );
    expect(answer.body).toMatchObject({ mechanism: null, encrypted: true });
    expect(answer.client).toEqual({ state: 'disabled', mechanism: null });
    expect(answer.authorized).toBe(true);
  });

  it('checks its options where they are given, as the top-level functions do', () => {
    const { connectTls, createHttpsAgent } = createLoopfast({ backend: 'ffi' });
    const wrong = { host: '127.0.0.1', port: 9, loopbackFastPath: 1 as unknown as boolean };
    expect(() => connectTls(wrong)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => createHttpsAgent({ backend: 'nap' as 'napi' })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(createHttpsAgent()).toBeInstanceOf(FastPathHttpsAgent);
  });
});

describe('HTTP/2 over the fast path, asked for in code', () => {
  it.each([
    ['h2c', 'h2c'],
    ['h2', 'h2'],
  ])('a %s server, http2.connect with createConnection', async (kind, mode) => {
    const answer = dataOf<Answer>(await scenario(kind, mode, EXPLICIT), 'result');
    expect(answer.body).toMatchObject({ ...RENDEZVOUS, encrypted: kind === 'h2', http: '2.0' });
    expect(answer.client).toEqual(RENDEZVOUS);
  });
});

describe('TLS, HTTPS and HTTP/2 under the preload, with Node’s own clients', () => {
  it.each([
    ['https', 'httpsGet'],
    ['https', 'fetch'],
    ['tls', 'tlsConnect'],
    ['h2c', 'h2cPlain'],
    ['h2', 'h2Plain'],
  ])('a %s server, client %s', async (kind, mode) => {
    const run = await scenario(kind, mode, PRELOADED);
    const answer = dataOf<Answer>(run, 'result');
    expect(answer.body).toMatchObject(RENDEZVOUS);
    if (answer.client) expect(answer.client).toEqual(RENDEZVOUS);
    expect(run.stderr).not.toMatch(/Warning/);
  });

  it('a preloaded https.get against a plain https server works over TCP', async () => {
    const tmp = freshTemp('tls');
    const env = { TEST_CERT_DIR: certDir };
    const { port } = await startScript(SERVER, {
      tmp,
      env,
      preload: 'none',
      args: ['https', 'plain'],
    });
    const run = await runScript(CLIENT, { tmp, env, args: [String(port), 'httpsGet'] });
    const answer = dataOf<Answer>(run, 'result');
    expect(answer.body).toMatchObject({ state: 'disabled', mechanism: null, encrypted: true });
    expect(answer.client?.state).toBe('no-fast-peer');
    expect(answer.authorized).toBe(true);
  });
});
