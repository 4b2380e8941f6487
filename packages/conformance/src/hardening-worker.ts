/**
 * The child-process side of the hardening suite (hardening-suite.ts): one part, for one backend
 * and one mechanism, in a fresh Node process, so that descriptor counts, heap and memory figures
 * are this part's alone, a raised descriptor limit applies to it alone, and a crash is caught by
 * the parent instead of taking the test runner down.
 *
 * Run as `node hardening-worker.js '<json config>'`. It prints one line `RESULT <json>` on
 * stdout when done; progress goes to stderr. It loads the built `@loopfast/net` from the URL it
 * is given (the package's public API for the POSIX rendezvous; its `connectWith` /
 * `createServerWith` with `platform: 'win32'` and the stand-in for the Windows route).
 *
 * Never imports vitest.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { Server, Socket } from 'node:net';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend } from '@loopfast/core';
import { openDescriptors } from './descriptors.js';
import { errorShape, recordEvents, settle } from './observe.js';
import { standInBackend } from './stand-in.js';

/** What the parent asks of one worker. */
export interface WorkerConfig {
  readonly part:
    | 'churn'
    | 'concurrency'
    | 'integrity'
    | 'faults'
    | 'kill-peer'
    | 'peer'
    | 'fuzz'
    | 'permission';
  /** URL of the built `@loopfast/net` folder (its `dist`). */
  readonly netDist: string;
  /** Paths of the backend packages' entry modules, by name. */
  readonly backends: Readonly<Record<string, string>>;
  readonly backend: string;
  readonly mechanism: 'unix-rendezvous' | 'sio-loopback-fast-path';
  readonly counts: Readonly<Record<string, number>>;
  readonly seed: number;
  /** For `kill-peer` and `peer`: which side dies. */
  readonly role?: 'server-dies' | 'client-dies';
  /** For `peer`: where its counterpart listens. */
  readonly port?: number;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Api {
  createServer(options: Record<string, unknown>, listener?: (socket: Socket) => void): Server;
  connect(options: Record<string, unknown>): Socket;
  fastPathInfo(target: Socket | Server): {
    state: string;
    mechanism: string | null;
    reason: string;
  };
  backend: Backend;
}

async function loadApi(config: WorkerConfig): Promise<Api> {
  const backendPath = config.backends[config.backend];
  if (!backendPath) throw new Error(`no backend ${config.backend}`);
  const { backend } = (await import(pathToFileURL(backendPath).href)) as { backend: Backend };
  const status = (await import(`${config.netDist}/status-record.js`)) as Pick<Api, 'fastPathInfo'>;
  if (config.mechanism === 'unix-rendezvous') {
    const lf = (await import(`${config.netDist}/index.js`)) as {
      createServer(...args: unknown[]): Server;
      connect(...args: unknown[]): Socket;
    };
    const fast = { loopbackFastPath: true, backend };
    return {
      backend,
      fastPathInfo: status.fastPathInfo,
      createServer: (options, listener) => lf.createServer({ ...options, ...fast }, listener),
      connect: (options) => lf.connect({ ...options, ...fast }),
    };
  }
  const { connectWith } = (await import(`${config.netDist}/connect.js`)) as {
    connectWith(defaults: unknown, args: unknown[]): Socket;
  };
  const { createServerWith } = (await import(`${config.netDist}/server.js`)) as {
    createServerWith(defaults: unknown, args: unknown[]): Server;
  };
  const defaults = {
    platform: 'win32',
    backend: standInBackend(backend).backend,
    loopbackFastPath: true,
  };
  return {
    backend,
    fastPathInfo: status.fastPathInfo,
    createServer: (options, listener) => createServerWith(defaults, [options, listener]),
    connect: (options) => connectWith(defaults, [options]),
  };
}

const FD_DIR = '/proc/self/fd';
const fds = () => openDescriptors(FD_DIR).length;
const MiB = 1024 * 1024;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

/** Waits (bounded) until the descriptor count is `expected` ± `slack`; the count seen last. */
async function settleFds(expected: number, slack = 0, ms = 3000): Promise<number> {
  const deadline = Date.now() + ms;
  let seen = fds();
  while (Math.abs(seen - expected) > slack && Date.now() < deadline) {
    await settle(20);
    seen = fds();
  }
  return seen;
}

/**
 * The descriptor count once it holds still over two readings `ms` apart (at most a second): a
 * baseline taken while an earlier step's sockets are still closing would count them.
 */
async function steadyFds(ms = 50): Promise<number> {
  const deadline = Date.now() + 1000;
  let seen = fds();
  for (;;) {
    await settle(ms);
    const next = fds();
    if (next === seen || Date.now() > deadline) return next;
    seen = next;
  }
}

/** What each open descriptor is (`socket:[inode]`, a path, ...), by number. */
function descriptorTargets(): Map<number, string> {
  const targets = new Map<number, string>();
  for (const fd of openDescriptors(FD_DIR)) {
    try {
      targets.set(fd, readlinkSync(`${FD_DIR}/${fd}`));
    } catch {}
  }
  return targets;
}

/** The descriptors that differ between two readings, as `+fd target` and `-fd target`. */
function targetChanges(before: Map<number, string>, after: Map<number, string>): string[] {
  const changes: string[] = [];
  for (const [fd, target] of after) if (before.get(fd) !== target) changes.push(`+${fd} ${target}`);
  for (const [fd, target] of before) if (after.get(fd) !== target) changes.push(`-${fd} ${target}`);
  return changes;
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const echo = (socket: Socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('end', () => socket.end());
};

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

function openLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const line = /^Max open files\s+(\S+)/m.exec(limits);
  return line?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(line?.[1] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Churn: connect, exchange, close, many times over

async function churn(api: Api, config: WorkerConfig) {
  const cycles = config.counts.cycles ?? 20_000;
  const lanes = config.counts.lanes ?? 8;
  const server = api.createServer({}, echo);
  const port = await listen(server);
  const payload = Buffer.alloc(64, 0x61);
  const errors = new Map<string, number>();
  let enabled = 0;
  let good = 0;
  const cycle = () =>
    new Promise<void>((resolve) => {
      const socket = api.connect({ port, host: '127.0.0.1' });
      let got = 0;
      socket.on('connect', () => socket.write(payload));
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= payload.length) socket.end();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      });
      socket.on('close', () => {
        if (got === payload.length) good++;
        if (api.fastPathInfo(socket).state === 'enabled') enabled++;
        resolve();
      });
    });
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < count) {
          next++;
          await cycle();
        }
      }),
    );
  };
  await run(200);
  good = 0;
  enabled = 0;
  errors.clear();
  gc();
  await settle(50);
  const fdsBefore = fds();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  await run(cycles);
  const seconds = (performance.now() - started) / 1000;
  gc();
  const fdsAfter = await settleFds(fdsBefore, 2);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  await closeServer(server);
  return {
    cycles,
    lanes,
    good,
    enabled,
    errors: Object.fromEntries(errors),
    seconds,
    cyclesPerSecond: Math.round(cycles / seconds),
    fdsBefore,
    fdsAfter,
    heapBeforeBytes: heapBefore,
    heapAfterBytes: heapAfter,
    heapGrowthBytes: heapAfter - heapBefore,
    serverInfo: api.fastPathInfo(server).state,
  };
}

