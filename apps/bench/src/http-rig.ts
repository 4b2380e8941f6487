/**
 * The measuring side's handle on the HTTP scenarios' processes: an HTTP server process and a
 * load process started without the preload (they carry the `net` and `unix` modes), and a pair
 * started with it (the `preload` mode), each pair once for the whole run. It starts them, checks
 * every mode with one request, runs measurements, collects what both sides saw of the fast path,
 * and stops them. Every wait is bounded.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Child, forkChild } from './child.js';
import {
  type FromHttpLoad,
  type FromHttpServer,
  type HttpEndpoint,
  type HttpKind,
  type HttpMeasurement,
  runDeadlineMs,
  type ToHttpLoad,
  type ToHttpServer,
} from './http-protocol.js';
import type { HttpModeId, HttpModeSpec } from './modes.js';
import type { StatusRecord } from './protocol.js';

/** The compiled HTTP server module (resolved as `SERVER_MODULE` is, for the same reason). */
export const HTTP_SERVER_MODULE: string = fileURLToPath(
  new URL('../dist/http-server.js', import.meta.url),
);

/** The compiled load module. */
export const HTTP_LOAD_MODULE: string = fileURLToPath(
  new URL('../dist/http-load.js', import.meta.url),
);

/**
 * The preload as a `file:` URL for `--import`. Node resolves a bare `--import` specifier from the
 * working directory, where `@loopfast/net` need not be installed; this package depends on it, so
 * resolving it from here works from any directory.
 */
export function preloadUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('@loopfast/net/register')).href;
}

/** What the HTTP scenarios' processes are asked to do, the same for every mode. */
export interface HttpRigOptions {
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Bytes of every request body and of every response body. */
  readonly bodySize: number;
  /** A private directory for the ceiling's Unix socket (`null` when no mode needs one). */
  readonly socketDir: string | null;
}

/** What a mode's processes saw of the fast path, side by side. */
export interface HttpSides {
  /** Over every client socket (see `keptStatus`); `null` when none was seen. */
  readonly client: StatusRecord | null;
  /** The listening server's. */
  readonly server: StatusRecord | null;
  /** Over every accepted socket a request came in on; `null` when none was seen. */
  readonly accepted: StatusRecord | null;
}

/** The running processes of the HTTP scenarios. */
export interface HttpRig {
  /** The modes that listen and answered their first request, in the order given. */
  readonly ready: readonly HttpModeId[];
  /** Why each other mode cannot be measured. */
  readonly unavailable: Partial<Record<HttpModeId, string>>;
  /** One measurement of `mode` with requests of `kind`. */
  measure(
    mode: HttpModeId,
    kind: HttpKind,
    budget: { readonly requests: number; readonly timeLimitMs: number },
  ): Promise<HttpMeasurement>;
  /** What each ready mode's processes saw of the fast path so far. */
  sides(): Promise<Partial<Record<HttpModeId, HttpSides>>>;
  /** Stops every process (killing those that do not exit in time). */
  stop(): Promise<void>;
}

/** An HTTP server process and a load process, started alike. */
interface Pair {
  readonly server: Child<ToHttpServer, FromHttpServer>;
  readonly load: Child<ToHttpLoad, FromHttpLoad>;
}

/**
 * Starts a pair of processes per kind of start the modes need (plain, preloaded), one listener
 * per mode, and checks every mode with one keep-alive request. A mode whose processes, listener
 * or first request fail is left out with the reason; the others run.
 */
