/**
 * The parity table: the same calls made against `node:net` and against a subject (`@loopfast/net`
 * with one backend, the fast path requested or off, on one mechanism), comparing what users can
 * observe: thrown errors (class, `code`, message), emitted events and their order, and end state
 * (`listening`, `destroyed`, `readyState`, byte counts, `address()`).
 *
 * Three parts:
 * - {@link CREATE_SERVER_CASES}, {@link LISTEN_CASES}, {@link CONNECT_CASES}: every overload and
 *   documented option of `createServer`, `listen` and `connect` / `createConnection`, good and bad.
 * - {@link BEHAVIOURS}: Node's documented `net` behaviours users rely on (half-open, `end()`
 *   ordering, timeouts, pause/resume, byte counters, `destroySoon`, `getConnections`,
 *   `maxConnections` and `'drop'`, `ref`/`unref`, ...), each run once over `node:net` alone
 *   (the reference) and over the subject: its client with its own server (over the rendezvous
 *   where the subject has one), and, with the fast path requested, its server with a `node:net`
 *   client and its client with a `node:net` server (both TCP).
 * - {@link PRODUCT_DIFFERENCES}: the one list of differences that are the point of the product.
 *   Nothing else may differ.
 *
 * The reference is computed in the same process and Node version as the subject, so the table
 * holds on every Node version the lanes run. A subject that replaces `node:net`'s functions for
 * the whole process (the preload, `@loopfast/net/register`) cannot have its reference made in
 * its own process: node:net there is the subject. Its table runs in two processes instead,
 * started alike from the same Node binary, one with the preload and one without:
 * {@link recordParity} in each, and {@link parityConformance} compares the two recordings
 * ({@link RecordedParitySubject}).
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import * as diagnostics from 'node:diagnostics_channel';
import * as dns from 'node:dns';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { NetStatus } from './net-suite.js';
import {
  attempt,
  closeServer,
  type ErrorShape,
  type EventTrace,
  errorShape,
  firstOf,
  type ListenOutcome,
  listenOutcome,
  portToken,
  recordEvents,
  type Scrub,
  scrubber,
  serverAddress,
  settle,
  socketAddresses,
  socketState,
} from './observe.js';
import { quietPort } from './quiet-ports.js';

// ---------------------------------------------------------------------------------------------
// Subjects

/** The functions of `node:net` the table calls, as loosely typed as the table calls them. */
export interface NetFunctions {
  createServer(...args: unknown[]): Server;
  connect(...args: unknown[]): Socket;
  createConnection(...args: unknown[]): Socket;
}

/** How a connection between a subject's own client and server travels. */
export type Transport = 'tcp' | 'unix-rendezvous';

/** One configuration of `@loopfast/net` to hold against `node:net`. */
export interface ParitySubject extends NetFunctions {
  /** Names the subject in test titles, such as `ffi backend, fast path on, unix-rendezvous`. */
  readonly label: string;
  /** Whether the subject asks for the fast path (then the mixed pairings run too). */
  readonly fastPath: boolean;
  /** How its client reaches its server: over the Unix-socket rendezvous, or TCP. */
  readonly transport: Transport;
  /** The mechanism its sockets must report as `enabled`, or `null` when none is expected. */
  readonly mechanism: 'unix-rendezvous' | 'sio-loopback-fast-path' | null;
  /** The status of a socket or server, to prove the pairing really took the transport named. */
  fastPathInfo(target: Socket | Server): NetStatus;
  /**
   * An unbound TCP descriptor for the `{ fd }` forms of `listen` and `connect`; without it they
   * are skipped.
   */
  readonly makeTcpDescriptor?: () => number;
}

/**
 * A subject whose table ran in a process of its own ({@link recordParity} there), held against
 * `node:net`'s table recorded in another process. For a subject that replaces `node:net`'s
 * functions process-wide, such as the preload: where it is loaded, `node:net` is the subject.
 *
 * Its behaviours run in one pairing only, its client with its server: in its process there is
 * no `node:net` peer to pair it with (every caller of `net` goes through the preload, this
 * table's own `NODE_NET` included), and a behaviour runs inside one process.
 */
export interface RecordedParitySubject {
  /** Names the subject in test titles. */
  readonly label: string;
  /** How its client reaches its server: over the Unix-socket rendezvous, or TCP. */
  readonly transport: Transport;
  /** The mechanism its sockets must report as `enabled`, or `null` when none is expected. */
  readonly mechanism: ParitySubject['mechanism'];
  /** What the subject did in every row, recorded in its own process. Called once, when needed. */
  recording(): Promise<ParityRecording>;
  /**
   * What `node:net` did in every row, recorded in a process started with nothing that could
   * replace its functions (no `--import` or `--require`, no `NODE_OPTIONS`; checked) on the same
   * Node version (checked). Called once, when needed.
   */
  references(): Promise<ParityRecording>;
}

/** `node:net` itself, as the reference every subject is held against. */
export const NODE_NET: NetFunctions = {
  createServer: net.createServer as NetFunctions['createServer'],
  connect: net.connect as NetFunctions['connect'],
  createConnection: net.createConnection as NetFunctions['createConnection'],
};

// ---------------------------------------------------------------------------------------------
// The differences that are the point of the product: the one place they are listed.

/** A documented difference: where in a trace, on which transport, and the value loopfast gives. */
export interface ProductDifference {
  /** The transport on which it holds. */
  readonly transport: Transport;
  /** The end of the path in a trace where the value differs (matched at any depth). */
  readonly path: readonly string[];
  /** Only in this behaviour (by title), or in every trace. */
  readonly behaviour?: string;
  /** What loopfast gives there; asserted, then the reference's value is put in its place. */
  readonly value: unknown;
  /** Why it is the point of the product, and where it is documented. */
  readonly why: string;
}

/**
 * Every difference between `node:net` and `@loopfast/net` a user may see. The fast-path status
 * (`fastPathInfo`) and the transport itself (the handle behind the socket: a `Pipe` on the
 * rendezvous) are the product and never enter a trace; what the transport shows through the
 * API would be listed here, each with the section of docs/how-it-works.md that documents it; none
 * is today (a reset over the rendezvous gives the peer `ECONNRESET` too). Nothing else may differ.
 */
export const PRODUCT_DIFFERENCES: readonly ProductDifference[] = [];

function matches(path: readonly string[], suffix: readonly string[]): boolean {
  if (path.length < suffix.length) return false;
  return suffix.every((part, i) => path[path.length - suffix.length + i] === part);
}

/**
 * Holds the documented differences: wherever one applies, the subject's value must be the
 * documented one, and is then replaced by the reference's, so the traces can be compared whole.
 * Returns the differences that applied.
 */
export function applyDifferences(
  transport: Transport,
  behaviour: string,
  subject: unknown,
  reference: unknown,
): string[] {
  const applied: string[] = [];
  const walk = (s: unknown, r: unknown, path: string[]) => {
    if (s === null || typeof s !== 'object' || r === null || typeof r !== 'object') return;
    const sr = s as Record<string, unknown>;
    const rr = r as Record<string, unknown>;
    for (const key of Object.keys(rr)) {
      const here = [...path, key];
      const difference = PRODUCT_DIFFERENCES.find(
        (d) =>
          d.transport === transport &&
          (d.behaviour === undefined || d.behaviour === behaviour) &&
          matches(here, d.path),
      );
      if (difference && key in sr) {
        expect(sr[key], `${here.join('.')}: ${difference.why}`).toEqual(difference.value);
        sr[key] = rr[key];
        applied.push(here.join('.'));
      } else {
        walk(sr[key], rr[key], here);
      }
    }
  };
  walk(subject, reference, []);
  return applied;
}

// ---------------------------------------------------------------------------------------------
// Shared scaffolding

/** How long anything may take before it counts as a hang. Never an assertion about speed. */
const HANG_MS = 5000;

async function within<T>(promise: Promise<T>, what: string, ms = HANG_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `'close'` event of each socket a scope watches, recorded from the moment it was made. */
const closeEvents = new WeakMap<Socket, Promise<void>>();

/** The next `'close'` of a socket (unlike `once`, an `'error'` before it does not reject). */
const closeOf = (socket: Socket) =>
  new Promise<void>((resolve) => socket.once('close', () => resolve()));

/** Sockets and servers one run made, destroyed and closed whatever happened. */
class Scope {
  readonly sockets = new Set<Socket>();
  readonly servers = new Set<Server>();
  readonly directories: string[] = [];

  socket(socket: Socket): Socket {
    this.sockets.add(socket);
    if (!closeEvents.has(socket)) closeEvents.set(socket, closeOf(socket));
    // A stray error on a socket a run no longer watches must not become an uncaught exception.
    socket.on('error', () => {});
    return socket;
  }

  server(server: Server): Server {
    this.servers.add(server);
    server.on('error', () => {});
    return server;
  }

  directory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'loopfast-parity-'));
    this.directories.push(directory);
    return directory;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    for (const server of this.servers) {
      server.on('connection', (socket: Socket) => socket.destroy());
      await within(closeServer(server), 'server close at cleanup');
    }
    for (const directory of this.directories) rmSync(directory, { recursive: true, force: true });
  }
}

async function run<T>(body: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  try {
    return await body(scope);
  } finally {
    await scope.close();
  }
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function listenOn(server: Server, host: string, port = 0): Promise<number> {
  server.listen(port, host);
  const event = await within(firstOf(server, ['listening', 'error'], HANG_MS), 'listening');
  if (event !== 'listening') throw new Error(`listen on ${host} failed`);
  return portOf(server);
}

/**
 * A port nothing listens on and nothing will take by itself: a server from `make` listens there
 * on `host` and is closed, so the port was a real server's a moment ago.
 */
async function refusedPort(scope: Scope, make: () => Server, host: string): Promise<number> {
  for (let tries = 0; tries < 32; tries++) {
    const server = scope.server(make());
    server.listen(quietPort(), host);
    const event = await within(firstOf(server, ['listening', 'error'], HANG_MS), 'listening');
    if (event !== 'listening') continue;
    const port = portOf(server);
    await closeServer(server);
    return port;
  }
  throw new Error(`no quiet port is free on ${host}`);
}

/** Everything a socket receives, as text, until it ends or closes. */
function received(socket: Socket, encoding: BufferEncoding = 'latin1'): () => string {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer | string) => {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
  });
  return () => Buffer.concat(chunks).toString(encoding);
}

/** Waits for a socket's `'close'` event (bounded), even one already emitted. */
const closed = (socket: Socket, what = 'close') =>
  within(closeEvents.get(socket) ?? closeOf(socket), what);

/** The shape of an error given to a callback, or `null`. */
const shapeOrNull = (error: unknown, scrub?: Scrub): ErrorShape | null =>
  error === null || error === undefined ? null : errorShape(error, scrub);

/** The net handles (TCP or pipe, server or socket) that keep the event loop alive. */
function refedNetHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((name) => /^(TCP|Pipe)(Server|Socket)?Wrap$/.test(name)).length;
}

// ---------------------------------------------------------------------------------------------
// Part 1: the API table

/** What a table row may use: ports, a path and descriptors of its own run. */
export interface CallContext {
  /** A server on 127.0.0.1 that echoes and ends when the client ends. */
  readonly port4: number;
  /** A server on ::1 that does the same. */
  readonly port6: number;
  /** A port nobody listens on. */
  readonly refused: number;
  /** A port a server of this run listens on, for `EADDRINUSE`. */
  readonly busy: number;
  /** A Unix socket server path that echoes. */
  readonly pipe: string;
  /** A fresh path nobody listens on, in a private directory. */
  readonly freshPath: string;
  /** A fresh unbound TCP descriptor, or `null` where the subject cannot make one. */
  tcpDescriptor(): number | null;
  /** Scrubs what differs between runs (ports, paths) from messages. */
  readonly scrub: Scrub;
  /** Known ports, for {@link portToken}. */
  readonly known: Readonly<Record<string, number>>;
}

