/**
 * How the HTTP scenarios' load process makes its requests: Node's own `http` client (with a
 * keep-alive agent, or a new connection per request) or its built-in `fetch`. Each requester is
 * shared by the workers of one run, and closing it destroys what it still holds.
 *
 * @module
 */
import { Agent, type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import type { HttpRun } from './http-protocol.js';
import { LOOPBACK_HOST } from './modes.js';

/** Makes one request at a time on behalf of a worker; several workers share one. */
export interface Requester {
  /** One request; resolves with the size of the answer's body once it has all arrived. */
  one(): Promise<number>;
  /** Destroys every connection the requester still holds, in use or idle. */
  close(): void;
}

/**
 * Requests with `http.request`; `check` sees the socket of every answer (to count how the
 * connections were made).
 */
export function httpRequester(
  run: HttpRun,
  payload: Buffer,
  check: (socket: unknown) => void,
): Requester {
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

/** Requests with Node's built-in `fetch`. */
export function fetchRequester(run: HttpRun, payload: Buffer): Requester {
  const url = `http://${LOOPBACK_HOST}:${run.port}/`;
  // A signal per request: fetch lets go of its listener on a signal only once the request is
  // collected, so one signal shared by a run of thousands gathers thousands of listeners.
  const live = new Set<AbortController>();
  return {
    async one() {
      const controller = new AbortController();
      live.add(controller);
      try {
        const response = await fetch(url, {
          method: 'POST',
          body: payload,
          signal: controller.signal,
        });
        const body = await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`the server answered ${response.status}`);
        return body.byteLength;
      } finally {
        live.delete(controller);
      }
    },
    // Idle connections stay in fetch's pool for the next run, as they would in a program.
    close() {
      for (const controller of live) controller.abort();
    },
  };
}
