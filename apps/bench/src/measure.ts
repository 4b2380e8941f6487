/**
 * The measurements, one connection pattern each, taken in the measuring process against the
 * forked server. Every loop stops at a count or a time limit, whichever comes first, and every
 * measurement as a whole has a hard deadline after which its sockets are destroyed.
 *
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Backend } from '@loopfast/core';
import { socketConstants } from '@loopfast/core';
import { createLoopfast } from '@loopfast/net';
import { backendByName } from './backends.js';
import { LOOPBACK_HOST, type ModeSpec } from './modes.js';
import { OP_ECHO, OP_SINK, type StatusRecord, toStatusRecord } from './protocol.js';

/** Nanoseconds since an arbitrary start, as a double (exact to well beyond a day). */
export function now(): number {
  return Number(process.hrtime.bigint());
}

const MS = 1e6;

/** Where one mode's server listens, with the mode that says how to reach it. */
export interface Target {
  readonly mode: ModeSpec;
  readonly port: number | null;
  readonly path: string | null;
}

const loopfast = createLoopfast();

/**
 * Opens a client connection the way `target.mode` says: `node:net` directly, or
 * `@loopfast/net`'s `connect` with `loopbackFastPath` and (when on) the mode's backend.
 */
export function connectTo(target: Target): Socket {
  const { mode } = target;
  if (mode.transport === 'unix') {
    if (target.path === null) throw new TypeError(`mode ${mode.id} has no socket path`);
    return netConnect({ path: target.path });
  }
  if (target.port === null) throw new TypeError(`mode ${mode.id} has no port`);
  if (mode.library === 'node:net') return netConnect({ port: target.port, host: LOOPBACK_HOST });
  return loopfast.connect({
    port: target.port,
    host: LOOPBACK_HOST,
    loopbackFastPath: mode.fastPath,
    ...(mode.backend === null ? {} : { backend: backendByName(mode.backend) }),
  });
}

/**
 * Runs `body` with a hard deadline. Sockets `body` registers are destroyed when it ends, normally
 * or not, so a stuck peer can never hold the run.
 */