/** A `createServer` row. */
export interface CreateServerCase {
  readonly label: string;
  readonly args: (ctx: CallContext) => unknown[];
}

/** A `listen` row: the server's `createServer` arguments, `listen`'s, and what follows at once. */
export interface ListenCase {
  readonly label: string;
  readonly server?: unknown[];
  readonly args: (ctx: CallContext) => unknown[];
  /** Called right after `listen` returns (close it, abort its signal). */
  readonly afterListen?: (server: Server) => void;
  /** Needs a TCP descriptor from the subject. */
  readonly needsDescriptor?: boolean;
  /** Node version range where the row means something (else it is still compared). */
  readonly note?: string;
}

/** A `connect` / `createConnection` row. */
export interface ConnectCase {
  readonly label: string;
  readonly call?: 'connect' | 'createConnection';
  readonly args: (ctx: CallContext) => unknown[];
  /** What the client does once connected (default: write 'ping' and end). */
  readonly onConnect?: (socket: Socket) => void;
  /** Whether the last argument is a connect listener to count. */
  readonly countsListener?: boolean;
  /**
   * Observe only up to the first `'close'`, then destroy the socket: for a call after which Node
   * itself goes on non-deterministically (an already aborted signal: Node emits the AbortError
   * and `'close'`, then connects all the same).
   */
  readonly untilFirstClose?: boolean;
  /** Needs a TCP descriptor from the subject. */
  readonly needsDescriptor?: boolean;
}

/**
 * Whether this Node honours the `blockList` option of `make` (sockets and servers, from Node
 * 22.13 and 23.4; Node 20 ignores the option): where it does, a value that is not a
 * `net.BlockList` is refused at once.
 */
function honoursBlockList(make: (options: { blockList: unknown }) => unknown): boolean {
  try {
    make({ blockList: 'not a BlockList' });
    return false;
  } catch {
    return true;
  }
}

/** Whether `connect` / `createConnection` refuse addresses in a `blockList` on this Node. */
const CLIENT_BLOCK_LIST = honoursBlockList((options) =>
  new net.Socket(options as net.SocketConstructorOpts).destroy(),
);

/** Whether a server closes connections from addresses in its `blockList` on this Node. */
const SERVER_BLOCK_LIST = honoursBlockList((options) =>
  net.createServer(options as net.ServerOpts),
);

/** A `net.BlockList` holding each of `addresses`. */
function blockListOf(...addresses: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const address of addresses) list.addAddress(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
  return list;
}

const BAD_PORTS: readonly (readonly [string, unknown])[] = [
  ['-1', -1],
  ['65536', 65536],
  ['NaN', Number.NaN],
  ['1.5', 1.5],
  ["'12ab'", '12ab'],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['true', true],
  // Port 0 inside: `listen(port)` given an object takes it as options and listens, and a fixed
  // port would collide with the lanes that run this table at the same time.
  ['an object', { port: 0 }],
];

/** Every `createServer` overload and option. */
export const CREATE_SERVER_CASES: readonly CreateServerCase[] = [
  { label: '()', args: () => [] },
  { label: '(listener)', args: () => [() => {}] },
  { label: '(options)', args: () => [{}] },
  { label: '(options, listener)', args: () => [{}, () => {}] },
  { label: '(null)', args: () => [null] },
  { label: '(undefined, listener)', args: () => [undefined, () => {}] },
  {
    label: '({ allowHalfOpen: true, pauseOnConnect: true })',
    args: () => [{ allowHalfOpen: true, pauseOnConnect: true }],
  },
  {
    label: '({ noDelay, keepAlive, keepAliveInitialDelay })',
    args: () => [{ noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 }],
  },
  { label: '({ highWaterMark: 1024 })', args: () => [{ highWaterMark: 1024 }] },
  { label: "('path') throws", args: () => ['/tmp/loopfast-parity.sock'] },
  { label: '(0) throws', args: () => [0] },
  { label: '(true) throws', args: () => [true] },
  { label: "({ keepAliveInitialDelay: 'x' })", args: () => [{ keepAliveInitialDelay: 'x' }] },
  { label: '({ highWaterMark: -1 })', args: () => [{ highWaterMark: -1 }] },
  ...(SERVER_BLOCK_LIST
    ? [
        { label: '({ blockList })', args: () => [{ blockList: blockListOf('192.0.2.1') }] },
        { label: "({ blockList: 'x' }) throws", args: () => [{ blockList: 'x' }] },
      ]
    : []),
];

/** Every `listen` overload and option, good and bad. */
export const LISTEN_CASES: readonly ListenCase[] = [
  { label: '()', args: () => [] },
  { label: '(callback)', args: () => [() => {}] },
  { label: '(0)', args: () => [0] },
  { label: "('0')", args: () => ['0'] },
  { label: '(0, callback)', args: () => [0, () => {}] },
  { label: "(0, '127.0.0.1')", args: () => [0, '127.0.0.1'] },
  { label: "(0, '::1')", args: () => [0, '::1'] },
  { label: "(0, 'localhost')", args: () => [0, 'localhost'] },
  { label: "(0, '0.0.0.0')", args: () => [0, '0.0.0.0'] },
  { label: "(0, '::')", args: () => [0, '::'] },
  { label: "(0, '127.0.0.1', 10)", args: () => [0, '127.0.0.1', 10] },
  { label: "(0, '127.0.0.1', 10, callback)", args: () => [0, '127.0.0.1', 10, () => {}] },
  { label: '(0, 10, callback)', args: () => [0, 10, () => {}] },
  { label: '(null)', args: () => [null] },
  { label: '(undefined, callback)', args: () => [undefined, () => {}] },
  { label: '({ port: 0 })', args: () => [{ port: 0 }] },
  { label: "({ port: 0, host: '127.0.0.1' })", args: () => [{ port: 0, host: '127.0.0.1' }] },
  { label: "({ port: '0', host: '127.0.0.1' })", args: () => [{ port: '0', host: '127.0.0.1' }] },
  { label: "({ port: 0, host: 'localhost' })", args: () => [{ port: 0, host: 'localhost' }] },
  { label: "({ port: 0, host: '' })", args: () => [{ port: 0, host: '' }] },
  {
    label: "({ port: 0, host: '::', ipv6Only: true })",
    args: () => [{ port: 0, host: '::', ipv6Only: true }],
  },
  {
    label: "({ port: 0, host: '127.0.0.1', exclusive: true })",
    args: () => [{ port: 0, host: '127.0.0.1', exclusive: true }],
  },
  {
    label: "({ port: 0, host: '127.0.0.1', exclusive: false })",
    args: () => [{ port: 0, host: '127.0.0.1', exclusive: false }],
  },
  {
    label: "({ port: 0, host: '127.0.0.1', backlog: 5 })",
    args: () => [{ port: 0, host: '127.0.0.1', backlog: 5 }],
  },
  {
    label: "({ port: 0, host: '127.0.0.1', backlog: 'x' })",
    args: () => [{ port: 0, host: '127.0.0.1', backlog: 'x' }],
  },
  {
    label:
      "({ port: 0, host: '127.0.0.1', reusePort: true }) (honoured where Node supports it, else ignored)",
    args: () => [{ port: 0, host: '127.0.0.1', reusePort: true }],
  },
  {
    label: "({ port: 0, host: '127.0.0.1' }, callback)",
    args: () => [{ port: 0, host: '127.0.0.1' }, () => {}],
  },
  {
    label: "({ port: 0, host: '127.0.0.1', signal }) with an aborted signal",
    args: () => [{ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() }],
  },
  {
    label: "({ port: 0, host: 'localhost', signal }) aborted while the name resolves",
    args: () => {
      const controller = new AbortController();
      return [{ port: 0, host: 'localhost', signal: controller.signal }, controller];
    },
  },
  {
    label: "({ port: 0, host: '127.0.0.1', signal }) aborted after listening",
    args: () => {
      const controller = new AbortController();
      return [{ port: 0, host: '127.0.0.1', signal: controller.signal }, controller, 'after'];
    },
  },
  { label: "({ port: 0, signal: 'x' })", args: () => [{ port: 0, signal: 'x' }] },
  { label: '(path)', args: (ctx) => [ctx.freshPath] },
  { label: '({ path })', args: (ctx) => [{ path: ctx.freshPath }] },
  {
    label: '({ path, readableAll: true, writableAll: true })',
    args: (ctx) => [{ path: ctx.freshPath, readableAll: true, writableAll: true }],
  },
  { label: '({ path: 5 })', args: () => [{ path: 5 }] },
  {
    label: '({ fd }) with an unbound TCP socket',
    args: (ctx) => [{ fd: ctx.tcpDescriptor() }],
    needsDescriptor: true,
  },
  {
    label: '({ handle: { fd } })',
    args: (ctx) => [{ handle: { fd: ctx.tcpDescriptor() } }],
    needsDescriptor: true,
  },
  { label: '({ fd: -5 })', args: () => [{ fd: -5 }] },
  { label: '(false)', args: () => [false] },
  { label: '({ port: false })', args: () => [{ port: false }] },
  { label: '({})', args: () => [{}] },
  { label: '({ exclusive: true })', args: () => [{ exclusive: true }] },
  { label: "({ host: 'localhost' })", args: () => [{ host: 'localhost' }] },
  { label: '({ host: { port: 3000 } })', args: () => [{ host: { port: 3000 } }] },
  { label: '({ port: 0, host: 5 })', args: () => [{ port: 0, host: 5 }] },
  ...BAD_PORTS.map(([label, port]) => ({ label: `(${label})`, args: () => [port] })),
  ...BAD_PORTS.map(([label, port]) => ({ label: `({ port: ${label} })`, args: () => [{ port }] })),
  { label: "(busy port, '127.0.0.1'): EADDRINUSE", args: (ctx) => [ctx.busy, '127.0.0.1'] },
  {
    label: "({ port: 0, host: '192.0.2.1' }): EADDRNOTAVAIL",
    args: () => [{ port: 0, host: '192.0.2.1' }],
  },
  {
    label: "(0, '127.0.0.1') then close() at once",
    args: () => [0, '127.0.0.1'],
    afterListen: (server) => server.close(),
  },
  {
    label: "(0, 'localhost') then close() during the lookup",
    args: () => [0, 'localhost'],
    afterListen: (server) => server.close(),
  },
  {
    label: "(0, '127.0.0.1') on a server made with { allowHalfOpen: true, pauseOnConnect: true }",
    server: [{ allowHalfOpen: true, pauseOnConnect: true }],
    args: () => [0, '127.0.0.1'],
  },
];

/** A `lookup` that answers from a table, asynchronously, as `dns.lookup` would: no traffic. */
function tableLookup(answers: Readonly<Record<string, string>>) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (error: Error | null, address: unknown, family?: number) => void,
  ) => {
    setImmediate(() => {
      const address = answers[hostname];
      if (address === undefined) {
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          errno: -3008,
          syscall: 'getaddrinfo',
          hostname,
        });
        callback(error, options.all ? [] : undefined);
        return;
      }
      const family = net.isIP(address);
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
}

const LOOKUP = tableLookup({ 'app.test': '127.0.0.1', 'app6.test': '::1' });

/** A `lookup` that answers, a moment later, without an address: Node reports it on the socket. */
const LOOKUP_WITHOUT_ADDRESS = (
  _host: string,
  options: { all?: boolean },
  callback: (...args: unknown[]) => void,
) =>
  setImmediate(() =>
    options.all
      ? callback(null, [{ address: undefined, family: 4 }])
      : callback(null, undefined, 4),
  );

