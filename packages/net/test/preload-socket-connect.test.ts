/**
 * `new net.Socket().connect(options)` (the way `pg` connects) with the preload: options that
 * belong to the socket's constructor or to `net.connect` (`signal`, `timeout`, `onread`,
 * `keepAliveInitialDelay`) are ignored by Node's `Socket#connect`, and must be with the preload
 * too, where loopfast makes the connection over the rendezvous and moves it into the caller's
 * socket; and that socket must then behave as Node's own connect makes it (events, their order
 * and arguments, the address properties). Each call runs in a process started with the preload
 * and in one without; what users observe must be the same, and the preloaded call must have
 * taken the rendezvous.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NET_URL, removeScripts, stopAll, writeScript } from './support/agents.js';
import { dataOf, type PreloadFlag, runScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

/** Each call: its options beyond port and host. */
const CASES: Readonly<Record<string, string>> = {
  'an aborted signal': '{ signal: AbortSignal.abort() }',
  'timeout: -1': '{ timeout: -1 }',
  "keepAliveInitialDelay: 'x'": "{ keepAlive: true, keepAliveInitialDelay: 'x' }",
  onread: '{ onread: { buffer: Buffer.alloc(64), callback: () => true } }',
};

/** Connects a bare socket with each case's options to a server that greets; reports each. */
const SCRIPT = writeScript(
  'preload-socket-connect.mjs',
  `
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const cases = { ${Object.entries(CASES)
    .map(([name, options]) => `${JSON.stringify(name)}: () => (${options})`)
    .join(', ')} };
const server = net.createServer((socket) => socket.end('hi'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const results = {};
for (const [name, extra] of Object.entries(cases)) {
  const socket = new net.Socket();
  const errors = [];
  let text = '';
  socket.on('error', (error) => errors.push(error.code));
  socket.on('data', (chunk) => { text += chunk; });
  let threw = null;
  try {
    socket.connect({ port, host: '127.0.0.1', ...extra() });
  } catch (error) {
    threw = error.code;
  }
  const hadError = threw ? null : await new Promise((resolve) => socket.once('close', resolve));
  const { mechanism } = fastPathInfo(socket);
  results[name] = { observed: { threw, errors, text, hadError }, mechanism };
}
server.close();
process.stdout.write(JSON.stringify({ event: 'results', data: results }) + '\\n');
`,
);

/**
 * Connects a bare socket to servers on 127.0.0.1 and ::1 and records what a user sees: the
 * events with their arguments (ports as `P`) up to `'ready'`, and the address properties then.
 */
const EVENTS_SCRIPT = writeScript(
  'preload-socket-connect-events.mjs',
  `
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const results = {};
for (const host of ['127.0.0.1', '::1']) {
  const server = net.createServer((socket) => socket.end('hi'));
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  const scrub = (value) => (value === port ? 'P' : value);
  const socket = new net.Socket();
  const events = [];
  for (const name of ['lookup', 'connectionAttempt', 'connect', 'ready']) {
    socket.on(name, (...args) => events.push([name, ...args.map(scrub)]));
  }
  const connected = await new Promise((resolve) => {
    socket.connect({ port, host }, () => events.push(['listener']));
    socket.once('ready', () => resolve({
      remoteAddress: socket.remoteAddress,
      remoteFamily: socket.remoteFamily,
      remotePort: scrub(socket.remotePort),
      localAddress: socket.localAddress,
      localFamily: socket.localFamily,
      addressFamily: socket.address().family,
      addressAddress: socket.address().address,
      connecting: socket.connecting,
      pending: socket.pending,
    }));
  });
  let text = '';
  socket.on('data', (chunk) => { text += chunk; });
  await new Promise((resolve) => socket.once('close', resolve));
  results[host] = { events, connected, text, mechanism: fastPathInfo(socket).mechanism };
  await new Promise((resolve) => server.close(resolve));
}
process.stdout.write(JSON.stringify({ event: 'results', data: results }) + '\\n');
`,
);

/**
 * Sets `noDelay` and `keepAlive` on bare sockets before they connect (to an address and to a
 * name) and records the calls of the handle's `setNoDelay` and `setKeepAlive` (on the handle the
 * socket has once `connect()` returns, as Node's tests and tracers watch it), up to `'connect'`
 * and after it.
 */
