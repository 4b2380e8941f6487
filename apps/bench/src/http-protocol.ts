/**
 * What the measuring process says to the HTTP scenarios' two kinds of child: the HTTP server
 * process and the load (client) process. One of each runs without the preload (the `net` and
 * `unix` modes) and one of each with it (the `preload` mode).
 *
 * @module
 */
import type { HttpModeId } from './modes.js';
import type { StatusRecord } from './protocol.js';

/**
 * How the load process makes its requests: an `http.Agent` with keep-alive, a new connection per
 * request (`agent: false`), or Node's built-in `fetch`.
 */
export type HttpKind = 'keep-alive' | 'new-connection' | 'fetch';

/** Every kind, in run order. */
export const HTTP_KINDS: readonly HttpKind[] = ['keep-alive', 'new-connection', 'fetch'];

/** One listener the HTTP server process is asked for. */
export interface HttpListenRequest {
  readonly id: HttpModeId;
  readonly transport: 'tcp' | 'unix';
  /** The Unix socket path, for `transport: 'unix'`. */
  readonly path: string | null;
}

/** Where one mode's HTTP server listens and its status, or why it could not listen. */
export interface HttpEndpoint {
  readonly id: HttpModeId;
  readonly port: number | null;
  readonly path: string | null;
  /** `fastPathInfo` of the listening server. */
  readonly server: StatusRecord | null;
  readonly error: string | null;
}

/** Measuring process to HTTP server process. */
export type ToHttpServer =
  | {
      readonly type: 'start';
      readonly listeners: readonly HttpListenRequest[];
      /** Bytes every request body must have, and every response body has. */
      readonly bodySize: number;
    }
  | { readonly type: 'status' }
  /** The CPU time the process has used so far. */
  | { readonly type: 'cpu' }
  | { readonly type: 'stop' };

/** HTTP server process to measuring process. */
export type FromHttpServer =
  | { readonly type: 'ready'; readonly endpoints: readonly HttpEndpoint[] }
  | {
      readonly type: 'cpu';
      /** User and system CPU time of the process since it started, in microseconds. */
      readonly micros: number;
    }
  | {
      readonly type: 'status';
      /** Per mode, over every accepted socket a request came in on (see `keptStatus`). */
      readonly accepted: Partial<Record<HttpModeId, StatusRecord>>;
    }
  | { readonly type: 'error'; readonly message: string };

/** One measurement the load process is asked for. */
export interface HttpRun {
  readonly mode: HttpModeId;
  readonly kind: HttpKind;
  /** Where the server listens: a port on 127.0.0.1, or a Unix socket path. */
  readonly port: number | null;
  readonly path: string | null;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Requests at most. */
  readonly requests: number;
  /** No request starts after this long (the first always does). */
  readonly timeLimitMs: number;
  /** Bytes of every request body and of every response body. */
  readonly bodySize: number;
}

/** What one run measured: every request was answered with a full body, or the run failed. */
export interface HttpSample {
  /** Requests completed. */
  readonly requests: number;
  /** Nanoseconds from the first request's start to the last one's end. */
  readonly ns: number;
  /** Response body bytes received, over all requests. */
  readonly bodyBytes: number;
  /** User and system CPU time the load process used for the run, in microseconds. */
  readonly cpuMicros: number;
}

/** A run as the measuring process saw it: the load process's figures and the server's CPU time. */
export interface HttpMeasurement extends HttpSample {
  /** User and system CPU time the server process used during the run, in microseconds. */
  readonly serverCpuMicros: number;
}

/** User and system CPU time of this process, in microseconds, since `since` (or its start). */
export function cpuMicros(since?: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return user + system;
}

/** Measuring process to load process. */
export type ToHttpLoad =
  | { readonly type: 'run'; readonly run: HttpRun }
  | { readonly type: 'status' }
  | { readonly type: 'stop' };

/** Load process to measuring process. */
export type FromHttpLoad =
  | ({ readonly type: 'result' } & HttpSample)
  | {
      readonly type: 'status';
      /** Per mode, over every client socket the requests went over (see `keptStatus`). */
      readonly client: Partial<Record<HttpModeId, StatusRecord>>;
    }
  | { readonly type: 'error'; readonly message: string };

/** The hard deadline of a run, after which its connections are destroyed and it fails. */
export function runDeadlineMs(timeLimitMs: number): number {
  return timeLimitMs * 3 + 10_000;
}
