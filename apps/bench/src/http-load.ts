/**
 * The HTTP scenarios' load process, forked by the measuring process (with the preload for the
 * `preload` mode, without it otherwise): Node's own `http` client, or its built-in `fetch`,
 * keeping a fixed number of requests in flight against the HTTP server process, each a POST whose
 * body and answer have the agreed size. Each run stops at its request count or its time limit and
 * fails, with every connection destroyed, at a hard deadline. It checks the fast-path status of
 * every client socket its requests went over. It lives only as long as its IPC channel.
 *
 * @module
 */
import { subscribe } from 'node:diagnostics_channel';
import { Socket } from 'node:net';
import { fastPathInfo } from '@loopfast/net';
import {
  cpuMicros,
  type FromHttpLoad,
  type HttpRun,
  type HttpSample,
  runDeadlineMs,
  type ToHttpLoad,
} from './http-protocol.js';
import { fetchRequester, httpRequester } from './http-requesters.js';
import type { HttpModeId } from './modes.js';
import { keptStatus, type StatusRecord } from './protocol.js';

const client: Partial<Record<HttpModeId, StatusRecord>> = {};
/** Sockets whose status is counted already: a keep-alive connection carries many requests. */
const checked = new WeakSet<Socket>();
/** The mode of the run in progress, which the sockets seen meanwhile belong to. */
let current: HttpModeId | null = null;

function check(socket: unknown): void {
  if (current === null || !(socket instanceof Socket) || checked.has(socket)) return;
  checked.add(socket);
  client[current] = keptStatus(client[current] ?? null, fastPathInfo(socket));
}

// `fetch` never shows its sockets; undici, which carries it, announces each new connection here.
subscribe('undici:client:connected', (message) => check((message as { socket?: unknown }).socket));

function elapsedNs(started: bigint): number {
  return Number(process.hrtime.bigint() - started);
}

/**
 * Keeps `run.concurrency` requests in flight until `run.requests` have started or the time limit
 * has passed, and waits for the last answer. Every answer must be a 200 with a body of
 * `run.bodySize` bytes, or the run fails.
 */
async function runLoad(run: HttpRun): Promise<HttpSample> {
  if (run.path === null && run.port === null)
    throw new TypeError(`mode ${run.mode} has neither a port nor a path`);
  const payload = Buffer.alloc(run.bodySize, 0x61);
  const requester =
    run.kind === 'fetch' ? fetchRequester(run, payload) : httpRequester(run, payload, check);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${run.kind} (${run.mode}) did not finish in time`)),
      runDeadlineMs(run.timeLimitMs),
    );
  });
  current = run.mode;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const limitNs = run.timeLimitMs * 1e6;
  let issued = 0;
  let requests = 0;
  let bodyBytes = 0;
  const worker = async () => {
    while (issued < run.requests && (issued === 0 || elapsedNs(started) < limitNs)) {
      issued++;
      const bytes = await requester.one();
      if (bytes !== run.bodySize)
        throw new Error(`an answer had a ${bytes}-byte body instead of ${run.bodySize} bytes`);
      bodyBytes += bytes;
      requests++;
    }
  };
  const work = Promise.all(
    Array.from({ length: Math.min(run.concurrency, run.requests) }, () => worker()),
  );
  work.catch(() => {}); // when the deadline wins, a later rejection is expected and ignored
  try {
    await Promise.race([work, expired]);
    return { requests, ns: elapsedNs(started), bodyBytes, cpuMicros: cpuMicros(cpuBefore) };
  } finally {
    clearTimeout(timer);
    requester.close();
    current = null;
  }
}

function send(message: FromHttpLoad): void {
  process.send?.(message);
}

async function onMessage(message: ToHttpLoad): Promise<void> {
  if (message.type === 'run') {
    send({ type: 'result', ...(await runLoad(message.run)) });
  } else if (message.type === 'status') {
    send({ type: 'status', client });
  } else if (message.type === 'stop') {
    process.exit(0);
  }
}

if (process.send !== undefined) {
  process.on('message', (message: ToHttpLoad) => {
    onMessage(message).catch((error: Error) => send({ type: 'error', message: error.message }));
  });
  // The parent is gone (or done): nothing else should keep this process.
  process.on('disconnect', () => process.exit(0));
}