// ---------------------------------------------------------------------------------------------
// Concurrency: many connections open at once

async function concurrency(api: Api, config: WorkerConfig) {
  const count = config.counts.connections ?? 2000;
  const batch = config.counts.batch ?? 200;
  const size = 1024;
  let accepted = 0;
  const server = api.createServer({}, (socket) => {
    accepted++;
    echo(socket);
  });
  const port = await listen(server);
  gc();
  const fdsBefore = fds();
  const started = performance.now();
  const clients: Socket[] = [];
  const errors = new Map<string, number>();
  for (let i = 0; i < count; i += batch) {
    const wave: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const socket = api.connect({ port, host: '127.0.0.1' });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      });
      clients.push(socket);
      wave.push(once(socket, 'connect'));
    }
    await Promise.all(wave);
    // A Unix-socket client is connected before the server accepts it: let the server catch up,
    // or a full backlog would send the next clients over TCP (which the product does on purpose).
    const caughtUp = Date.now() + 10_000;
    while (accepted < clients.length && Date.now() < caughtUp) await settle(1);
  }
  const deadline = Date.now() + 10_000;
  while (accepted < count && Date.now() < deadline) await settle(10);
  const openAtOnce = await new Promise<number>((resolve) =>
    server.getConnections((_, n) => resolve(n)),
  );
  const fdsPeak = fds();
  const payload = Buffer.alloc(size, 0x62);
  const exchanged = await Promise.all(
    clients.map(
      (socket) =>
        new Promise<boolean>((resolve) => {
          let got = 0;
          socket.on('data', (chunk: Buffer) => {
            got += chunk.length;
            if (got >= size) resolve(got === size);
          });
          socket.on('close', () => resolve(got === size));
          socket.write(payload);
        }),
    ),
  );
  const enabled = clients.filter((socket) => api.fastPathInfo(socket).state === 'enabled').length;
  const closes = clients.map((socket) => once(socket, 'close'));
  for (const socket of clients) socket.end();
  await Promise.all(closes);
  const cleanly = clients.filter((socket) => !socket.errored && socket.destroyed).length;
  const left = await new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)));
  const seconds = (performance.now() - started) / 1000;
  const fdsAfter = await settleFds(fdsBefore, 2);
  await closeServer(server);
  return {
    connections: count,
    openAtOnce,
    exchanged: exchanged.filter(Boolean).length,
    closedCleanly: cleanly,
    enabled,
    errors: Object.fromEntries(errors),
    connectionsLeft: left,
    seconds,
    fdsBefore,
    fdsPeak,
    fdsAfter,
    descriptorLimit: openLimit(),
  };
}