/** Every `connect` / `createConnection` overload and option, good and bad. */
export const CONNECT_CASES: readonly ConnectCase[] = [
  { label: "(port, '127.0.0.1')", args: (ctx) => [ctx.port4, '127.0.0.1'] },
  { label: "(port, '::1')", args: (ctx) => [ctx.port6, '::1'] },
  { label: "(port, 'localhost')", args: (ctx) => [ctx.port4, 'localhost'] },
  { label: '(port) (host defaults to localhost)', args: (ctx) => [ctx.port4] },
  { label: "(String(port), '127.0.0.1')", args: (ctx) => [String(ctx.port4), '127.0.0.1'] },
  {
    label: "(port, '127.0.0.1', listener)",
    args: (ctx) => [ctx.port4, '127.0.0.1', () => {}],
    countsListener: true,
  },
  { label: '(port, listener)', args: (ctx) => [ctx.port4, () => {}], countsListener: true },
  {
    label: "({ port, host: '127.0.0.1' })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1' }],
  },
  {
    label: "({ port, host: '127.0.0.1' }, listener)",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1' }, () => {}],
    countsListener: true,
  },
  {
    label: "createConnection(port, '127.0.0.1')",
    call: 'createConnection',
    args: (ctx) => [ctx.port4, '127.0.0.1'],
  },
  {
    label: "createConnection({ port, host: '::1' }, listener)",
    call: 'createConnection',
    args: (ctx) => [{ port: ctx.port6, host: '::1' }, () => {}],
    countsListener: true,
  },
  {
    label: "({ port, host: 'localhost', family: 4 })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', family: 4 }],
  },
  {
    label: "({ port, host: 'localhost', family: 0 })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', family: 0 }],
  },
  {
    label: "({ port, host: 'localhost', hints: ADDRCONFIG })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', family: 4, hints: dns.ADDRCONFIG }],
  },
  {
    label: "({ port, host: 'localhost', autoSelectFamily: false })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', autoSelectFamily: false }],
  },
  {
    label:
      "({ port, host: 'localhost', autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 500 })",
    args: (ctx) => [
      {
        port: ctx.port4,
        host: 'localhost',
        autoSelectFamily: true,
        autoSelectFamilyAttemptTimeout: 500,
      },
    ],
  },
  {
    label: "({ port, host: 'app.test', lookup })",
    args: (ctx) => [{ port: ctx.port4, host: 'app.test', lookup: LOOKUP }],
  },
  {
    label: "({ port, host: 'app6.test', lookup })",
    args: (ctx) => [{ port: ctx.port6, host: 'app6.test', lookup: LOOKUP }],
  },
  {
    label: "({ port, host: 'app.test', lookup, autoSelectFamily: false })",
    args: (ctx) => [{ port: ctx.port4, host: 'app.test', lookup: LOOKUP, autoSelectFamily: false }],
  },
  {
    label: "({ port, host: 'nowhere.test', lookup }): ENOTFOUND",
    args: (ctx) => [{ port: ctx.port4, host: 'nowhere.test', lookup: LOOKUP }],
  },
  {
    label: "({ port, host: 'localhost', lookup }) with a lookup that answers without an address",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', lookup: LOOKUP_WITHOUT_ADDRESS }],
  },
  {
    label:
      "({ port, host: 'localhost', lookup, autoSelectFamily: false }) with a lookup that answers without an address",
    args: (ctx) => [
      {
        port: ctx.port4,
        host: 'localhost',
        lookup: LOOKUP_WITHOUT_ADDRESS,
        autoSelectFamily: false,
      },
    ],
  },
  {
    label:
      "({ port, host: '127.0.0.1', noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 })",
    args: (ctx) => [
      {
        port: ctx.port4,
        host: '127.0.0.1',
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: 1000,
      },
    ],
  },
  {
    label: "({ port, host: '127.0.0.1', allowHalfOpen: true })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', allowHalfOpen: true }],
  },
  {
    label: "({ port, host: '127.0.0.1', timeout: 10000 })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', timeout: 10000 }],
  },
  {
    label: "({ port, host: '127.0.0.1', localAddress: '127.0.0.1' })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', localAddress: '127.0.0.1' }],
  },
  {
    label: "({ port, host: '127.0.0.1', onread })",
    args: (ctx) => [
      {
        port: ctx.port4,
        host: '127.0.0.1',
        onread: { buffer: Buffer.alloc(64), callback: () => true },
      },
    ],
  },
  {
    label: "({ port, host: '127.0.0.1', signal }) with an aborted signal",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', signal: AbortSignal.abort() }],
    untilFirstClose: true,
  },
  // Nobody listens on the refused port, so it is free to bind as the client's own.
  {
    label: "({ port, host: '127.0.0.1', localPort }) with a free port",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', localPort: ctx.refused }],
  },
  {
    label: "({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort }) with a free port",
    args: (ctx) => [
      { port: ctx.port4, host: '127.0.0.1', localAddress: '127.0.0.1', localPort: ctx.refused },
    ],
  },
  {
    label:
      "({ fd, port, host: '127.0.0.1', readable: true, writable: true }) with an unbound TCP socket",
    args: (ctx) => [
      {
        fd: ctx.tcpDescriptor(),
        port: ctx.port4,
        host: '127.0.0.1',
        readable: true,
        writable: true,
      },
    ],
    needsDescriptor: true,
  },
  {
    label: "({ fd, port, host: '127.0.0.1', readable: false, writable: true }): write-only",
    args: (ctx) => [
      {
        fd: ctx.tcpDescriptor(),
        port: ctx.port4,
        host: '127.0.0.1',
        readable: false,
        writable: true,
      },
    ],
    needsDescriptor: true,
  },
  {
    label:
      "createConnection({ fd, port, host: '127.0.0.1', readable: true, writable: true }, listener)",
    call: 'createConnection',
    args: (ctx) => [
      {
        fd: ctx.tcpDescriptor(),
        port: ctx.port4,
        host: '127.0.0.1',
        readable: true,
        writable: true,
      },
      () => {},
    ],
    countsListener: true,
    needsDescriptor: true,
  },
  ...(CLIENT_BLOCK_LIST
    ? [
        {
          label: "({ port, host: '127.0.0.1', blockList }) with 127.0.0.1 blocked: ERR_IP_BLOCKED",
          args: (ctx: CallContext) => [
            { port: ctx.port4, host: '127.0.0.1', blockList: blockListOf('127.0.0.1') },
          ],
        },
        {
          label:
            "({ port, host: 'localhost', blockList }) with 127.0.0.1 and ::1 blocked: ERR_IP_BLOCKED",
          args: (ctx: CallContext) => [
            { port: ctx.port4, host: 'localhost', blockList: blockListOf('127.0.0.1', '::1') },
          ],
        },
        {
          label: "({ port, host: '127.0.0.1', blockList }) with another address blocked",
          args: (ctx: CallContext) => [
            { port: ctx.port4, host: '127.0.0.1', blockList: blockListOf('192.0.2.1') },
          ],
        },
        {
          label: "({ port, host: '127.0.0.1', blockList: 'x' })",
          args: (ctx: CallContext) => [{ port: ctx.port4, host: '127.0.0.1', blockList: 'x' }],
        },
      ]
    : []),
  { label: '(path)', args: (ctx) => [ctx.pipe] },
  { label: '({ path })', args: (ctx) => [{ path: ctx.pipe }] },
  {
    label: '({ path }, listener)',
    args: (ctx) => [{ path: ctx.pipe }, () => {}],
    countsListener: true,
  },
  { label: "({ path: 'missing' }): ENOENT", args: (ctx) => [{ path: ctx.freshPath }] },
  { label: "(refused port, '127.0.0.1'): ECONNREFUSED", args: (ctx) => [ctx.refused, '127.0.0.1'] },
  { label: "(refused port, '::1'): ECONNREFUSED", args: (ctx) => [ctx.refused, '::1'] },
  { label: "(refused port, 'localhost'): ECONNREFUSED", args: (ctx) => [ctx.refused, 'localhost'] },
  {
    label: "({ port: refused, host: '127.0.0.1', timeout: 10000 }): ECONNREFUSED",
    args: (ctx) => [{ port: ctx.refused, host: '127.0.0.1', timeout: 10000 }],
  },
  { label: '()', args: () => [] },
  { label: '({})', args: () => [{}] },
  { label: "({ host: '127.0.0.1' })", args: () => [{ host: '127.0.0.1' }] },
  { label: "({ port: 0, host: '127.0.0.1' })", args: () => [{ port: 0, host: '127.0.0.1' }] },
  ...BAD_PORTS.map(([label, port]) => ({
    label: `({ port: ${label}, host: '127.0.0.1' })`,
    args: () => [{ port, host: '127.0.0.1' }],
  })),
  { label: '(-1)', args: () => [-1] },
  { label: '({ port, host: 5 })', args: (ctx) => [{ port: ctx.port4, host: 5 }] },
  {
    label: "({ port, host: '127.0.0.1', family: 5 })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', family: 5 }],
  },
  {
    label: "({ port, host: 'localhost', family: 'x' })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', family: 'x' }],
  },
  {
    label: "({ port, host: 'app.test', lookup: 5 })",
    args: (ctx) => [{ port: ctx.port4, host: 'app.test', lookup: 5 }],
  },
  {
    label: "({ port, host: '127.0.0.1', localAddress: 'not-an-ip' })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', localAddress: 'not-an-ip' }],
  },
  {
    label: "({ port, host: '127.0.0.1', localPort: 'x' })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', localPort: 'x' }],
  },
  {
    label: "({ port, host: '127.0.0.1', timeout: -1 })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', timeout: -1 }],
  },
  {
    label: "({ port, host: '127.0.0.1', signal: 'x' })",
    args: (ctx) => [{ port: ctx.port4, host: '127.0.0.1', signal: 'x' }],
  },
  {
    label: "({ port, host: 'localhost', hints: -1 })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', hints: -1 }],
  },
  {
    label: "({ port, host: 'localhost', autoSelectFamilyAttemptTimeout: 'x' })",
    args: (ctx) => [{ port: ctx.port4, host: 'localhost', autoSelectFamilyAttemptTimeout: 'x' }],
  },
  {
    label: "({ port, host: '127.0.0.1', keepAliveInitialDelay: 'x' })",
    args: (ctx) => [
      { port: ctx.port4, host: '127.0.0.1', keepAlive: true, keepAliveInitialDelay: 'x' },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Part 2: behaviours

/** Who plays server and client in one run of a behaviour. */
export interface Pairing {
  readonly label: string;
  readonly server: NetFunctions;
  readonly client: NetFunctions;
  /** How this pairing's connections travel, which decides the differences that apply. */
  readonly transport: Transport;
}

/** One of Node's documented behaviours, as a run that returns what users observe. */
export interface Behaviour {
  readonly title: string;
  /** The hosts it runs on (127.0.0.1 by default). */
  readonly hosts?: readonly string[];
  readonly run: (pair: Pairing, host: string) => Promise<unknown>;
}

/** A server of `pair` on `host` with `handler` for each connection, and its port. */
async function serve(
  scope: Scope,
  pair: Pairing,
  host: string,
  options: Record<string, unknown> | null,
  handler: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = scope.server(
    options === null ? pair.server.createServer() : pair.server.createServer(options),
  );
  server.on('connection', (socket: Socket) => {
    scope.socket(socket);
    handler(socket);
  });
  const port = await listenOn(server, host);
  return { server, port };
}

function dial(scope: Scope, pair: Pairing, options: Record<string, unknown>): Socket {
  return scope.socket(pair.client.connect(options));
}

/** Resolves with the next accepted socket of `server`. */
const accepted = (server: Server) =>
  within(once(server, 'connection') as Promise<[Socket]>, 'connection').then(([s]) => s);

const echo = (socket: Socket) => socket.pipe(socket);

/** Records the calls of a handle's `setNoDelay` and `setKeepAlive` into `calls`, made through. */
function spyOnOptions(handle: Record<string, unknown> | null, calls: unknown[][]): void {
  if (handle === null) return;
  for (const name of ['setNoDelay', 'setKeepAlive'] as const) {
    const method = handle[name];
    if (typeof method !== 'function') {
      calls.push([`no ${name}`]);
      continue;
    }
    handle[name] = function recorded(this: unknown, ...args: unknown[]) {
      calls.push([name, ...args]);
      return method.apply(this, args);
    };
  }
}

/** Node's documented `net` behaviours that users rely on. */
export const BEHAVIOURS: readonly Behaviour[] = [
  {
    title: 'write callbacks run in order, before finish and the end() callback',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const order: string[] = [];
        const text = received(socket);
        for (const part of ['a', 'bb', 'ccc'])
          socket.write(part, () => order.push(`write ${part}`));
        socket.on('finish', () => order.push('finish'));
        socket.end('dd', () => order.push('end callback'));
        await closed(socket);
        return { order, text: text() };
      }),
  },
  {
    title: 'end(data): the peer reads the data, then end; the default server ends its side in turn',
    run: (pair, host) =>
      run(async (scope) => {
        let peer: { events: string[]; text: () => string } | undefined;
        const { port } = await serve(scope, pair, host, null, (socket) => {
          const trace = recordEvents(socket);
          peer = { events: trace.events, text: received(socket) };
          socket.resume();
        });
        const socket = dial(scope, pair, { port, host });
        const client = recordEvents(socket);
        socket.resume();
        socket.end('last words');
        await closed(socket);
        await settle();
        return { client: client.events, accepted: peer?.events, acceptedText: peer?.text() };
      }),
  },
  {
    title:
      'write() and end() while the name resolves: the peer reads it all, then end; the client finishes and closes',
    hosts: ['app.test', 'app6.test'],
    run: (pair, host) =>
      run(async (scope) => {
        let peer: { events: string[]; text: () => string } | undefined;
        const server = scope.server(pair.server.createServer());
        server.on('connection', (socket: Socket) => {
          scope.socket(socket);
          peer = { events: recordEvents(socket).events, text: received(socket) };
        });
        const port = await listenOn(server, host === 'app6.test' ? '::1' : '127.0.0.1');
        const socket = dial(scope, pair, { port, host, lookup: LOOKUP });
        const client = recordEvents(socket);
        socket.write('early ');
        socket.end('words');
        socket.resume();
        await closed(socket);
        await settle();
        return { client: client.events, accepted: peer?.events, acceptedText: peer?.text() };
      }),
  },
  {
    title:
      'end() and end(data) before a host name resolves: the peer reads the data, then end; the echo comes back',
    run: (pair) =>
      run(async (scope) => {
        const peers: { events: string[]; text: () => string }[] = [];
        const { port } = await serve(scope, pair, 'localhost', null, (socket) => {
          const trace = recordEvents(socket);
          peers.push({ events: trace.events, text: received(socket) });
          echo(socket);
        });
        const outcomes = [];
        for (const data of [undefined, 'last words']) {
          const socket = dial(scope, pair, { port, host: 'localhost' });
          const text = received(socket);
          if (data === undefined) socket.end();
          else socket.end(data);
          await closed(socket);
          await settle();
          const peer = peers.at(-1);
          outcomes.push({ echoed: text(), accepted: peer?.events, acceptedText: peer?.text() });
        }
        return outcomes;
      }),
  },
  {
    title:
      'onread with a buffer() function, connecting by name: buffer() runs as often, reads fill it',
    run: (pair) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, 'localhost', null, (socket) => {
          socket.end('abcdefghij');
        });
        let buffers = 0;
        const reads: string[] = [];
        const socket = dial(scope, pair, {
          port,
          host: 'localhost',
          onread: {
            buffer: () => {
              buffers++;
              return Buffer.alloc(4);
            },
            callback: (length: number, buffer: Buffer) => {
              reads.push(buffer.toString('latin1', 0, length));
            },
          },
        });
        await closed(socket);
        return { buffers, text: reads.join('') };
      }),
  },
  {
    title: 'allowHalfOpen server: after the client ends, the server still writes, then ends',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, { allowHalfOpen: true }, (socket) => {
          socket.resume();
          socket.on('end', () => {
            socket.write('still here');
            setImmediate(() => socket.end(' and done'));
          });
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        const text = received(socket);
        const states: string[] = [];
        socket.on('connect', () => socket.end(() => states.push(socket.readyState)));
        await closed(socket);
        return { events: trace.events, text: text(), states };
      }),
  },
  {
    title:
      'allowHalfOpen client: after the server ends, the client still writes; readyState readOnly/writeOnly',
    run: (pair, host) =>
      run(async (scope) => {
        let got: (() => string) | undefined;
        const { port } = await serve(scope, pair, host, { allowHalfOpen: true }, (socket) => {
          got = received(socket);
          socket.end('bye');
        });
        const socket = dial(scope, pair, { port, host, allowHalfOpen: true });
        const trace = recordEvents(socket);
        const text = received(socket);
        const states: string[] = [];
        socket.on('end', () => {
          states.push(socket.readyState);
          socket.write('after your end', () => {
            socket.end();
            states.push(socket.readyState);
          });
        });
        await closed(socket);
        await settle();
        return { events: trace.events, text: text(), states, serverGot: got?.() };
      }),
  },
  {
    title: 'readyState through a connection: opening, open, writeOnly, closed',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => {
          socket.resume();
          socket.on('end', () => setImmediate(() => socket.end()));
        });
        const socket = dial(scope, pair, { port, host });
        const states = [socket.readyState];
        socket.on('connect', () => {
          states.push(socket.readyState);
          socket.end();
          states.push(socket.readyState);
        });
        socket.resume();
        await closed(socket);
        states.push(socket.readyState);
        return { states };
      }),
  },
  {
    title: 'pending and connecting: true until connect, false after; pending again once closed',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const seen = [{ at: 'connect()', pending: socket.pending, connecting: socket.connecting }];
        socket.on('connect', () =>
          seen.push({ at: 'connect', pending: socket.pending, connecting: socket.connecting }),
        );
        socket.on('ready', () => {
          seen.push({ at: 'ready', pending: socket.pending, connecting: socket.connecting });
          socket.end();
        });
        socket.resume();
        await closed(socket);
        seen.push({ at: 'close', pending: socket.pending, connecting: socket.connecting });
        return { seen };
      }),
  },
  {
    title: 'writes before connect are queued, counted in bytesWritten at once, and delivered',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const early = [socket.write('early '), socket.bytesWritten, socket.writableLength];
        socket.write('bird');
        const counted = socket.bytesWritten;
        const text = received(socket);
        socket.end();
        await closed(socket);
        return { early, counted, text: text(), final: socketState(socket) };
      }),
  },
  {
    title: 'bytesRead and bytesWritten on both sides after an exchange',
    run: (pair, host) =>
      run(async (scope) => {
        let peer: Socket | undefined;
        const { port } = await serve(scope, pair, host, null, (socket) => {
          peer = socket;
          socket.resume();
          socket.on('end', () => socket.end(Buffer.alloc(2345, 7)));
        });
        const socket = dial(scope, pair, { port, host });
        socket.resume();
        socket.end(Buffer.alloc(1000, 1));
        await closed(socket);
        if (peer) await closed(peer);
        return {
          client: { read: socket.bytesRead, written: socket.bytesWritten },
          accepted: { read: peer?.bytesRead, written: peer?.bytesWritten },
        };
      }),
  },
  {
    title: "setTimeout(ms): 'timeout' on an idle socket, which stays open until ended",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const returned = socket.setTimeout(30) === socket;
        const trace = recordEvents(socket);
        socket.resume();
        await within(once(socket, 'timeout'), "'timeout'");
        const after = {
          destroyed: socket.destroyed,
          readyState: socket.readyState,
          timeout: socket.timeout,
        };
        socket.setTimeout(0);
        socket.end();
        await closed(socket);
        return { returned, after, events: trace.events };
      }),
  },
  {
    title: 'setTimeout(ms, callback) adds a once listener; setTimeout(0) turns the timer off',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        let calls = 0;
        let events = 0;
        socket.on('timeout', () => {
          events++;
          socket.setTimeout(0);
        });
        socket.setTimeout(20, () => calls++);
        const listeners = socket.listenerCount('timeout');
        await within(once(socket, 'timeout'), "'timeout'");
        await settle(80);
        const result = {
          listeners,
          calls,
          events,
          after: socket.listenerCount('timeout'),
          timeout: socket.timeout,
        };
        socket.end();
        socket.resume();
        await closed(socket);
        return result;
      }),
  },
  {
    title: "the timeout option of connect() sets socket.timeout and brings 'timeout'",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host, timeout: 25 });
        const before = socket.timeout;
        const trace = recordEvents(socket);
        socket.resume();
        await within(once(socket, 'timeout'), "'timeout'");
        socket.setTimeout(0);
        socket.end();
        await closed(socket);
        return { before, events: trace.events };
      }),
  },
  {
    title: "an accepted socket's setTimeout brings 'timeout' on the server side",
    run: (pair, host) =>
      run(async (scope) => {
        const result: Record<string, unknown> = {};
        const timedOut = new Promise<void>((resolve) => {
          void serve(scope, pair, host, null, (socket) => {
            result.returned = socket.setTimeout(25) === socket;
            result.timeout = socket.timeout;
            socket.on('timeout', () => {
              result.destroyed = socket.destroyed;
              socket.end();
              resolve();
            });
            socket.resume();
          }).then(({ port }) => {
            const socket = dial(scope, pair, { port, host });
            socket.resume();
            result.socket = socket;
          });
        });
        await within(timedOut, "accepted 'timeout'");
        await closed(result.socket as Socket);
        delete result.socket;
        return result;
      }),
  },
  {
    title: "pause(): no 'data' while paused, isPaused(); resume() delivers what was held, then end",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => {
          socket.resume();
          socket.end('held back');
        });
        const socket = dial(scope, pair, { port, host });
        const text = received(socket);
        socket.pause();
        const trace = recordEvents(socket, { exclude: ['data'] });
        await within(once(socket, 'connect'), 'connect');
        await settle(50);
        const whilePaused = {
          isPaused: socket.isPaused(),
          text: text(),
          events: [...trace.events],
        };
        socket.resume();
        socket.end();
        await closed(socket);
        return { whilePaused, text: text(), events: trace.events, isPaused: socket.isPaused() };
      }),
  },
  {
    title: 'pauseOnConnect: accepted sockets start paused and read nothing until resume()',
    run: (pair, host) =>
      run(async (scope) => {
        const result: Record<string, unknown> = {};
        let peer: Socket | undefined;
        let text: (() => string) | undefined;
        const { server, port } = await serve(
          scope,
          pair,
          host,
          { pauseOnConnect: true },
          (socket) => {
            peer = socket;
            result.isPaused = socket.isPaused();
            text = received(socket);
          },
        );
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        socket.write('hello');
        await arrived;
        await settle(50);
        result.readWhilePaused = text?.();
        result.bytesReadWhilePaused = peer?.bytesRead;
        peer?.resume();
        socket.end(' world');
        if (peer) await closed(peer);
        result.text = text?.();
        return result;
      }),
  },
  {
    title: 'destroySoon(): ends once pending writes are flushed; all data arrives',
    run: (pair, host) =>
      run(async (scope) => {
        let got: (() => string) | undefined;
        let done: Promise<unknown> | undefined;
        const { port } = await serve(scope, pair, host, null, (socket) => {
          got = received(socket);
          done = once(socket, 'end');
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        socket.write(Buffer.alloc(200_000, 'x'));
        socket.destroySoon();
        const right = { writable: socket.writable, destroyed: socket.destroyed };
        await closed(socket);
        await within(done ?? Promise.resolve(), 'server end');
        return { right, events: trace.events, length: got?.().length };
      }),
  },
  {
    title: 'getConnections() counts open connections, down to 0 once they close',
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const count = () =>
          new Promise<unknown>((resolve) =>
            server.getConnections((error, n) => resolve(error ? errorShape(error) : n)),
          );
        const clients: Socket[] = [];
        for (let i = 0; i < 3; i++) {
          const arrived = accepted(server);
          clients.push(dial(scope, pair, { port, host }));
          await arrived;
        }
        const open = await count();
        for (const client of clients) client.destroy();
        const deadline = Date.now() + HANG_MS;
        let after = await count();
        while (after !== 0 && Date.now() < deadline) {
          await settle(10);
          after = await count();
        }
        return { open, after };
      }),
  },
  {
    title: "maxConnections: connections past the limit are closed, each announced with 'drop'",
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        server.maxConnections = 1;
        const arrived = accepted(server);
        const first = dial(scope, pair, { port, host });
        await arrived;
        const drop = within(once(server, 'drop'), "'drop'");
        const second = dial(scope, pair, { port, host });
        const trace = recordEvents(second);
        second.resume();
        const [data] = (await drop) as [Record<string, unknown>];
        await closed(second);
        const connections = await new Promise((resolve) =>
          server.getConnections((_, n) => resolve(n)),
        );
        first.destroy();
        return {
          drop: {
            localAddress: data.localAddress,
            localPort: data.localPort === port ? '<server port>' : data.localPort,
            localFamily: data.localFamily,
            remoteAddress: data.remoteAddress,
            remotePort: typeof data.remotePort === 'number' ? '<ephemeral port>' : data.remotePort,
            remoteFamily: data.remoteFamily,
          },
          second: trace.events.filter((event) => event !== 'error:ECONNRESET'),
          connections,
        };
      }),
  },
  {
    title:
      "server.close(): stops listening at once, 'close' and the callback after the last connection",
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const peer = await arrived;
        const trace = recordEvents(server);
        const order: string[] = [];
        const serverClosed = once(server, 'close');
        server.close((error) =>
          order.push(`callback ${String((error as { code?: string })?.code ?? 'ok')}`),
        );
        const now = { listening: server.listening, address: server.address() };
        await settle();
        order.push('connection still open');
        socket.end();
        await closed(peer);
        await within(serverClosed, "server 'close'");
        await settle();
        return { now, order, events: trace.events };
      }),
  },
  {
    title: 'server.close() on a server that is not listening: ERR_SERVER_NOT_RUNNING',
    run: (pair) =>
      run(async (scope) => {
        const server = scope.server(pair.server.createServer());
        const trace = recordEvents(server);
        const error = await new Promise((resolve) => server.close(resolve));
        await settle();
        return { error: shapeOrNull(error), events: trace.events };
      }),
  },
  {
    title: 'listen() on a listening server throws ERR_SERVER_ALREADY_LISTEN',
    run: (pair, host) =>
      run(async (scope) => {
        const { server } = await serve(scope, pair, host, null, () => {});
        return { second: attempt(() => server.listen(0, host)).threw, listening: server.listening };
      }),
  },
  {
    title: 'server.address() while listening, null once closed; listening flag follows',
    hosts: ['127.0.0.1', '::1'],
    run: (pair, host) =>
      run(async (scope) => {
        const server = scope.server(pair.server.createServer());
        const before = { address: server.address(), listening: server.listening };
        const port = await listenOn(server, host);
        const during = {
          address: serverAddress(server, undefined, { port }),
          listening: server.listening,
        };
        await closeServer(server);
        return {
          before,
          during,
          after: { address: server.address(), listening: server.listening },
        };
      }),
  },
  {
    title:
      "listen() leaves no 'listening' listener behind, bound at once or after a lookup (ws compares the counts)",
    run: (pair, host) =>
      run(async (scope) => {
        const server = scope.server(pair.server.createServer());
        server.on('connection', (socket: Socket) => echo(scope.socket(socket)));
        const count = () => server.listenerCount('listening');
        const before = count();
        await listenOn(server, host);
        const bound = count();
        await closeServer(server);
        const afterClose = count();
        // By name, Node binds after the lookup: the fast path's server opens as 'listening' comes.
        const byName = await listenOn(server, 'localhost');
        const afterLookup = count();
        const socket = dial(scope, pair, { port: byName, host: 'localhost' });
        const text = received(socket);
        socket.end('round trip');
        await closed(socket);
        return { before, bound, afterClose, afterLookup, text: text() };
      }),
  },
  {
    title: 'server.unref() lets the event loop end; ref() holds it again',
    run: (pair, host) =>
      run(async (scope) => {
        const base = refedNetHandles();
        const { server } = await serve(scope, pair, host, null, () => {});
        const listening = refedNetHandles() > base;
        const returned = server.unref() === server;
        const unrefed = refedNetHandles() === base;
        server.ref();
        const refed = refedNetHandles() > base;
        return { listening, returned, unrefed, refed };
      }),
  },
  {
    title: 'socket.unref() releases exactly that socket; ref() takes it back',
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        await within(once(socket, 'connect'), 'connect');
        await arrived;
        await settle();
        const before = refedNetHandles();
        const returned = socket.unref() === socket;
        const released = before - refedNetHandles();
        socket.ref();
        const back = refedNetHandles() - before;
        socket.end();
        return { returned, released, back };
      }),
  },
  {
    title:
      "'close' hadError: destroy(error) gives 'error' then close(true); end() gives close(false)",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const a = dial(scope, pair, { port, host });
        const aTrace = recordEvents(a);
        a.on('connect', () => a.destroy(Object.assign(new Error('boom'), { code: 'EBOOM' })));
        await closed(a);
        const b = dial(scope, pair, { port, host });
        const bTrace = recordEvents(b);
        b.resume();
        b.on('connect', () => b.end());
        await closed(b);
        return {
          destroyed: aTrace.events,
          error: shapeOrNull(aTrace.errors[0]),
          ended: bTrace.events,
        };
      }),
  },
  {
    title: "destroy() right after connect(): no 'connect', close(false), no error",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        socket.destroy();
        const now = socketState(socket);
        await closed(socket);
        await settle();
        return { now, events: trace.events, final: socketState(socket) };
      }),
  },
  {
    title: 'write() after end(): ERR_STREAM_WRITE_AFTER_END to the callback and as an error event',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        socket.resume();
        socket.end('done');
        let callbackError: unknown;
        const returned = socket.write('too late', (error) => {
          callbackError = error;
        });
        await closed(socket);
        return { returned, callback: shapeOrNull(callbackError), events: trace.events };
      }),
  },
  {
    title: 'cork()/uncork(): corked writes are delivered whole, callbacks in order',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const order: string[] = [];
        socket.cork();
        const corked = socket.writableCorked;
        socket.write('one,', () => order.push('one'));
        socket.write('two,', () => order.push('two'));
        const lengthWhileCorked = socket.writableLength;
        process.nextTick(() => socket.uncork());
        socket.write('three', () => order.push('three'));
        const text = received(socket);
        socket.end();
        await closed(socket);
        return { corked, lengthWhileCorked, order, text: text(), uncorked: socket.writableCorked };
      }),
  },
  {
    title: "setEncoding('utf8'): strings, a character split across writes decoded whole",
    run: (pair, host) =>
      run(async (scope) => {
        const euro = Buffer.from('€', 'utf8');
        const { port } = await serve(scope, pair, host, null, (socket) => {
          socket.write(euro.subarray(0, 1));
          setTimeout(() => socket.end(Buffer.concat([euro.subarray(1), Buffer.from(' ok')])), 20);
          socket.resume();
        });
        const socket = dial(scope, pair, { port, host });
        const returned = socket.setEncoding('utf8') === socket;
        const types = new Set<string>();
        let text = '';
        socket.on('data', (chunk: unknown) => {
          types.add(typeof chunk);
          text += String(chunk);
        });
        socket.end();
        await closed(socket);
        return { returned, types: [...types], text, encoding: socket.readableEncoding };
      }),
  },
  {
    title:
      'setNoDelay() and setKeepAlive() return the socket; the noDelay and keepAlive options are taken',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(
          scope,
          pair,
          host,
          { noDelay: true, keepAlive: true, keepAliveInitialDelay: 500 },
          echo,
        );
        const socket = dial(scope, pair, { port, host, noDelay: true, keepAlive: true });
        const trace = recordEvents(socket);
        const before = [
          socket.setNoDelay(true) === socket,
          socket.setKeepAlive(true, 1000) === socket,
        ];
        await within(once(socket, 'connect'), 'connect');
        const after = [
          socket.setNoDelay(false) === socket,
          socket.setNoDelay() === socket,
          socket.setKeepAlive(false) === socket,
        ];
        const text = received(socket);
        socket.end('still fine');
        await closed(socket);
        return { before, after, text: text(), events: trace.events };
      }),
  },
  {
    title:
      "noDelay and keepAlive reach the handle as Node passes them: the client's once connected, the server's on each accepted socket, then each change",
    hosts: ['127.0.0.1', 'app.test'],
    run: (pair, host) =>
      run(async (scope) => {
        const server = scope.server(
          pair.server.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 }),
        );
        const accepted: unknown[][] = [];
        server.on('connection', (socket: Socket) => {
          scope.socket(socket);
          accepted.push(['connection']);
          // No change, then one of each: Node calls the handle for the changes only.
          socket.setNoDelay(true);
          socket.setKeepAlive(true, 1000);
          socket.setKeepAlive(true, 2000);
          socket.setNoDelay(false);
          socket.resume();
          socket.on('end', () => socket.end());
        });
        const port = await listenOn(server, '127.0.0.1');
        const listening = (server as unknown as { _handle: Record<string, unknown> })._handle;
        const onconnection = listening.onconnection as (...args: unknown[]) => void;
        listening.onconnection = (status: number, handle: Record<string, unknown>) => {
          accepted.push(['onconnection', status]);
          spyOnOptions(handle, accepted);
          onconnection.call(listening, status, handle);
        };
        const client: unknown[][] = [];
        const named = host === 'app.test';
        const socket = dial(scope, pair, {
          port,
          host,
          ...(named ? { lookup: LOOKUP } : {}),
          noDelay: true,
          keepAlive: true,
          keepAliveInitialDelay: 3000,
        });
        // As Node's tests and tracers do: on the handle the socket has when connect() returns.
        spyOnOptions((socket as unknown as { _handle: Record<string, unknown> })._handle, client);
        await within(once(socket, 'connect'), 'connect');
        client.push(['connect']);
        socket.setNoDelay(false);
        socket.setKeepAlive(true, 5000);
        socket.setKeepAlive(false);
        socket.end();
        await closed(socket);
        return { client, accepted };
      }),
  },
  {
    title: "highWaterMark: a server's reaches every socket it accepts, a client's its own socket",
    run: (pair, host) =>
      run(async (scope) => {
        let peer: Socket | undefined;
        const { port } = await serve(scope, pair, host, { highWaterMark: 32768 }, (socket) => {
          peer = socket;
          socket.resume();
          socket.on('end', () => socket.end());
        });
        const socket = dial(scope, pair, { port, host, highWaterMark: 4096 });
        socket.end('x');
        socket.resume();
        await closed(socket);
        const marks = (s: Socket | undefined) => [
          s?.readableHighWaterMark,
          s?.writableHighWaterMark,
        ];
        return { client: marks(socket), accepted: marks(peer) };
      }),
  },
  {
    title: 'address properties on both sides (remote/local address, family, port, address())',
    hosts: ['127.0.0.1', '::1'],
    run: (pair, host) =>
      run(async (scope) => {
        let peer: Socket | undefined;
        const { server, port } = await serve(scope, pair, host, null, (socket) => {
          peer = socket;
          socket.resume();
        });
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const atStart = {
          remoteAddress: socket.remoteAddress,
          remotePort: portToken(socket.remotePort, { 'server port': port }),
        };
        await within(once(socket, 'connect'), 'connect');
        await arrived;
        const known = { 'server port': port };
        const result = {
          atStart,
          client: { addresses: socketAddresses(socket, known) },
          accepted: { addresses: peer ? socketAddresses(peer, known) : null },
          sameServer: (peer as (Socket & { server?: Server }) | undefined)?.server === server,
        };
        socket.destroy();
        return result;
      }),
  },
  {
    title: "the connect listener is a once listener for 'connect'",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        let calls = 0;
        const socket = scope.socket(pair.client.connect({ port, host }, () => calls++));
        const listeners = socket.listenerCount('connect');
        await within(once(socket, 'connect'), 'connect');
        await settle();
        socket.emit('connect');
        const after = { calls, listeners: socket.listenerCount('connect') };
        socket.destroy();
        return { listeners, after };
      }),
  },
  {
    title:
      'connect goes through net.Socket.prototype.connect as patched at call time: once per socket, by address, by name and on a bare socket',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const prototype = net.Socket.prototype;
        const patched = prototype.connect;
        const calls: Socket[] = [];
        // As APM agents and tracers patch it, after everything else has loaded.
        prototype.connect = function instrumented(this: Socket, ...args: unknown[]) {
          calls.push(this);
          return (patched as (...a: unknown[]) => Socket).apply(this, args);
        } as Socket['connect'];
        try {
          const sockets = {
            byAddress: dial(scope, pair, { port, host }),
            byName: dial(scope, pair, { port, host: 'app.test', lookup: LOOKUP }),
            bare: scope.socket(new net.Socket().connect({ port, host })),
          };
          const named = (socket: Socket) =>
            Object.entries(sockets).find(([, own]) => own === socket)?.[0] ?? 'another socket';
          const atCall = calls.map(named);
          const texts = await Promise.all(
            Object.values(sockets).map(async (socket) => {
              const text = received(socket);
              socket.end('hello');
              await closed(socket);
              return text();
            }),
          );
          return { atCall, after: calls.map(named), texts };
        } finally {
          prototype.connect = patched;
        }
      }),
  },
  {
    title: "a 'net' performance entry per connect (name, type, host, port), by address and by name",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const entries: PerformanceEntry[] = [];
        const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
        observer.observe({ type: 'net' });
        try {
          const sockets = [
            dial(scope, pair, { port, host }),
            dial(scope, pair, { port, host: 'app.test', lookup: LOOKUP }),
          ];
          await Promise.all(sockets.map((socket) => within(once(socket, 'connect'), 'connect')));
          for (const socket of sockets) socket.destroy();
          await settle();
          entries.push(...observer.takeRecords());
        } finally {
          observer.disconnect();
        }
        return entries
          .map((entry) => {
            const { detail } = entry as { detail?: { host?: unknown; port?: unknown } | null };
            return {
              name: entry.name,
              entryType: entry.entryType,
              host: detail?.host,
              port: portToken(detail?.port, { 'server port': port }),
              timed: entry.startTime > 0 && entry.duration >= 0,
            };
          })
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      }),
  },
  {
    title:
      "diagnostics_channel: net.client.socket, net.server.socket and tracing:net.server.listen fire once each, with the user's sockets and server",
    run: (pair, host) =>
      run(async (scope) => {
        const published: [string, unknown][] = [];
        const onClient = (message: unknown) =>
          published.push(['net.client.socket', (message as { socket: unknown }).socket]);
        const onServer = (message: unknown) =>
          published.push(['net.server.socket', (message as { socket: unknown }).socket]);
        const listen = diagnostics.tracingChannel('net.server.listen');
        const tracing = Object.fromEntries(
          (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((event) => [
            event,
            (message: unknown) => {
              published.push([
                `net.server.listen ${event}`,
                (message as { server: unknown }).server,
              ]);
            },
          ]),
        ) as unknown as Parameters<typeof listen.subscribe>[0];
        diagnostics.subscribe('net.client.socket', onClient);
        diagnostics.subscribe('net.server.socket', onServer);
        listen.subscribe(tracing);
        const accepted = new Set<Socket>();
        try {
          const { server, port } = await serve(scope, pair, host, null, (socket) => {
            accepted.add(socket);
            echo(socket);
          });
          const sockets = {
            byAddress: dial(scope, pair, { port, host }),
            byName: dial(scope, pair, { port, host: 'app.test', lookup: LOOKUP }),
            bare: scope.socket(new net.Socket().connect({ port, host })),
          };
          await Promise.all(
            Object.values(sockets).map(async (socket) => {
              socket.end('hello');
              socket.resume();
              await closed(socket);
            }),
          );
          await settle();
          const named = (target: unknown) => {
            if (target === server) return 'the server';
            if (accepted.has(target as Socket)) return 'an accepted socket';
            const own = Object.entries(sockets).find(([, socket]) => socket === target);
            return own ? own[0] : 'something else';
          };
          return published.map(([channel, target]) => `${channel}: ${named(target)}`).sort();
        } finally {
          diagnostics.unsubscribe('net.client.socket', onClient);
          diagnostics.unsubscribe('net.server.socket', onServer);
          listen.unsubscribe(tracing);
        }
      }),
  },
  {
    title: "'end' waits until the data is read: a socket nobody reads never ends",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => {
          socket.resume();
          socket.end('unread');
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        await within(once(socket, 'connect'), 'connect');
        await settle(60);
        const unread = { events: [...trace.events], readableLength: socket.readableLength > 0 };
        const text = received(socket);
        socket.end();
        await closed(socket);
        return { unread, events: trace.events, text: text() };
      }),
  },
  {
    title: 'an AbortSignal aborted after connect destroys the socket with an AbortError',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const controller = new AbortController();
        const socket = dial(scope, pair, { port, host, signal: controller.signal });
        const trace = recordEvents(socket);
        await within(once(socket, 'connect'), 'connect');
        controller.abort();
        await closed(socket);
        return {
          events: trace.events,
          error: shapeOrNull(trace.errors[0]),
          destroyed: socket.destroyed,
        };
      }),
  },
  {
    title: 'an AbortSignal aborted after listen closes the server',
    run: (pair, host) =>
      run(async (scope) => {
        const controller = new AbortController();
        const server = scope.server(pair.server.createServer());
        const trace = recordEvents(server);
        server.listen({ port: 0, host, signal: controller.signal });
        await within(once(server, 'listening'), 'listening');
        controller.abort();
        await within(once(server, 'close'), "server 'close'");
        return { events: trace.events, listening: server.listening, address: server.address() };
      }),
  },
  {
    title: 'ECONNREFUSED: the same single error and close as node:net',
    hosts: ['127.0.0.1', '::1'],
    run: (pair, host) =>
      run(async (scope) => {
        const port = await refusedPort(scope, () => pair.server.createServer(), host);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket, { scrub: scrubber({ port }) });
        await closed(socket);
        await settle();
        return {
          events: trace.events,
          errors: trace.errors.map((error) => errorShape(error, scrubber({ port }))),
          state: socketState(socket),
        };
      }),
  },
  {
    title:
      "backpressure: a large write returns false, 'drain' follows, every byte arrives in order",
    run: (pair, host) =>
      run(async (scope) => {
        const payload = randomBytes(8 * 1024 * 1024);
        let digest: Promise<string> | undefined;
        const { port } = await serve(scope, pair, host, null, (socket) => {
          const hash = createHash('sha256');
          socket.on('data', (chunk: Buffer) => hash.update(chunk));
          digest = once(socket, 'end').then(() => {
            socket.end();
            return hash.digest('hex');
          });
        });
        const socket = dial(scope, pair, { port, host });
        await within(once(socket, 'connect'), 'connect');
        const returned = socket.write(payload);
        const drained = await within(
          once(socket, 'drain').then(() => true),
          "'drain'",
          20_000,
        );
        socket.end();
        socket.resume();
        await closed(socket, 'close after 8 MiB');
        const sent = createHash('sha256').update(payload).digest('hex');
        return { returned, drained, intact: (await (digest ?? Promise.resolve(''))) === sent };
      }),
  },
  {
    title: 'resetAndDestroy() resets the connection: the peer gets ECONNRESET',
    run: (pair, host) =>
      run(async (scope) => {
        let peer: { events: string[] } | undefined;
        let peerSocket: Socket | undefined;
        const { server, port } = await serve(scope, pair, host, null, (socket) => {
          peer = recordEvents(socket);
          peerSocket = socket;
          socket.resume();
        });
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        await within(once(socket, 'connect'), 'connect');
        await arrived;
        socket.resetAndDestroy();
        await closed(socket);
        if (peerSocket) await closed(peerSocket);
        return { client: trace.events, accepted: { events: peer?.events } };
      }),
  },
  {
    title: "resetAndDestroy() of an accepted socket: the client's read fails with ECONNRESET",
    run: (pair, host) =>
      run(async (scope) => {
        const returned: boolean[] = [];
        const { port } = await serve(scope, pair, host, null, (socket) => {
          returned.push(socket.resetAndDestroy() === socket);
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        await closed(socket);
        return {
          returned,
          client: trace.events,
          errors: trace.errors.map((e) => errorShape(e, scrubber({ port }))),
        };
      }),
  },
  {
    title:
      "resetAndDestroy() once both ends are connected, then write(): ERR_STREAM_DESTROYED to the callback; the peer's read fails with ECONNRESET",
    run: (pair, host) =>
      run(async (scope) => {
        let peer: EventTrace | undefined;
        let peerSocket: Socket | undefined;
        const { server, port } = await serve(scope, pair, host, null, (socket) => {
          peer = recordEvents(socket);
          peerSocket = socket;
        });
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        await Promise.all([within(once(socket, 'connect'), 'connect'), arrived]);
        const returned = socket.resetAndDestroy().destroy() === socket;
        let callbackError: unknown;
        socket.write('after the reset', (error) => {
          callbackError = error;
        });
        await closed(socket);
        if (peerSocket) await closed(peerSocket);
        return {
          returned,
          callback: shapeOrNull(callbackError),
          client: trace.events,
          accepted: {
            events: peer?.events,
            errors: peer?.errors.map((e) => errorShape(e, scrubber({ port }))),
          },
        };
      }),
  },
  {
    title:
      "resetAndDestroy() then destroy() while connecting: no 'connect', no error, close(false)",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        const returned = socket.resetAndDestroy() === socket;
        socket.destroy();
        await closed(socket);
        await settle();
        return { returned, events: trace.events };
      }),
  },
  {
    title:
      "resetAndDestroy() while connecting: the reset waits for 'connect', then the socket closes",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => {
          socket.on('error', () => {});
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        const connecting = socket.connecting;
        socket.resetAndDestroy();
        const stillOpen = !socket.destroyed;
        await closed(socket);
        return { connecting, stillOpen, events: trace.events };
      }),
  },
  {
    title:
      "write() after the peer's destroy() (allowHalfOpen client): the first write is accepted, the next fails with EPIPE",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => socket.destroy());
        const socket = dial(scope, pair, { port, host, allowHalfOpen: true });
        const trace = recordEvents(socket);
        const callbacks: (ErrorShape | null)[] = [];
        socket.resume();
        await within(once(socket, 'end'), 'end');
        socket.write('first', (error) => {
          callbacks.push(shapeOrNull(error));
          setTimeout(() => socket.write('second', (late) => callbacks.push(shapeOrNull(late))), 50);
        });
        await closed(socket);
        return { callbacks, events: trace.events };
      }),
  },
  {
    title:
      "write() of 10 MiB right after the peer's destroy(): one error (EPIPE or ECONNRESET), not an accepted write",
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, () => {});
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const [peer] = await Promise.all([arrived, within(once(socket, 'connect'), 'connect')]);
        const errors: string[] = [];
        peer.on('error', (error: NodeJS.ErrnoException) => errors.push(String(error.code)));
        socket.destroy();
        peer.write(Buffer.alloc(10 * 1024 * 1024, 0x62));
        await closed(peer);
        return {
          errors: errors.length,
          resetOrPipe: errors.every((code) => code === 'EPIPE' || code === 'ECONNRESET'),
        };
      }),
  },
  {
    title: 'resetAndDestroy() of a destroyed socket: ERR_SOCKET_CLOSED as an error event',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const socket = dial(scope, pair, { port, host });
        await within(once(socket, 'connect'), 'connect');
        socket.destroy();
        await closed(socket);
        const trace = recordEvents(socket);
        socket.resetAndDestroy();
        await settle();
        return {
          events: trace.events,
          errors: trace.errors.map((e) => errorShape(e, scrubber({ port }))),
        };
      }),
  },
  {
    title:
      "resetAndDestroy() with the peer's data unread (pauseOnConnect): the client's read fails with ECONNRESET",
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, { pauseOnConnect: true }, (socket) => {
          setTimeout(() => socket.resetAndDestroy(), 50);
        });
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        socket.on('connect', () => socket.write('never read'));
        await closed(socket);
        return {
          client: trace.events,
          errors: trace.errors.map((e) => errorShape(e, scrubber({ port }))),
        };
      }),
  },
  {
    title: "the server's 'connection' socket belongs to it: socket.server, listening, connections",
    run: (pair, host) =>
      run(async (scope) => {
        const { server, port } = await serve(scope, pair, host, null, (socket) => socket.resume());
        const arrived = accepted(server);
        const socket = dial(scope, pair, { port, host });
        const peer = await arrived;
        const result = {
          sameServer: (peer as Socket & { server?: Server }).server === server,
          isSocket: peer instanceof net.Socket,
          state: { ...socketState(peer), bytesRead: undefined },
        };
        socket.destroy();
        return result;
      }),
  },
  {
    title: 'end() twice is harmless; destroy() after end() closes without error',
    run: (pair, host) =>
      run(async (scope) => {
        const { port } = await serve(scope, pair, host, null, echo);
        const socket = dial(scope, pair, { port, host });
        const trace = recordEvents(socket);
        socket.end('x');
        const again = socket.end() === socket;
        await within(once(socket, 'finish'), "'finish'");
        socket.destroy();
        await closed(socket);
        return { again, events: trace.events };
      }),
  },
  ...(SERVER_BLOCK_LIST
    ? [
        {
          title:
            "a server's blockList: a blocked client is closed at once, with no 'connection' and no 'drop'",
          run: (pair: Pairing, host: string) =>
            run(async (scope) => {
              let connections = 0;
              let drops = 0;
              const { server, port } = await serve(
                scope,
                pair,
                host,
                { blockList: blockListOf(host) },
                () => connections++,
              );
              server.on('drop', () => drops++);
              const socket = dial(scope, pair, { port, host });
              const trace = recordEvents(socket);
              socket.resume();
              // Whichever comes first: a server that let the client in never closes it.
              const first = await Promise.race([
                firstOf(socket, ['close'], HANG_MS),
                firstOf(server, ['connection'], HANG_MS),
              ]);
              await settle();
              return { first, client: trace.events, connections, drops };
            }),
        },
      ]
    : []),
];