const OPTIONS_SCRIPT = writeScript(
  'preload-socket-connect-options.mjs',
  `
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const server = net.createServer((socket) => socket.end('hi'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const lookup = (name, options, callback) => setImmediate(() =>
  options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4));
const results = {};
for (const host of ['127.0.0.1', 'app.test']) {
  const socket = new net.Socket();
  socket.setNoDelay();
  socket.setKeepAlive(true, 2000);
  const calls = [];
  socket.connect({ port, host, lookup });
  const handle = socket._handle;
  for (const name of ['setNoDelay', 'setKeepAlive']) {
    const method = handle[name];
    handle[name] = function (...args) {
      calls.push([name, ...args]);
      return method.apply(this, args);
    };
  }
  await new Promise((resolve) => socket.once('connect', resolve));
  calls.push(['connect']);
  socket.setNoDelay(false);
  socket.setKeepAlive(true, 4000);
  socket.resume();
  await new Promise((resolve) => socket.once('close', resolve));
  results[host] = { calls, mechanism: fastPathInfo(socket).mechanism };
}
server.close();
process.stdout.write(JSON.stringify({ event: 'results', data: results }) + '\\n');
`,
);

type Results = Record<string, { observed: unknown; mechanism: string | null }>;

afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

describe.runIf(process.platform === 'linux')('new net.Socket().connect() with the preload', () => {
  it("ignores the options Node's Socket#connect ignores, as Node does", async () => {
    const results = async (preload: PreloadFlag) =>
      dataOf<Results>(
        await runScript(SCRIPT, { tmp: freshTemp(`socket-connect-${preload}`), preload }),
        'results',
      );
    const [plain, preloaded] = await Promise.all([results('none'), results('import')]);
    for (const name of Object.keys(CASES)) {
      // What Node does: the option is not Socket#connect's, the connection goes ahead.
      expect(plain[name]?.observed, name).toEqual({
        threw: null,
        errors: [],
        text: 'hi',
        hadError: false,
      });
      expect(preloaded[name]?.observed, name).toEqual(plain[name]?.observed);
      expect(preloaded[name]?.mechanism, name).toBe('unix-rendezvous');
    }
  });

  it("emits Node's events in Node's order, and shows TCP's addresses from 'connect' on", async () => {
    type Recorded = Record<
      string,
      { events: unknown[]; connected: unknown; text: string; mechanism: string | null }
    >;
    const results = async (preload: PreloadFlag) =>
      dataOf<Recorded>(
        await runScript(EVENTS_SCRIPT, { tmp: freshTemp(`socket-events-${preload}`), preload }),
        'results',
      );
    const [plain, preloaded] = await Promise.all([results('none'), results('import')]);
    for (const [host, family, number] of [
      ['127.0.0.1', 'IPv4', 4],
      ['::1', 'IPv6', 6],
    ] as const) {
      expect(plain[host]).toEqual({
        events: [['connectionAttempt', host, 'P', number], ['connect'], ['listener'], ['ready']],
        connected: {
          remoteAddress: host,
          remoteFamily: family,
          remotePort: 'P',
          localAddress: host,
          localFamily: family,
          addressFamily: family,
          addressAddress: host,
          connecting: false,
          pending: false,
        },
        text: 'hi',
        mechanism: null,
      });
      expect(preloaded[host]).toEqual({ ...plain[host], mechanism: 'unix-rendezvous' });
    }
  });

  it('passes noDelay and keepAlive set before connect to the handle once connected, as Node does', async () => {
    type Recorded = Record<string, { calls: unknown[]; mechanism: string | null }>;
    const results = async (preload: PreloadFlag) =>
      dataOf<Recorded>(
        await runScript(OPTIONS_SCRIPT, { tmp: freshTemp(`socket-options-${preload}`), preload }),
        'results',
      );
    const [plain, imported, required] = await Promise.all([
      results('none'),
      results('import'),
      results('require'),
    ]);
    for (const host of ['127.0.0.1', 'app.test']) {
      const calls = plain[host]?.calls;
      // Once each when connected, before 'connect'; then each change.
      expect(calls?.slice(0, 3), host).toEqual([
        ['setNoDelay', true],
        expect.arrayContaining(['setKeepAlive', true, 2]),
        ['connect'],
      ]);
      expect(calls?.slice(3), host).toEqual([
        ['setNoDelay', false],
        expect.arrayContaining(['setKeepAlive', true, 4]),
      ]);
      expect(imported[host], host).toEqual({ calls, mechanism: 'unix-rendezvous' });
      expect(required[host], host).toEqual({ calls, mechanism: 'unix-rendezvous' });
    }
  });
});