export async function startHttpRig(
  modes: readonly HttpModeSpec[],
  options: HttpRigOptions,
): Promise<HttpRig> {
  const pairs = new Map<boolean, Pair>();
  const endpoints = new Map<HttpModeId, HttpEndpoint>();
  const unavailable: Partial<Record<HttpModeId, string>> = {};
  const specOf = (id: HttpModeId) => modes.find((mode) => mode.id === id) as HttpModeSpec;

  const measure: HttpRig['measure'] = async (mode, kind, budget) => {
    const pair = pairs.get(specOf(mode).preload);
    const endpoint = endpoints.get(mode);
    if (pair === undefined || endpoint === undefined)
      throw new Error(`HTTP mode ${mode} is not running`);
    const { micros: serverBefore } = await pair.server.request({ type: 'cpu' }, 'cpu');
    const { requests, ns, bodyBytes, cpuMicros } = await pair.load.request(
      {
        type: 'run',
        run: {
          mode,
          kind,
          port: endpoint.port,
          path: endpoint.path,
          concurrency: options.concurrency,
          requests: budget.requests,
          timeLimitMs: budget.timeLimitMs,
          bodySize: options.bodySize,
        },
      },
      'result',
      runDeadlineMs(budget.timeLimitMs) + 5000,
    );
    if (bodyBytes !== requests * options.bodySize)
      throw new Error(
        `${requests} requests brought ${bodyBytes} body bytes, not ${options.bodySize} each`,
      );
    const { micros: serverAfter } = await pair.server.request({ type: 'cpu' }, 'cpu');
    return { requests, ns, bodyBytes, cpuMicros, serverCpuMicros: serverAfter - serverBefore };
  };

  for (const preload of [false, true]) {
    const group = modes.filter((mode) => mode.preload === preload);
    if (group.length === 0) continue;
    let execArgv: string[];
    try {
      execArgv = preload ? ['--import', preloadUrl()] : [];
    } catch (error) {
      for (const mode of group)
        unavailable[mode.id] =
          `@loopfast/net/register cannot be found: ${(error as Error).message}`;
      continue;
    }
    const which = preload ? ' (preloaded)' : '';
    const pair: Pair = {
      server: forkChild(HTTP_SERVER_MODULE, `HTTP server${which}`, execArgv),
      load: forkChild(HTTP_LOAD_MODULE, `HTTP load process${which}`, execArgv),
    };
    pairs.set(preload, pair);
    try {
      const { endpoints: listening } = await pair.server.request(
        {
          type: 'start',
          listeners: group.map((mode) => ({
            id: mode.id,
            transport: mode.transport,
            path:
              mode.transport === 'unix' && options.socketDir !== null
                ? join(options.socketDir, `http-${mode.id}.sock`)
                : null,
          })),
          bodySize: options.bodySize,
        },
        'ready',
      );
      for (const endpoint of listening) {
        if (endpoint.error === null) endpoints.set(endpoint.id, endpoint);
        else unavailable[endpoint.id] = `its server could not listen: ${endpoint.error}`;
      }
    } catch (error) {
      for (const mode of group)
        unavailable[mode.id] = `its processes did not start: ${(error as Error).message}`;
    }
  }

  const ready: HttpModeId[] = [];
  for (const mode of modes) {
    if (!endpoints.has(mode.id)) continue;
    try {
      await measure(mode.id, 'keep-alive', { requests: 1, timeLimitMs: 1000 });
      ready.push(mode.id);
    } catch (error) {
      unavailable[mode.id] = `its first request failed: ${(error as Error).message}`;
    }
  }

  return {
    ready,
    unavailable,
    measure,
    async sides() {
      const sides: Partial<Record<HttpModeId, HttpSides>> = {};
      for (const [preload, pair] of pairs) {
        const group = ready.filter((id) => specOf(id).preload === preload);
        if (group.length === 0) continue;
        const { client } = await pair.load.request({ type: 'status' }, 'status');
        const { accepted } = await pair.server.request({ type: 'status' }, 'status');
        for (const id of group)
          sides[id] = {
            client: client[id] ?? null,
            server: endpoints.get(id)?.server ?? null,
            accepted: accepted[id] ?? null,
          };
      }
      return sides;
    },
    async stop() {
      await Promise.all(
        [...pairs.values()].flatMap((pair) => [pair.server.stop(), pair.load.stop()]),
      );
    },
  };
}