// ---------------------------------------------------------------------------------------------
// The suite

/** Per-impl resources the API table connects to. */
async function targets(
  scope: Scope,
  impl: NetFunctions,
): Promise<Omit<CallContext, 'scrub' | 'known' | 'tcpDescriptor' | 'freshPath'>> {
  const make = () =>
    scope.server(
      impl.createServer((socket: Socket) => {
        scope.socket(socket);
        socket.pipe(socket);
      }),
    );
  const port4 = await listenOn(make(), '127.0.0.1');
  let port6 = await listenOn(make(), '::1');
  // The two families may be given one number; the traces name each port, so they must differ.
  while (port6 === port4) port6 = await listenOn(make(), '::1');
  // The servers below are the world the subject meets, not the subject: `node:net`'s own here,
  // as users' other servers are. In a process started with the preload they go through it like
  // every server there (the busy port's rendezvous name is taken too), which is the world a
  // preloaded program lives in; the references, recorded without it, meet plain ones.
  const busy = await listenOn(scope.server(net.createServer()), '127.0.0.1');
  const pipe = join(scope.directory(), 'echo.sock');
  const pipeServer = scope.server(
    net.createServer((socket) => {
      scope.socket(socket);
      socket.pipe(socket);
    }),
  );
  pipeServer.listen(pipe);
  await within(once(pipeServer, 'listening'), 'pipe listening');
  const refused = await refusedPort(scope, () => net.createServer(), '127.0.0.1');
  return { port4, port6, busy, pipe, refused };
}