// ---------------------------------------------------------------------------------------------
// Integrity: a lot of bytes, random write sizes, readers that pause

/** The largest write of the integrity part: 256 KiB. */
const MAX_WRITE = 256 * 1024;

/**
 * A write size from 1 B to 256 KiB, both included, log-uniform so that small writes are as common
 * as large. `2 ** (rng() * 18)` stays below 256 KiB; the exponent goes a little past 18 and is
 * capped, so about one write in 180 is exactly 256 KiB.
 */
const writeSize = (rng: () => number) => Math.min(MAX_WRITE, Math.floor(2 ** (rng() * 18.1)));

/** The smallest and the largest write made by every pump of the run. */
const writes = { smallest: Number.POSITIVE_INFINITY, largest: 0 };

function pump(socket: Socket, bytes: number, pool: Buffer, rng: () => number): Promise<string> {
  const hash = createHash('sha256');
  return (async () => {
    let left = bytes;
    while (left > 0) {
      const size = Math.min(left, writeSize(rng));
      writes.smallest = Math.min(writes.smallest, size);
      writes.largest = Math.max(writes.largest, size);
      const offset = Math.floor(rng() * (pool.length - size));
      const chunk = pool.subarray(offset, offset + size);
      hash.update(chunk);
      left -= size;
      if (!socket.write(chunk)) await once(socket, 'drain');
    }
    socket.end();
    return hash.digest('hex');
  })();
}

function drink(socket: Socket, rng: () => number): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let pauses = 0;
  socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (rng() < 1 / 32) {
      pauses++;
      socket.pause();
      setTimeout(() => socket.resume(), Math.floor(rng() * 4));
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('end', () => resolve({ hash: hash.digest('hex'), bytes }));
  }).then((result) => {
    drinkPauses += pauses;
    return result as { hash: string; bytes: number };
  });
}
let drinkPauses = 0;

async function integrity(api: Api, config: WorkerConfig) {
  const connections = config.counts.connections ?? 16;
  const total = config.counts.totalBytes ?? 1024 * MiB;
  const perDirection = Math.floor(total / connections / 2);
  const rng = prng(config.seed);
  const pool = Buffer.alloc(4 * MiB);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(Math.floor(rng() * 2 ** 32), i);
  gc();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakExternal = base.external + base.arrayBuffers;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakExternal = Math.max(peakExternal, now.external + now.arrayBuffers);
  }, 20);
  const serverSide: Promise<{ sent: string; received: { hash: string; bytes: number } }>[] = [];
  // Half-open on both sides: each side ends its writing when done, and reads until the other ends.
  const server = api.createServer({ allowHalfOpen: true }, (socket) => {
    const seed = Math.floor(rng() * 2 ** 32);
    serverSide.push(
      Promise.all([
        pump(socket, perDirection, pool, prng(seed)),
        drink(socket, prng(seed + 1)),
      ]).then(([sent, received]) => ({ sent, received })),
    );
  });
  const port = await listen(server);
  const started = performance.now();
  const clientSide = Array.from({ length: connections }, async () => {
    const socket = api.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await once(socket, 'connect');
    const seed = Math.floor(rng() * 2 ** 32);
    const [sent, received] = await Promise.all([
      pump(socket, perDirection, pool, prng(seed)),
      drink(socket, prng(seed + 1)),
    ]);
    await once(socket, 'close').catch(() => {});
    return { sent, received, enabled: api.fastPathInfo(socket).state === 'enabled' };
  });
  const clients = await Promise.all(clientSide);
  const servers = await Promise.all(serverSide);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await closeServer(server);
  // Pair each client with the server side that received its bytes (hashes are unique per stream).
  const serverReceived = new Map(servers.map((s) => [s.received.hash, s]));
  let matchedUp = 0;
  let matchedDown = 0;
  for (const client of clients) {
    const peer = serverReceived.get(client.sent);
    if (peer) {
      matchedUp++;
      const same = timingSafeEqual(
        Buffer.from(peer.sent, 'hex'),
        Buffer.from(client.received.hash, 'hex'),
      );
      if (same && client.received.bytes === perDirection) matchedDown++;
    }
  }
  return {
    connections,
    bytesEachWay: perDirection * connections,
    totalBytes: perDirection * connections * 2,
    matchedClientToServer: matchedUp,
    matchedServerToClient: matchedDown,
    allReceivedBytes: servers.every((s) => s.received.bytes === perDirection),
    enabled: clients.filter((c) => c.enabled).length,
    readerPauses: drinkPauses,
    smallestWriteBytes: writes.smallest,
    largestWriteBytes: writes.largest,
    seconds,
    throughputMiBps: Math.round((perDirection * connections * 2) / MiB / seconds),
    baseRssBytes: base.rss,
    peakRssBytes: peakRss,
    peakRssGrowthBytes: peakRss - base.rss,
    peakExternalBytes: peakExternal,
  };
}

// ---------------------------------------------------------------------------------------------
// Faults in one process: destroy at several moments, close with live connections, close during
// a lookup, aborted signals, ECONNREFUSED as node:net

