/**
 * How a rendezvous client's descriptor becomes Node's socket: put straight into a `Pipe` handle,
 * the kind Node gives its own Unix sockets, which owns it and closes it once; and, where Node was
 * asked to warn of pending deprecations (`process.binding` is one), by `new net.Socket({ fd })`
 * instead, so loopfast adds no warning and the connection is the same. Two processes, both with
 * the preload.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NET_URL, removeScripts, stopAll, writeScript } from './support/agents.js';
import { dataOf, runScript, startScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

/** An echo server on 127.0.0.1 that upper-cases what it receives. */
const SERVER = writeScript(
  'handle-server.mjs',
  `
import net from 'node:net';
const server = net.createServer((socket) => socket.on('data', (d) => socket.end(String(d).toUpperCase())));
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(JSON.stringify({ event: 'listening', data: { port: server.address().port } }) + '\\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
);

/**
 * A client: connects with \`net.connect\`, exchanges a line, and reports its socket's status and
 * handle, what its descriptor was before and after the close, and every warning the process got.
 * Then (unless told \`no-control\`) it calls \`process.binding\` itself: whether that warns shows
 * the flag was in force.
 */
const CLIENT = writeScript(
  'handle-client.mjs',
  `
import { readlinkSync } from 'node:fs';
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const warnings = [];
process.on('warning', (w) => warnings.push(w.code ?? w.name));
const link = (fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch (e) { return e.code; } };
const socket = net.connect({ port: Number(process.argv[2]), host: '127.0.0.1' });
await new Promise((resolve) => socket.once('connect', resolve));
const fd = socket._handle.fd;
const before = link(fd);
const handle = socket._handle.constructor.name;
const ownMethods = Reflect.ownKeys(socket._handle).filter((key) => typeof socket._handle[key] === 'function').map(String);
socket.end('hello');
let reply = '';
socket.setEncoding('utf8');
socket.on('data', (d) => { reply += d; });
await new Promise((resolve) => socket.once('close', resolve));
const after = link(fd);
const { state, mechanism } = fastPathInfo(socket);
await new Promise((resolve) => setImmediate(resolve));
const ownWarnings = [...warnings];
if (process.argv[3] !== 'no-control') process.binding('pipe_wrap');
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ event: 'result', data: {
  state, mechanism, reply, handle, ownMethods, before, after, ownWarnings, controlWarnings: warnings.slice(ownWarnings.length),
} }) + '\\n');
`,
);

/**
 * A server and a client (both started with `--allow-natives-syntax`) that each hold two sockets
 * over the rendezvous and report whether their handles share one shape (V8's map) in fast mode,
 * and hold their socket as a plain property, as Node's own handles do. A shape per handle would
 * cost every connection its making and keep it longer in memory.
 */
const SHAPE = writeScript(
  'handle-shape.mjs',
  `
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const shapes = (sockets) => {
  const handles = sockets.map((socket) => socket._handle);
  const plain = sockets.every((socket) => {
    const owner = Object.getOwnPropertySymbols(socket._handle).find((s) => s.description === 'owner_symbol');
    const held = owner === undefined ? undefined : Object.getOwnPropertyDescriptor(socket._handle, owner);
    return held !== undefined && 'value' in held && held.value === socket;
  });
  return {
    states: sockets.map((socket) => fastPathInfo(socket).state),
    fast: handles.every((handle) => %HasFastProperties(handle)),
    sameShape: %HaveSameMap(handles[0], handles[1]),
    ownerIsPlain: plain,
  };
};
const say = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
if (process.argv[2] === 'server') {
  const accepted = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    if (accepted.length === 2) say('accepted', shapes(accepted));
    socket.resume();
    socket.on('end', () => socket.end());
  });
  server.listen(0, '127.0.0.1', () => say('listening', { port: server.address().port }));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  const connected = () => new Promise((resolve) => {
    const socket = net.connect({ port: Number(process.argv[3]), host: '127.0.0.1' }, () => resolve(socket));
  });
  const sockets = [await connected(), await connected()];
  const client = shapes(sockets);
  for (const socket of sockets) {
    socket.end();
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
  }
  say('client', client);
}
`,
);

interface Result {
  readonly state: string;
  readonly mechanism: string | null;
  readonly reply: string;
  readonly handle: string;
  readonly ownMethods: string[];
  readonly before: string;
  readonly after: string;
  readonly ownWarnings: string[];
  readonly controlWarnings: string[];
}

/** A connection over the rendezvous, in a `Pipe` handle, that got its reply and no warning. */
const OVER_RENDEZVOUS = {
  state: 'enabled',
  mechanism: 'unix-rendezvous',
  reply: 'HELLO',
  handle: 'Pipe',
  ownWarnings: [],
};

afterEach(stopAll);
afterAll(() => {
  removeTemps();
  removeScripts();
});

async function exchange(
  label: string,
  client: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<{ result: Result; code: number | null; stderr: string }> {
  const tmp = freshTemp(label);
  const { proc, port } = await startScript(SERVER, { tmp });
  try {
    const run = await runScript(CLIENT, { tmp, args: [String(port)], ...client });
    return { result: dataOf<Result>(run, 'result'), code: run.code, stderr: run.stderr };
  } finally {
    await proc.kill();
  }
}

describe.runIf(process.platform === 'linux')('the descriptor of a rendezvous client', () => {
  it('is put in a Pipe handle, which carries the bytes and closes it once with the socket', async () => {
    const { result, code } = await exchange('handle');
    expect(code).toBe(0);
    expect(result).toMatchObject(OVER_RENDEZVOUS);
    expect(result.before).toMatch(/^socket:\[\d+\]$/);
    // Closed with the socket: gone, or already reused by another descriptor.
    expect(result.after).not.toBe(result.before);
    // Without the flag, process.binding does not warn: the control shows nothing either way.
    expect(result.controlWarnings).toEqual([]);
  });

  it("takes TCP's methods from a shared prototype, none of its own (each would cost every connection)", async () => {
    const { result } = await exchange('methods');
    expect(result).toMatchObject(OVER_RENDEZVOUS);
    expect(result.ownMethods).toEqual([]);
  });

  it('shares one shape in fast mode with every other handle, and holds its socket as a plain property, at both ends', async () => {
    const tmp = freshTemp('shape');
    const nodeArgs = ['--allow-natives-syntax'];
    const { proc, port } = await startScript(SHAPE, { tmp, args: ['server'], nodeArgs });
    try {
      const run = await runScript(SHAPE, { tmp, args: ['client', String(port)], nodeArgs });
      const expected = {
        states: ['enabled', 'enabled'],
        fast: true,
        sameShape: true,
        ownerIsPlain: true,
      };
      expect(dataOf(run, 'client')).toEqual(expected);
      expect(await proc.event('accepted', 10_000)).toEqual(expected);
    } finally {
      await proc.kill();
    }
  });

  it.each([
    ['--pending-deprecation', { nodeArgs: ['--pending-deprecation'] }],
    ['NODE_OPTIONS=--pending-deprecation', { env: { NODE_OPTIONS: '--pending-deprecation' } }],
    ['NODE_PENDING_DEPRECATION=1', { env: { NODE_PENDING_DEPRECATION: '1' } }],
  ])(
    'with %s: no deprecation warning from loopfast, and the same connection',
    async (_, client) => {
      const { result, code } = await exchange('pending', client);
      expect(code).toBe(0);
      expect(result).toMatchObject(OVER_RENDEZVOUS);
      expect(result.after).not.toBe(result.before);
      // The flag was in force: the process's own process.binding call did warn.
      expect(result.controlWarnings).toContain('DEP0111');
    },
  );

  it('with --throw-deprecation as well: nothing is thrown, the connection goes over the rendezvous', async () => {
    const tmp = freshTemp('throw');
    const { proc, port } = await startScript(SERVER, { tmp });
    try {
      const run = await runScript(CLIENT, {
        tmp,
        args: [String(port), 'no-control'],
        nodeArgs: ['--pending-deprecation', '--throw-deprecation'],
      });
      // A warning would have been thrown, and the process would have ended with it.
      expect(dataOf<Result>(run, 'result')).toMatchObject({
        state: 'enabled',
        reply: 'HELLO',
        ownWarnings: [],
      });
      expect(run.code).toBe(0);
    } finally {
      await proc.kill();
    }
  });
});