function contextFor(
  scope: Scope,
  base: Awaited<ReturnType<typeof targets>>,
  makeTcpDescriptor: (() => number) | undefined,
): CallContext {
  const freshPath = join(scope.directory(), 'fresh.sock');
  const known = { port4: base.port4, port6: base.port6, busy: base.busy, refused: base.refused };
  return {
    ...base,
    freshPath,
    known,
    scrub: scrubber({ ...known, pipe: base.pipe, 'fresh path': freshPath }),
    tcpDescriptor: () => (makeTcpDescriptor ? makeTcpDescriptor() : null),
  };
}

/** What a `connect` call did, as far as users can tell. */
async function connectOutcome(
  impl: NetFunctions,
  row: ConnectCase,
  ctx: CallContext,
  scope: Scope,
  seen: { transport: Transport },
  statusOf?: (socket: Socket) => NetStatus,
): Promise<Record<string, unknown>> {
  const args = row.args(ctx);
  let calls = 0;
  if (row.countsListener) {
    const last = args.length - 1;
    args[last] = () => calls++;
  }
  const call = impl[row.call ?? 'connect'];
  const result = attempt(() => call(...args), ctx.scrub);
  if (result.threw || !result.value) return { threw: result.threw };
  const socket = scope.socket(result.value);
  const trace = recordEvents(socket, { scrub: ctx.scrub });
  const early = socketState(socket);
  let atConnect: Record<string, unknown> | null = null;
  socket.on('connect', () => {
    // Whether this connection was upgraded decides which documented differences apply to it.
    if (statusOf?.(socket).mechanism === 'unix-rendezvous') seen.transport = 'unix-rendezvous';
    atConnect = {
      client: { addresses: socketAddresses(socket, ctx.known) },
      state: socketState(socket),
    };
    (row.onConnect ?? ((s: Socket) => s.end('ping')))(socket);
  });
  const text = received(socket);
  const ended = await firstOf(socket, ['close'], HANG_MS);
  if (ended === null) {
    trace.events.push(`(no close within ${HANG_MS} ms)`);
    socket.destroy();
  }
  if (row.untilFirstClose) {
    trace.stop();
    const outcome = { threw: null, early, events: [...trace.events], state: socketState(socket) };
    socket.destroy();
    return outcome;
  }
  await settle();
  return {
    threw: null,
    early,
    events: trace.events,
    errors: trace.errors.map((error) => errorShape(error, ctx.scrub)),
    atConnect,
    text: text(),
    final: socketState(socket),
    listenerCalls: row.countsListener ? calls : undefined,
  };
}