async function faults(api: Api, config: WorkerConfig) {
  const rounds = config.counts.rounds ?? 100;
  const result: Record<string, unknown> = {};
  const server = api.createServer({}, echo);
  const port = await listen(server);
  await settle(20);

  // destroy() right after connect(), at several moments.
  const moments: Record<string, (socket: Socket, go: () => void) => void> = {
    'at once': (socket, go) => {
      socket.destroy();
      go();
    },
    'next tick': (socket, go) =>
      process.nextTick(() => {
        socket.destroy();
        go();
      }),
    immediate: (socket, go) =>
      setImmediate(() => {
        socket.destroy();
        go();
      }),
    "on 'connect'": (socket, go) =>
      socket.once('connect', () => {
        socket.destroy();
        go();
      }),
    'after the first echo': (socket, go) => {
      socket.once('connect', () => socket.write('x'));
      socket.once('data', () => {
        socket.destroy();
        go();
      });
    },
  };
  const destroyFigures: Record<string, unknown> = {};
  for (const [moment, act] of Object.entries(moments)) {
    for (const host of ['127.0.0.1', 'localhost']) {
      const before = await steadyFds();
      const targetsBefore = descriptorTargets();
      const errors: string[] = [];
      let closed = 0;
      const done: Promise<unknown>[] = [];
      for (let i = 0; i < rounds; i++) {
        const socket = api.connect({ port, host });
        socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? 'no code'));
        done.push(
          new Promise<void>((resolve) => {
            socket.on('close', () => {
              closed++;
              resolve();
            });
            act(socket, () => {});
          }),
        );
      }
      await Promise.race([Promise.all(done), settle(3000)]);
      await settle(30);
      const after = await settleFds(before, 0);
      destroyFigures[`${moment}, ${host}`] = {
        rounds,
        closed,
        errors: errors.length,
        fdsBefore: before,
        fdsAfter: after,
        ...(after === before ? {} : { changed: targetChanges(targetsBefore, descriptorTargets()) }),
      };
    }
  }
  result.destroy = destroyFigures;

  // server.close() with live connections: they keep working; 'close' after the last one ends.
  {
    const before = fds();
    const live = api.createServer({}, echo);
    const livePort = await listen(live);
    const clients: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = api.connect({ port: livePort, host: '127.0.0.1' });
      socket.on('error', () => {});
      clients.push(socket);
      await once(socket, 'connect');
    }
    await settle(20);
    let closeEvents = 0;
    live.on('close', () => closeEvents++);
    let callback = 0;
    live.close(() => callback++);
    const afterClose = { listening: live.listening, closeEvents };
    const echoes = await Promise.all(
      clients.map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            socket.once('data', (chunk: Buffer) => resolve(chunk.toString() === 'still'));
            socket.write('still');
          }),
      ),
    );
    const beforeEnd = closeEvents;
    const closes = clients.map((socket) => once(socket, 'close'));
    for (const socket of clients) socket.end();
    await Promise.all(closes);
    const deadline = Date.now() + 3000;
    while (closeEvents === 0 && Date.now() < deadline) await settle(10);
    await settle(20);
    result.closeWithLive = {
      connections: clients.length,
      listeningRightAfterClose: afterClose.listening,
      closeEventsBeforeConnectionsEnded: beforeEnd,
      echoesAfterClose: echoes.filter(Boolean).length,
      closeEvents,
      callbacks: callback,
      fdsBefore: before,
      fdsAfter: await settleFds(before, 0),
    };
  }

  // close() during a listen's lookup, and aborted signals: nothing listens, nothing leaks.
  {
    const before = fds();
    let listened = 0;
    for (let i = 0; i < rounds; i++) {
      const s = api.createServer({}, echo);
      s.on('error', () => {});
      s.on('listening', () => listened++);
      s.listen(0, 'localhost');
      s.close();
    }
    for (let i = 0; i < rounds; i++) {
      const s = api.createServer({}, echo);
      s.on('error', () => {});
      s.on('listening', () => listened++);
      s.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() });
    }
    for (let i = 0; i < rounds; i++) {
      const controller = new AbortController();
      const s = api.createServer({}, echo);
      s.on('error', () => {});
      s.on('listening', () => listened++);
      s.listen({ port: 0, host: 'localhost', signal: controller.signal });
      controller.abort();
    }
    await settle(500);
    result.listenCancelled = {
      servers: rounds * 3,
      listened,
      fdsBefore: before,
      fdsAfter: await settleFds(before, 0),
    };
  }
  {
    const before = fds();
    let aborted = 0;
    const closes: Promise<unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      const controller = new AbortController();
      const socket = api.connect({ port, host: '127.0.0.1', signal: controller.signal });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') aborted++;
      });
      closes.push(once(socket, 'close').catch(() => {}));
      socket.once('connect', () => controller.abort());
    }
    await Promise.all(closes);
    result.connectAborted = {
      rounds,
      abortErrors: aborted,
      fdsBefore: before,
      fdsAfter: await settleFds(before, 0),
    };
  }

  // ECONNREFUSED exactly as node:net gives it.
  {
    const gone = net.createServer();
    const refused = await listen(gone);
    await closeServer(gone);
    const trace = async (socket: Socket) => {
      const events = recordEvents(socket);
      await new Promise((resolve) => socket.once('close', resolve));
      await settle(10);
      return { events: events.events, errors: events.errors.map((e) => errorShape(e)) };
    };
    const node = await trace(
      net.connect({ port: refused, host: '127.0.0.1' }).on('error', () => {}),
    );
    const ours = await trace(
      api.connect({ port: refused, host: '127.0.0.1' }).on('error', () => {}),
    );
    result.refused = { node, loopfast: ours };
  }
  await closeServer(server);
  return result;
}