export async function bounded<T>(
  what: string,
  deadlineMs: number,
  body: (sockets: Set<Socket>) => Promise<T>,
): Promise<T> {
  const sockets = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${Math.round(deadlineMs)} ms`)),
      deadlineMs,
    );
  });
  const work = body(sockets);
  work.catch(() => {}); // when the deadline wins, a later rejection is expected and ignored
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
  }
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Ends a connection and waits until both sides have closed it. */
function closeGracefully(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.resume();
    socket.end();
  });
}

/**
 * `count` round trips of `payload` on an echo connection, one in flight at a time, stopping early
 * at `deadline` (in {@link now} units). Resolves with each round trip's nanoseconds.
 */
function exchanges(
  socket: Socket,
  payload: Buffer,
  count: number,
  deadline: number,
): Promise<Float64Array> {
  const samples = new Float64Array(count);
  const size = payload.length;
  return new Promise((resolve, reject) => {
    let n = 0;
    let received = 0;
    let started = 0;
    const finish = (error?: Error) => {
      socket.off('data', onData);
      socket.off('error', finish);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(samples.subarray(0, n));
    };
    const onClose = () => finish(new Error('the connection closed during ping-pong'));
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received < size) return;
      const ended = now();
      if (received > size) {
        finish(new Error(`echo returned ${received} bytes for ${size}`));
        return;
      }
      samples[n++] = ended - started;
      received = 0;
      if (n >= count || ended >= deadline) {
        finish();
        return;
      }
      started = now();
      socket.write(payload);
    };
    socket.on('data', onData);
    socket.once('error', finish);
    socket.once('close', onClose);
    if (count <= 0) {
      finish();
      return;
    }
    started = now();
    socket.write(payload);
  });
}

/** Ping-pong settings. */
export interface PingPongOptions {
  /** Payload bytes per message. */
  readonly size: number;
  /** Measured round trips at most. */
  readonly count: number;
  /** Unmeasured round trips first, on the same connection. */
  readonly warmup: number;
  /** Stop measuring after this long, even short of `count`. */
  readonly timeLimitMs: number;
}

/** Round-trip times in nanoseconds on one fresh connection (after its own warm-up exchanges). */
export function measurePingPong(target: Target, options: PingPongOptions): Promise<Float64Array> {
  const payload = Buffer.alloc(options.size, 0x61);
  return bounded(
    `ping-pong (${target.mode.id})`,
    options.timeLimitMs * 3 + 10_000,
    async (sockets) => {
      const socket = connectTo(target);
      sockets.add(socket);
      await connected(socket);
      socket.write(Buffer.of(OP_ECHO));
      await exchanges(socket, payload, options.warmup, Number.POSITIVE_INFINITY);
      const samples = await exchanges(
        socket,
        payload,
        options.count,
        now() + options.timeLimitMs * MS,
      );
      await closeGracefully(socket);
      return samples;
    },
  );
}

/** Throughput settings. */
export interface ThroughputOptions {
  /** Bytes to send at most. */
  readonly bytes: number;
  /** Bytes per `write`. */
  readonly chunkSize: number;
  /** Stop sending after this long, even short of `bytes`. */
  readonly timeLimitMs: number;
}

/** One throughput measurement: bytes the server counted, and the nanoseconds they took. */
export interface ThroughputSample {
  readonly bytes: number;
  readonly ns: number;
}

/** Collects a sink connection's reply (the server's byte count) and notes when it arrived. */
function sinkReply(socket: Socket): Promise<{ count: number; at: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let at = 0;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      at = now();
    });
    socket.once('error', reject);
    socket.once('end', () => resolve({ count: Number(text), at }));
  });
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      socket.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the connection closed while streaming'));
    socket.once('drain', onDrain);
    socket.once('close', onClose);
    socket.once('error', done);
  });
}

/**
 * Streams `chunkSize` writes (honouring backpressure) until `bytes` or the time limit, then ends
 * the connection; the time runs from the first write to the server's reply with its byte count,
 * which must match what was sent.
 */
export function measureThroughput(
  target: Target,
  options: ThroughputOptions,
): Promise<ThroughputSample> {
  const chunk = Buffer.alloc(options.chunkSize, 0x78);
  return bounded(
    `throughput (${target.mode.id})`,
    options.timeLimitMs * 3 + 10_000,
    async (sockets) => {
      const socket = connectTo(target);
      sockets.add(socket);
      await connected(socket);
      socket.write(Buffer.of(OP_SINK));
      const reply = sinkReply(socket);
      reply.catch(() => {}); // awaited below; a failed write may throw first
      const started = now();
      const deadline = started + options.timeLimitMs * MS;
      let sent = 0;
      while (sent < options.bytes && now() < deadline) {
        sent += chunk.length;
        if (!socket.write(chunk)) await drained(socket);
      }
      socket.end();
      const { count, at } = await reply;
      if (count !== sent) throw new Error(`the server counted ${count} bytes of ${sent} sent`);
      return { bytes: count, ns: at - started };
    },
  );
}

/** Connection-rate settings. */
export interface ConnectionRateOptions {
  /** Connections at most. */
  readonly count: number;
  /** Stop opening connections after this long, even short of `count`. */
  readonly timeLimitMs: number;
}

/** One connection-rate measurement. */
export interface ConnectionRateSample {
  /** Connections completed (connect, one exchange, close). */
  readonly connections: number;
  /** Nanoseconds for all of them, back to back. */
  readonly ns: number;
  /** Per connection: nanoseconds from `connect()` to the `connect` event. */
  readonly setup: Float64Array;
}

const PROBE = Buffer.of(OP_ECHO, 0x21);

/** One connection: connect, send one byte and get it back, close; resolves with setup time. */
function oneConnection(target: Target, sockets: Set<Socket>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = now();
    let setup = 0;
    const socket = connectTo(target);
    sockets.add(socket);
    socket.once('error', reject);
    socket.once('connect', () => {
      setup = now() - started;
      socket.write(PROBE);
    });
    socket.once('data', () => socket.end());
    socket.once('close', (hadError: boolean) => {
      sockets.delete(socket);
      if (hadError) reject(new Error('a connection closed with an error'));
      else resolve(setup);
    });
  });
}

/** Back-to-back connections, one at a time: each connects, exchanges one byte, and closes. */
export function measureConnectionRate(
  target: Target,
  options: ConnectionRateOptions,
): Promise<ConnectionRateSample> {
  return bounded(
    `connection rate (${target.mode.id})`,
    options.timeLimitMs * 3 + 10_000,
    async (sockets) => {
      const setup = new Float64Array(options.count);
      const started = now();
      const deadline = started + options.timeLimitMs * MS;
      let n = 0;
      while (n < options.count && (n === 0 || now() < deadline)) {
        setup[n] = await oneConnection(target, sockets);
        n++;
      }
      return { connections: n, ns: now() - started, setup: setup.subarray(0, n) };
    },
  );
}

/** Call-cost settings. */
export interface CallCostOptions {
  /** Calls at most. */
  readonly calls: number;
  /** Stop after this long, even short of `calls`. */
  readonly timeLimitMs: number;
}

/** One call-cost measurement: calls made, and the nanoseconds they took. */
export interface CallCostSample {
  readonly calls: number;
  readonly ns: number;
}

/**
 * Times `getSocketOption(SOL_SOCKET, SO_RCVBUF)` through `backend`, on a socket the backend makes
 * for the purpose and closes afterwards. A short unmeasured run comes first.
 */
export function measureCallCost(backend: Backend, options: CallCostOptions): CallCostSample {
  const { SOL_SOCKET, SO_RCVBUF } = socketConstants();
  const socket = backend.createTcpSocket(4);
  try {
    const warmup = Math.min(1000, options.calls);
    for (let i = 0; i < warmup; i++) backend.getSocketOption(socket, SOL_SOCKET, SO_RCVBUF);
    const started = now();
    const deadline = started + options.timeLimitMs * MS;
    let calls = 0;
    while (calls < options.calls) {
      const batch = Math.min(256, options.calls - calls);
      for (let i = 0; i < batch; i++) backend.getSocketOption(socket, SOL_SOCKET, SO_RCVBUF);
      calls += batch;
      if (now() >= deadline) break;
    }
    return { calls, ns: now() - started };
  } finally {
    backend.closeSocket(socket);
  }
}

/**
 * One connection with one exchange, to check a mode works before it is measured; resolves with
 * the client socket's fast-path status (`null` for `node:net` modes, which loopfast never saw).
 */
export function probeConnection(target: Target): Promise<StatusRecord | null> {
  return bounded(`first connection (${target.mode.id})`, 10_000, async (sockets) => {
    const socket = connectTo(target);
    sockets.add(socket);
    await connected(socket);
    const status =
      target.mode.library === '@loopfast/net'
        ? toStatusRecord(loopfast.fastPathInfo(socket))
        : null;
    const echoed = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before the echo')));
    });
    socket.write(PROBE);
    await echoed;
    await closeGracefully(socket);
    return status;
  });
}