/** Runs `body` for `impl` in a fresh scope with its own targets. */
async function withTargets<T>(
  impl: NetFunctions,
  makeTcpDescriptor: (() => number) | undefined,
  body: (ctx: CallContext, scope: Scope) => Promise<T>,
): Promise<T> {
  return run(async (scope) => {
    const base = await targets(scope, impl);
    return body(contextFor(scope, base, makeTcpDescriptor), scope);
  });
}

function listenArgs(row: ListenCase, ctx: CallContext) {
  const args = row.args(ctx);
  // A trailing AbortController (and 'after') tells when to abort: the rest are listen's args.
  let controller: AbortController | undefined;
  let after = false;
  if (args.at(-1) === 'after') {
    after = true;
    args.pop();
  }
  if (args.at(-1) instanceof AbortController) controller = args.pop() as AbortController;
  return { args, controller, after };
}

/**
 * The known ports a `listen` row's arguments ask for: only those may name the port it listens on.
 * A port the kernel picks (port 0, a descriptor Node binds to none) is shown as a port, whatever
 * its number: it may equal a known port of another family by chance.
 */
function askedPorts(
  args: readonly unknown[],
  known: Readonly<Record<string, number | undefined>>,
): Record<string, number> {
  const asked = new Set<number>();
  for (const arg of args) {
    const port = arg !== null && typeof arg === 'object' ? (arg as { port?: unknown }).port : arg;
    if (typeof port === 'number' || typeof port === 'string') asked.add(Number(port));
  }
  const named: Record<string, number> = {};
  for (const [label, port] of Object.entries(known)) {
    if (port !== undefined && asked.has(port)) named[label] = port;
  }
  return named;
}

