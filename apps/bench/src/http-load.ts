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
import { Agent, type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import { Socket } from 'node:net';
import { fastPathInfo } from '@loopfast/net';
import {
  type FromHttpLoad,
  type HttpRun,
  type HttpSample,
  runDeadlineMs,
  type ToHttpLoad,
} from './http-protocol.js';
import { type HttpModeId, LOOPBACK_HOST } from './modes.js';
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

/** Makes one request at a time on behalf of a worker; several workers share one. */
interface Requester {
  /** One request; resolves with the size of the answer's body once it has all arrived. */
  one(): Promise<number>;
  /** Destroys every connection the requester still holds, in use or idle. */
  close(): void;
}

function httpRequester(run: HttpRun, payload: Buffer): Requester {
  const agent =
    run.kind === 'keep-alive' ? new Agent({ keepAlive: true, maxSockets: run.concurrency }) : false;
  const target: RequestOptions =
    run.path !== null ? { socketPath: run.path } : { host: LOOPBACK_HOST, port: run.port ?? 0 };
  const live = new Set<ClientRequest>();
  const options: RequestOptions = {
    ...target,
    method: 'POST',
    path: '/',
    agent,
    headers: { 'content-length': payload.length },
  };
  return {
    one: () =>
      new Promise((resolve, reject) => {
        const request = httpRequest(options, (response) => {
          check(request.socket);
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          response.once('error', reject);
          response.once('end', () => {
            if (response.statusCode === 200) resolve(bytes);
            else reject(new Error(`the server answered ${response.statusCode}`));
          });
        });
        live.add(request);
        request.once('close', () => live.delete(request));
        request.once('error', reject);
        request.end(payload);
      }),
    close() {
      for (const request of live) request.destroy();
      if (agent) agent.destroy();
    },
  };
}

function fetchRequester(run: HttpRun, payload: Buffer): Requester {
  const url = `http://${LOOPBACK_HOST}:${run.port}/`;
  const controller = new AbortController();
  return {
    async one() {
      const response = await fetch(url, {
        method: 'POST',
        body: payload,
        signal: controller.signal,
      });
      const body = await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`the server answered ${response.status}`);
      return body.byteLength;
    },
    // Idle connections stay in fetch's pool for the next run, as they would in a program.
    close: () => controller.abort(),
  };
}

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
    run.kind === 'fetch' ? fetchRequester(run, payload) : httpRequester(run, payload);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${run.kind} (${run.mode}) did not finish in time`)),
      runDeadlineMs(run.timeLimitMs),
    );
  });
  current = run.mode;
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
    return { requests, ns: elapsedNs(started), bodyBytes };
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