// ---------------------------------------------------------------------------------------------
// A peer SIGKILLed mid-stream

/** The peer process: streams endlessly to its counterpart until it is killed. */
async function peer(api: Api, config: WorkerConfig) {
  const chunk = Buffer.alloc(64 * 1024, 0x63);
  const stream = (socket: Socket) => {
    socket.on('error', () => {});
    const write = () => {
      while (socket.write(chunk)) {
        /* fill the buffer */
      }
    };
    socket.on('drain', write);
    write();
  };
  if (config.role === 'server-dies') {
    const server = api.createServer({}, stream);
    const port = await listen(server);
    process.stdout.write(`READY ${port} ${api.fastPathInfo(server).state}\n`);
  } else {
    const socket = api.connect({ port: config.port, host: '127.0.0.1' });
    socket.on('connect', () => {
      process.stdout.write(`READY ${api.fastPathInfo(socket).state}\n`);
      stream(socket);
    });
  }
  await new Promise(() => {});
}

async function killPeer(api: Api, config: WorkerConfig, self: string) {
  const role = config.role ?? 'server-dies';
  let server: Server | null = null;
  let accepted: Promise<[Socket]> | null = null;
  let port = 0;
  if (role === 'client-dies') {
    server = api.createServer({}, () => {});
    accepted = once(server, 'connection') as Promise<[Socket]>;
    port = await listen(server);
  }
  const child = spawn(process.execPath, [self, JSON.stringify({ ...config, part: 'peer', port })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    let ready = '';
    for await (const data of child.stdout) {
      ready += String(data);
      if (ready.includes('\n')) break;
    }
    const [, first, second] = ready.trim().split(' ');
    let socket: Socket;
    let peerState: string | undefined;
    if (role === 'server-dies') {
      socket = api.connect({ port: Number(first), host: '127.0.0.1' });
      peerState = second;
    } else {
      [socket] = await (accepted as Promise<[Socket]>);
      peerState = first;
    }
    socket.on('error', () => {});
    let received = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (data: Buffer) => {
        received += data.length;
        if (received >= MiB) resolve();
      });
    });
    const trace = recordEvents(socket, { exclude: ['data'] });
    const ownState = api.fastPathInfo(socket).state;
    const killedAt = performance.now();
    child.kill('SIGKILL');
    const first2 = await Promise.race([
      once(socket, 'end').then(() => 'end'),
      new Promise<string>((resolve) =>
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`)),
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('nothing within 5 s'), 5000)),
    ]);
    const ms = performance.now() - killedAt;
    socket.destroy();
    await settle(10);
    return {
      role,
      receivedBeforeKill: received,
      outcome: first2,
      ms,
      events: trace.events,
      ownState,
      peerState,
    };
  } finally {
    clearTimeout(kill);
    child.kill('SIGKILL');
    if (server) server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzz: the backends' functions with seeded random arguments, ffi and napi side by side

interface Arg {
  /** The argument, or how to make it for one backend. */
  readonly make: (own: OwnResources) => unknown;
  /** Whether it is bad by construction (wrong type or range, or a descriptor that is none). */
  readonly bad: boolean;
  readonly label: string;
  /** For a random value: draws it (once per call, the same for every backend). */
  readonly draw?: () => number;
}

interface OwnResources {
  readonly backend: Backend;
  socket(family: 4 | 6): number;
  unix(): number;
  readonly file: number;
  readonly unixPath: string;
}

async function fuzz(config: WorkerConfig) {
  const calls = config.counts.calls ?? 10_000;
  const names = Object.keys(config.backends);
  const backends: Backend[] = [];
  for (const name of names) {
    const path = config.backends[name] as string;
    backends.push(((await import(pathToFileURL(path).href)) as { backend: Backend }).backend);
  }
  const dir = mkdtempSync(join(tmpdir(), 'loopfast-fuzz-'));
  // Sentinels: descriptors opened before the fuzz, which it must leave exactly as they were.
  const sentinelFile = join(dir, 'sentinel');
  const sentinelFd = openSync(sentinelFile, 'w+');
  writeSync(sentinelFd, 'sentinel');
  const sentinelServer = net.createServer((s) => s.end('sentinel'));
  const sentinelPort = await listen(sentinelServer);
  const sentinelUnix = join(dir, 'unix.sock');
  const unixServer = net.createServer((s) => s.on('error', () => {}));
  unixServer.listen(sentinelUnix);
  await once(unixServer, 'listening');
  const sentinels = openDescriptors(FD_DIR).map((fd) => {
    const stat = fstatSync(fd, { bigint: true });
    return { fd, dev: stat.dev, ino: stat.ino };
  });
  const limit = openLimit();
  const never = Number.isFinite(limit) ? Math.max(limit, 1 << 20) : 0x7fff_0000;
  const fileFd = openSync(join(dir, 'not-a-socket'), 'w+');

  const resources = backends.map((backend): OwnResources & { made: number[] } => {
    // The sockets made for the arguments of the call in progress, closed after it.
    const made: number[] = [];
    return {
      backend,
      made,
      file: fileFd,
      unixPath: sentinelUnix,
      socket(family) {
        const s = backend.createTcpSocket(family);
        made.push(s);
        return s;
      },
      unix() {
        const s = backend.connectUnixSocket(sentinelUnix);
        made.push(s);
        return s;
      },
    };
  });

  const rng = prng(config.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const good = (label: string, make: (own: OwnResources) => unknown): Arg => ({
    label,
    make,
    bad: false,
  });
  const bad = (label: string, value: unknown): Arg => ({ label, make: () => value, bad: true });
  /** A random value, drawn once per call so that every backend is given the same one. */
  const random = (label: string, draw: () => number): Arg => ({
    label,
    make: () => {
      throw new Error(`${label} is drawn per call`);
    },
    bad: false,
    draw,
  });
  const typeJunk = [
    bad('-1', -1),
    bad('1.5', 1.5),
    bad('NaN', Number.NaN),
    bad('Infinity', Number.POSITIVE_INFINITY),
    bad("'3'", '3'),
    bad('null', null),
    bad('undefined', undefined),
    bad('{}', {}),
    bad('[]', []),
    bad('2^40', 2 ** 40),
    bad('true', true),
    bad('a symbol', Symbol('x')),
    bad('a bigint', 3n),
  ];
  const descriptors: Arg[] = [
    good('a TCP socket', (own) => own.socket(4)),
    good('a TCP6 socket', (own) => own.socket(6)),
    good('a connected Unix socket', (own) => own.unix()),
    bad('a descriptor number that can never be open', never),
    bad('a regular file', fileFd),
    ...typeJunk,
    bad('2^31', 2 ** 31),
  ];
  const ints: Arg[] = [
    good('0', () => 0),
    good('1', () => 1),
    good('6', () => 6),
    good('41', () => 41),
    good('65535', () => 65535),
    random('a random int32', () => Math.floor(rng() * 2 ** 32) | 0),
    ...typeJunk.filter((a) => a.label !== '-1'),
    bad('2^31', 2 ** 31),
  ];
  class LyingView extends Uint8Array {
    override get byteLength(): number {
      return 4;
    }
  }
  const buffers: Arg[] = [
    good('4 bytes', () => Buffer.from([1, 0, 0, 0])),
    good('16 bytes', () => Buffer.alloc(16, 1)),
    good('1 byte', () => new Uint8Array(1)),
    bad('an empty buffer', Buffer.alloc(0)),
    bad('2 KiB', Buffer.alloc(2048)),
    bad('2 KiB claiming 4', new LyingView(2048)),
    bad('a proxy', new Proxy(new Uint8Array(4), {})),
    bad('an Int32Array', new Int32Array(1)),
    bad('a string', 'abcd'),
    bad('an array', [1, 0, 0, 0]),
    ...typeJunk,
  ];
  const families: Arg[] = [
    good('4', () => 4),
    good('6', () => 6),
    bad('5', 5),
    bad('0', 0),
    ...typeJunk,
  ];
  const booleans: Arg[] = [good('true', () => true), good('false', () => false), ...typeJunk];
  const ports: Arg[] = [
    good('0 (every port)', () => 0),
    good("the sentinel listener's port", () => sentinelPort),
    random('a random port', () => Math.floor(rng() * 65536)),
    bad('65536', 65536),
    ...typeJunk,
  ];
  const lengths: Arg[] = [
    good('4', () => 4),
    good('1', () => 1),
    good('1024', () => 1024),
    bad('0', 0),
    bad('1025', 1025),
    ...typeJunk,
  ];
  const codes: Arg[] = [
    good('FIONREAD', () => 0x541b),
    good('FIONBIO', () => 0x5421),
    // Never a socket-configuration request (0x89xx: SIOCSIFADDR, SIOCSIFFLAGS, ...), which could
    // change the machine's interfaces if it ever succeeded.
    random('a random uint32', () => {
      const code = Math.floor(rng() * 2 ** 32);
      return ((code >>> 8) & 0xff) === 0x89 ? code ^ 0x100 : code;
    }),
    good('SIO_LOOPBACK_FAST_PATH', () => 0x98000010),
    bad('2^32', 2 ** 32),
    ...typeJunk,
  ];
  const outputs: Arg[] = [
    good('0', () => 0),
    good('4', () => 4),
    bad('8', 8),
    bad('-1', -1),
    bad('2^20', 2 ** 20),
  ];
  const ioInputs: Arg[] = [
    good('null', () => null),
    good('4 bytes', () => Buffer.alloc(4)),
    ...buffers.filter((b) => b.bad && b.label !== 'null' && b.label !== 'undefined'),
  ];
  const paths: Arg[] = [
    good('the sentinel server', (own) => own.unixPath),
    good('a missing path', () => join(dir, 'missing.sock')),
    good('a regular file', () => join(dir, 'not-a-socket')),
    bad('an empty path', ''),
    bad('a NUL byte', '/tmp/a\0b'),
    bad('a path too long', `/${'a'.repeat(200)}`),
    good('an abstract name nobody holds', () => `\0loopfast-fuzz-${process.pid}-nobody`),
    bad('a NUL alone', '\0'),
    bad('an abstract name too long', `\0${'a'.repeat(108)}`),
    ...typeJunk,
  ];
  // Only abstract names are good local addresses here: each backend's socket releases one when
  // it closes, so every backend can bind it in turn, where a path would stay behind as a file
  // (and a relative one, such as '3', would land in the working directory).
  const localAddresses: Arg[] = [
    good('none', () => undefined),
    good('an abstract name', () => `\0loopfast-fuzz-${process.pid}-local`),
    bad('an empty address', ''),
    bad('a NUL alone', '\0'),
    bad('an abstract name with a second NUL', '\0loop\0fast'),
    bad('an abstract name too long', `\0${'a'.repeat(108)}`),
    ...typeJunk.filter((arg) => arg.label !== 'undefined' && arg.label !== "'3'"),
  ];
  const methods: readonly [keyof Backend & string, Arg[][]][] = [
    ['createTcpSocket', [families]],
    ['applyLoopbackFastPath', [descriptors, booleans]],
    ['ioctl', [descriptors, codes, ioInputs, outputs]],
    ['getSocketOption', [descriptors, ints, ints]],
    ['setSocketOption', [descriptors, ints, ints, ints]],
    ['getSocketOptionBuffer', [descriptors, ints, ints, lengths]],
    ['setSocketOptionBuffer', [descriptors, ints, ints, buffers]],
    ['getPeerCredentials', [descriptors]],
    ['connectUnixSocket', [paths, localAddresses]],
    ['connectUnixSocketWithPeer', [paths, localAddresses]],
    ['getUnixPeerAddress', [descriptors]],
    ['listTcpListeners', [families, ports]],
    ['closeSocket', [descriptors]],
  ];

  /** Closes the sockets made for one call, except the one the call itself closed. */
  const closeAll = (own: OwnResources & { made: number[] }, consumed?: unknown) => {
    for (const socket of own.made.splice(0)) {
      if (socket !== consumed) own.backend.closeSocket(socket);
    }
  };
  const outcomes = new Map<string, number>();
  const disagreements: string[] = [];
  const silentSuccesses: string[] = [];
  const codeless: string[] = [];
  let throws = 0;
  let returns = 0;
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  /** What a call returned, by kind only: the key of the outcome counts in the figures. */
  const kind = (value: unknown, made: boolean): string => {
    if (made) return 'a new socket';
    if (Array.isArray(value)) return 'a table';
    if (value === undefined) return 'undefined';
    if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
    if (typeof value === 'object' && value !== null) return 'an object';
    return typeof value;
  };
  /**
   * What a call returned, exactly, for the backends' agreement. Only the number of a socket the
   * call made is left out: the kernel picks it. Every other value is deterministic: each backend
   * gets its own freshly made sockets in the same state, and the option names drawn (0, 1, 6,
   * 41, 65535 and random ones the kernel refuses) read nothing that differs between sockets.
   */
  const exactly = (value: unknown, made: boolean): string => {
    if (made) return 'a new socket';
    // The kernel's table of listeners changes as other processes listen and close.
    if (Array.isArray(value)) return 'a table';
    const { socket, peer } = (value ?? {}) as { socket?: unknown; peer?: unknown };
    if (typeof socket === 'number' && peer !== undefined) {
      return `a new socket with the peer ${JSON.stringify(peer)}`;
    }
    if (value === undefined) return 'undefined';
    if (Buffer.isBuffer(value)) return `Buffer <${value.toString('hex')}>`;
    if (typeof value === 'object' && value !== null) return JSON.stringify(value);
    return `${typeof value} ${String(value)}`;
  };
  /**
   * An error's message as both backends word it: each names itself (`[ffi backend]`), and a
   * socket it made for the call by its number, which the kernel picks.
   */
  const wording = (error: unknown, own: OwnResources, made: readonly number[]): string => {
    let text = String((error as Error).message).replaceAll(
      `[${own.backend.name} backend]`,
      '[<backend> backend]',
    );
    for (const socket of made) text = text.replaceAll(`socket ${socket} `, 'socket <made> ');
    return text;
  };
  for (let i = 0; i < calls; i++) {
    const [method, slots] = pick(methods);
    // Half the calls are well-formed, so they reach the native code; the rest take anything.
    const wellFormed = rng() < 0.5;
    const chosen = slots.map((slot): Arg => {
      const arg = pick(wellFormed ? slot.filter((candidate) => !candidate.bad) : slot);
      if (!arg.draw) return arg;
      const value = arg.draw();
      return { label: `${arg.label} (${value})`, bad: false, make: () => value };
    });
    const isBad = chosen.some((arg) => arg.bad);
    const label = `${method}(${chosen.map((a) => a.label).join(', ')})`;
    const seen: string[] = [];
    for (const own of resources) {
      let args: unknown[];
      try {
        args = chosen.map((arg) => arg.make(own));
      } catch (error) {
        seen.push(`setup failed ${String((error as { code?: unknown }).code)}`);
        closeAll(own);
        continue;
      }
      let outcome: string;
      let detail: string;
      let consumed: unknown;
      try {
        const value = (own.backend[method] as (...a: unknown[]) => unknown)(...args);
        const made = method === 'createTcpSocket' || method === 'connectUnixSocket';
        if (made && typeof value === 'number') own.made.push(value);
        const { socket } = (value ?? {}) as { socket?: unknown };
        if (method === 'connectUnixSocketWithPeer' && typeof socket === 'number') {
          own.made.push(socket);
        }
        if (method === 'closeSocket') consumed = args[0];
        outcome = `returned ${kind(value, made)}`;
        detail = `returned ${exactly(value, made)}`;
        returns++;
        if (isBad) silentSuccesses.push(`${own.backend.name}: ${label}`);
      } catch (error) {
        throws++;
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || code === '') {
          codeless.push(`${own.backend.name}: ${label}: ${String(error)}`);
        }
        outcome = `threw ${(error as Error).name} ${String(code)}`;
        detail = `${outcome}: ${wording(error, own, own.made)}`;
      }
      // A socket the call closed is no longer ours: its number may already be someone else's.
      closeAll(own, consumed);
      seen.push(detail);
      count(`${method}: ${outcome}`);
    }
    // Lets the sentinel Unix server accept (and see closed) the connections the call made.
    await new Promise((resolve) => setImmediate(resolve));
    if (new Set(seen).size > 1) disagreements.push(`${label}: ${seen.join(' | ')}`);
    if (i % 2000 === 0) progress(`fuzz ${i}/${calls}`);
  }
  closeSync(fileFd);
  // The sentinels: each descriptor still the same object, and each still works.
  const damaged = sentinels.filter(({ fd, dev, ino }) => {
    try {
      const now = fstatSync(fd, { bigint: true });
      return now.dev !== dev || now.ino !== ino;
    } catch {
      return true;
    }
  });
  const fileText = Buffer.alloc(8);
  readSync(sentinelFd, fileText, 0, 8, 0);
  const reply = await new Promise<string>((resolve) => {
    const socket = net.connect({ port: sentinelPort, host: '127.0.0.1' });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve('error'));
  });
  closeSync(sentinelFd);
  sentinelServer.close();
  unixServer.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    seed: config.seed,
    callsPerBackend: calls,
    backends: names,
    returns,
    throws,
    codeless,
    silentSuccesses,
    disagreements: disagreements.slice(0, 50),
    disagreementCount: disagreements.length,
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
    sentinels: sentinels.length,
    sentinelsDamaged: damaged.map((s) => s.fd),
    sentinelFileReads: fileText.toString(),
    sentinelServerReplies: reply,
  };
}

// ---------------------------------------------------------------------------------------------
// Under Node's permission model

async function permission(api: Api) {
  const server = api.createServer({}, (socket) => socket.end('hi'));
  const port = await listen(server);
  const socket = api.connect({ port, host: '127.0.0.1' });
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    text += d;
  });
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  await once(socket, 'close');
  const [peerSocket] = await accepted;
  const view = (target: Socket | Server) => {
    const { state, mechanism, reason } = api.fastPathInfo(target);
    return { state, mechanism, reason };
  };
  const result = { text, server: view(server), client: view(socket), accepted: view(peerSocket) };
  await closeServer(server);
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  const self = process.argv[1] as string;
  if (config.part === 'fuzz') {
    process.stdout.write(`RESULT ${JSON.stringify(await fuzz(config))}\n`);
    return;
  }
  const api = await loadApi(config);
  let result: unknown;
  switch (config.part) {
    case 'churn':
      result = await churn(api, config);
      break;
    case 'concurrency':
      result = await concurrency(api, config);
      break;
    case 'integrity':
      result = await integrity(api, config);
      break;
    case 'faults':
      result = await faults(api, config);
      break;
    case 'kill-peer':
      result = await killPeer(api, config, self);
      break;
    case 'peer':
      await peer(api, config);
      return;
    case 'permission':
      result = await permission(api);
      break;
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