async function listenRow(
  impl: NetFunctions,
  row: ListenCase,
  makeTcpDescriptor: (() => number) | undefined,
): Promise<ListenOutcome> {
  return withTargets(impl, makeTcpDescriptor, async (ctx, scope) => {
    const server = scope.server(impl.createServer(...(row.server ?? [])));
    const { args, controller, after } = listenArgs(row, ctx);
    if (controller && after) server.once('listening', () => controller.abort());
    return listenOutcome(server, args, {
      scrub: ctx.scrub,
      known: askedPorts(args, ctx.known),
      // After a close() or an abort, a late 'listening' would be the defect: watch a while.
      lateMs: row.afterListen || controller ? 300 : 0,
      afterListen: (s) => {
        row.afterListen?.(s);
        if (controller && !after) controller.abort();
      },
    });
  });
}

/** Reference outcomes, computed once per process and reused by every subject. */
const referenceCache = new Map<string, Promise<unknown>>();
function reference<T>(key: string, compute: () => Promise<T>): Promise<T> {
  let found = referenceCache.get(key) as Promise<T> | undefined;
  if (!found) {
    found = compute();
    referenceCache.set(key, found);
  }
  return found;
}

/** A copy of a trace that a difference can be written into. */
const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/** The label of the pairing of a subject's client with its own server. */
const ownPairingLabel = (transport: Transport) => `loopfast client and server (${transport})`;

/** A subject's client with its own server (over the rendezvous where the subject has one). */
function ownPairing(subject: ParitySubject): Pairing {
  return {
    label: ownPairingLabel(subject.transport),
    server: subject,
    client: subject,
    transport: subject.transport,
  };
}

/** The pairings a subject runs behaviours in. */
export function pairingsOf(subject: ParitySubject): Pairing[] {
  const pairings: Pairing[] = [ownPairing(subject)];
  if (subject.fastPath) {
    pairings.push(
      {
        label: 'loopfast server, node:net client (tcp)',
        server: subject,
        client: NODE_NET,
        transport: 'tcp',
      },
      {
        label: 'node:net server, loopfast client (tcp)',
        server: NODE_NET,
        client: subject,
        transport: 'tcp',
      },
    );
  }
  return pairings;
}

const NODE_PAIR: Pairing = {
  label: 'node:net',
  server: NODE_NET,
  client: NODE_NET,
  transport: 'tcp',
};

// ---------------------------------------------------------------------------------------------
// The rows, as the suite and a recording run them

/** The first row: what a client and a server of the subject exchanged, and each end's status. */
interface TransportOutcome {
  readonly text: string;
  readonly statuses: readonly Pick<NetStatus, 'state' | 'mechanism' | 'reason'>[];
}

/** What a `connect` row did, and the transport its connection took. */
interface ConnectRowOutcome {
  readonly outcome: Record<string, unknown>;
  /** Decides which documented differences apply to the row. */
  readonly transport: Transport;
}

/** The key of each row's outcome, in the reference cache and in a recording. */
const TRANSPORT_KEY = 'transport';
const createServerKey = (row: CreateServerCase) => `createServer ${row.label}`;
const listenKey = (row: ListenCase) => `listen ${row.label}`;
const connectKey = (row: ConnectCase) => `connect ${row.label}`;
const behaviourKey = (title: string) => `behaviour ${title}`;

/** Each behaviour on each of its hosts, with its title in the table. */
function behaviourRows(): (readonly [string, Behaviour, string])[] {
  return BEHAVIOURS.flatMap((behaviour) =>
    (behaviour.hosts ?? ['127.0.0.1']).map(
      (host) =>
        [`${behaviour.title}${behaviour.hosts ? ` (${host})` : ''}`, behaviour, host] as const,
    ),
  );
}

async function transportOutcome(subject: ParitySubject): Promise<TransportOutcome> {
  return run(async (scope) => {
    const server = scope.server(subject.createServer((s: Socket) => s.end('hi')));
    const port = await listenOn(server, '127.0.0.1');
    const arrived = accepted(server);
    const socket = scope.socket(subject.connect({ port, host: '127.0.0.1' }));
    const text = received(socket);
    await closed(socket);
    const peer = await arrived;
    const statuses = [server, socket, peer].map((target) => {
      const { state, mechanism, reason } = subject.fastPathInfo(target);
      return { state, mechanism, reason };
    });
    return { text: text(), statuses };
  });
}

function createServerOutcome(impl: NetFunctions, row: CreateServerCase) {
  return withTargets(impl, undefined, async (ctx, scope) => {
    const result = attempt(() => impl.createServer(...row.args(ctx)), ctx.scrub);
    if (result.value) scope.server(result.value);
    return {
      threw: result.threw,
      isServer: result.value instanceof net.Server,
      listening: result.value?.listening,
      maxConnections: result.value?.maxConnections,
    };
  });
}

async function connectRow(
  impl: NetFunctions,
  row: ConnectCase,
  makeTcpDescriptor: (() => number) | undefined,
  statusOf?: (socket: Socket) => NetStatus,
): Promise<ConnectRowOutcome> {
  const seen: { transport: Transport } = { transport: 'tcp' };
  const outcome = await withTargets(impl, makeTcpDescriptor, (ctx, scope) =>
    connectOutcome(impl, row, ctx, scope, seen, statusOf),
  );
  return { outcome, transport: seen.transport };
}

// ---------------------------------------------------------------------------------------------
// Recordings: the table run in another process

/** What one row did in a recording: its outcome, or why there is none. */
export type ParityRowRecord = { readonly outcome: unknown } | { readonly failure: string };

/**
 * Every row of the table as one process ran it for one subject ({@link recordParity}), to be
 * compared in another ({@link RecordedParitySubject}). Carried between processes by
 * {@link encodeParityRecording} and {@link decodeParityRecording}.
 */
export interface ParityRecording {
  /** The Node version of the recording process: the two sides of a comparison must agree. */
  readonly node: string;
  /**
   * What the process was started with beyond its script: anything there could have replaced
   * `node:net`'s functions before the table ran.
   */
  readonly startedWith: {
    readonly execArgv: readonly string[];
    readonly nodeOptions: string | null;
  };
  /** Each row by its key. */
  readonly rows: ReadonlyMap<string, ParityRowRecord>;
}

/**
 * How long one row may take in a recording. The bounds inside a row are shorter: this one
 * catches a row that never settles, so that the rows after it are still recorded.
 */
const RECORDED_ROW_MS = 30_000;

/**
 * Runs every row of the table with `subject` in this process and returns what users observed
 * in each: the rows {@link parityConformance} runs, with the same computations, its behaviours
 * in the subject's own pairing. The `{ fd }` rows of `listen` and `connect` are recorded only if
 * the subject has `makeTcpDescriptor`. A row that throws or does not settle within 30 s is
 * recorded as a failure, and the rest go on.
 *
 * Needs no test runner: it is meant for a child process (one started with a preload, and one
 * started plainly for `node:net`'s references), whose parent decodes the recording.
 *
 * @example
 * ```ts
 * // In a child process: node:net as this process sees it, looked up at each call.
 * const recording = await recordParity({
 *   label: 'node:net', fastPath: false, transport: 'tcp', mechanism: null,
 *   createServer: (...args) => net.createServer(...args),
 *   connect: (...args) => net.connect(...args),
 *   createConnection: (...args) => net.createConnection(...args),
 *   fastPathInfo,
 * });
 * writeFileSync(file, encodeParityRecording(recording));
 * ```
 */
export async function recordParity(subject: ParitySubject): Promise<ParityRecording> {
  const rows = new Map<string, ParityRowRecord>();
  const record = async (key: string, compute: () => Promise<unknown>) => {
    try {
      rows.set(key, { outcome: await within(compute(), `end of row ${key}`, RECORDED_ROW_MS) });
    } catch (error) {
      const failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
      rows.set(key, { failure });
    }
  };
  await record(TRANSPORT_KEY, () => transportOutcome(subject));
  for (const row of CREATE_SERVER_CASES) {
    await record(createServerKey(row), () => createServerOutcome(subject, row));
  }
  for (const row of LISTEN_CASES) {
    if (row.needsDescriptor && !subject.makeTcpDescriptor) continue;
    await record(listenKey(row), () => listenRow(subject, row, subject.makeTcpDescriptor));
  }
  for (const row of CONNECT_CASES) {
    if (row.needsDescriptor && !subject.makeTcpDescriptor) continue;
    await record(connectKey(row), () =>
      connectRow(subject, row, subject.makeTcpDescriptor, (socket) => subject.fastPathInfo(socket)),
    );
  }
  const own = ownPairing(subject);
  for (const [title, behaviour, host] of behaviourRows()) {
    await record(behaviourKey(title), () => behaviour.run(own, host));
  }
  return {
    node: process.version,
    startedWith: { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS ?? null },
    rows,
  };
}

/** Marks the bytes of a recording, so anything else is refused when decoded. */
const RECORDING_FORMAT = 'loopfast parity recording 1';

/**
 * A recording as bytes, by Node's structured serialisation (`v8.serialize`): exact for the plain
 * data outcomes are, where JSON is not (a key whose value is `undefined` stays, and stays
 * distinct from a missing key, which the documented differences rely on; `undefined` in an
 * array stays `undefined`; `Infinity` and `NaN` stay numbers). Anything else in an outcome, such
 * as a function, makes this throw rather than be dropped.
 */
export function encodeParityRecording(recording: ParityRecording): Buffer {
  return serialize({ format: RECORDING_FORMAT, ...recording });
}

/** The recording {@link encodeParityRecording} made; throws on any other bytes. */
export function decodeParityRecording(bytes: Uint8Array): ParityRecording {
  const value = deserialize(bytes) as Partial<ParityRecording> & { format?: unknown };
  if (value?.format !== RECORDING_FORMAT || !(value.rows instanceof Map)) {
    throw new Error('not a parity recording (made by encodeParityRecording)');
  }
  const { node, startedWith, rows } = value as ParityRecording;
  return { node, startedWith, rows };
}

/** Why `recording` cannot hold `node:net`'s references, or `null` when it can. */
function notPlain(recording: ParityRecording): string | null {
  const { execArgv, nodeOptions } = recording.startedWith;
  if (execArgv.length === 0 && !nodeOptions) return null;
  const flags = JSON.stringify({ execArgv, nodeOptions });
  return `references recorded in a process started with ${flags}: its node:net may not be Node's`;
}

/** The outcome of row `key` in `recording`; a recorded failure or a missing row throws. */
function rowOf(recording: ParityRecording, key: string, side: string): unknown {
  const row = recording.rows.get(key);
  if (row === undefined) throw new Error(`${side}: no row "${key}" in the recording`);
  if ('failure' in row)
    throw new Error(`${side}: the row failed where it was recorded: ${row.failure}`);
  return row.outcome;
}

// ---------------------------------------------------------------------------------------------
// The suite

/** Where a row's two outcomes come from. */
interface Outcomes {
  /** `node:net`'s outcome of row `key`; `compute` makes it where it is made in this process. */
  reference(key: string, compute: () => Promise<unknown>): Promise<unknown>;
  /** The subject's outcome of row `key`; `compute` makes it where the subject is here. */
  subject(key: string, compute: (subject: ParitySubject) => Promise<unknown>): Promise<unknown>;
}

function liveOutcomes(subject: ParitySubject): Outcomes {
  return { reference, subject: (_key, compute) => compute(subject) };
}

function recordedOutcomes(subject: RecordedParitySubject): Outcomes {
  let both: Promise<{ recording: ParityRecording; references: ParityRecording }> | undefined;
  const recordings = () => {
    both ??= Promise.all([subject.recording(), subject.references()]).then(
      ([recording, references]) => {
        const refused = notPlain(references);
        if (refused) throw new Error(refused);
        if (recording.node !== references.node) {
          throw new Error(`recorded on Node ${recording.node}, references on ${references.node}`);
        }
        return { recording, references };
      },
    );
    return both;
  };
  return {
    reference: async (key) => rowOf((await recordings()).references, key, 'node:net'),
    subject: async (key) => rowOf((await recordings()).recording, key, subject.label),
  };
}

/**
 * Registers the parity table for one subject: the API table, the behaviours in every pairing,
 * and a check that the pairing really took the transport its label names. A
 * {@link RecordedParitySubject} is compared row by row from its recordings, in its own pairing.
 */
export function parityConformance(subject: ParitySubject | RecordedParitySubject): void {
  const live = 'recording' in subject ? null : subject;
  const outcomes = 'recording' in subject ? recordedOutcomes(subject) : liveOutcomes(subject);
  const descriptor = live?.makeTcpDescriptor;
  // A recorded subject's behaviours ran in its own pairing only (RecordedParitySubject says why).
  const behaviourGroups: { label: string; transport: Transport; pairing?: Pairing }[] = live
    ? pairingsOf(live).map((pairing) => ({
        label: pairing.label,
        transport: pairing.transport,
        pairing,
      }))
    : [{ label: ownPairingLabel(subject.transport), transport: subject.transport }];

  describe(`parity with node:net: ${subject.label}`, () => {
    it(`a client and a server of this subject connect over ${subject.transport}${subject.mechanism ? ` (${subject.mechanism} enabled)` : ''}`, async () => {
      const { text, statuses } = (await outcomes.subject(
        TRANSPORT_KEY,
        transportOutcome,
      )) as TransportOutcome;
      expect(text).toBe('hi');
      expect(statuses).toHaveLength(3);
      for (const info of statuses) {
        if (subject.mechanism === null) expect(info.state).not.toBe('enabled');
        else expect(info).toMatchObject({ state: 'enabled', mechanism: subject.mechanism });
      }
    });

    describe('createServer', () => {
      it.each(CREATE_SERVER_CASES.map((row) => [row.label, row] as const))(
        'createServer%s: same throw, same server',
        async (_label, row) => {
          const key = createServerKey(row);
          const expected = await outcomes.reference(key, () => createServerOutcome(NODE_NET, row));
          const actual = await outcomes.subject(key, (s) => createServerOutcome(s, row));
          expect(actual).toEqual(expected);
        },
      );
    });

    describe('listen', () => {
      it.each(LISTEN_CASES.map((row) => [row.label, row] as const))(
        'listen%s: same throw, events, listening and address()',
        async (_label, row) => {
          if (live && row.needsDescriptor && !descriptor) return;
          const key = listenKey(row);
          const expected = await outcomes.reference(key, () =>
            listenRow(NODE_NET, row, descriptor),
          );
          const actual = await outcomes.subject(key, (s) => listenRow(s, row, descriptor));
          expect(actual).toEqual(expected);
        },
      );
    });

    describe('connect and createConnection', () => {
      it.each(CONNECT_CASES.map((row) => [row.label, row] as const))(
        '%s: same throw, events, state and addresses',
        async (label, row) => {
          if (live && row.needsDescriptor && !descriptor) return;
          const key = connectKey(row);
          const expected = (await outcomes.reference(key, () =>
            connectRow(NODE_NET, row, descriptor),
          )) as ConnectRowOutcome;
          const actual = (await outcomes.subject(key, (s) =>
            connectRow(s, row, descriptor, (socket) => s.fastPathInfo(socket)),
          )) as ConnectRowOutcome;
          applyDifferences(actual.transport, label, actual.outcome, copy(expected.outcome));
          expect(actual.outcome).toEqual(expected.outcome);
        },
      );
    });

    for (const group of behaviourGroups) {
      describe(`behaviours: ${group.label}`, () => {
        it.each(behaviourRows())('%s', async (title, behaviour, host) => {
          const key = behaviourKey(title);
          const expected = await outcomes.reference(key, () => behaviour.run(NODE_PAIR, host));
          const actual = await outcomes.subject(key, (s) =>
            behaviour.run(group.pairing ?? ownPairing(s), host),
          );
          applyDifferences(group.transport, behaviour.title, actual, copy(expected));
          expect(actual).toEqual(expected);
        });
      });
    }
  });
}
