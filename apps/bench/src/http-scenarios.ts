/**
 * The HTTP scenarios as the runner drives them: requests per second between an HTTP server
 * process and a load process, with a keep-alive agent, with a new connection per request, and
 * with Node's built-in `fetch`, for each HTTP mode that is ready.
 *
 * @module
 */
import type { BenchConfig } from './config.js';
import type { HttpKind } from './http-protocol.js';
import type { HttpRig } from './http-rig.js';
import { BASELINE, type HttpModeId, type HttpModeSpec } from './modes.js';
import type { MetricSpec, ScenarioId } from './results.js';
import { part, type Scenario, type Slice, total } from './scenario.js';

const METRICS: readonly MetricSpec[] = [
  { key: 'perSecond', label: 'requests/s', unit: '1/s', better: 'higher' },
  { key: 'clientCpu', label: 'client CPU/request', unit: 'ns', better: 'lower' },
  { key: 'serverCpu', label: 'server CPU/request', unit: 'ns', better: 'lower' },
];

/** CPU time of one side per request, over the turns of a round. */
function cpuPerRequest(slices: readonly Slice[], side: 'clientNs' | 'serverNs'): number {
  const ns = slices.reduce((sum, slice) => sum + (slice.cpu?.[side] ?? Number.NaN), 0);
  return ns / total(slices, 'count');
}

/** One HTTP scenario: how its requests are made, and which modes can make them. */
interface HttpScenarioSpec {
  readonly id: ScenarioId;
  readonly kind: HttpKind;
  readonly title: string;
  /** The client's side of the method, in words. */
  readonly how: string;
  /** Whether the ceiling takes part: `fetch` has no `socketPath`, so it cannot reach it. */
  readonly ceiling: boolean;
}

function specs(concurrency: number): HttpScenarioSpec[] {
  return [
    {
      id: 'http-keep-alive',
      kind: 'keep-alive',
      title: 'HTTP requests, keep-alive',
      how: `http.request with an http.Agent({ keepAlive: true, maxSockets: ${concurrency} }) made for each turn`,
      ceiling: true,
    },
    {
      id: 'http-new-connection',
      kind: 'new-connection',
      title: 'HTTP requests, a new connection per request',
      how: 'http.request with agent: false, so every request opens and closes a connection of its own',
      ceiling: true,
    },
    {
      id: 'http-fetch',
      kind: 'fetch',
      title: "HTTP requests with Node's built-in fetch",
      how: "Node's fetch, which keeps its connections alive in its own pool; no Unix-socket ceiling, since fetch has no socketPath",
      ceiling: false,
    },
  ];
}

/**
 * The HTTP scenarios over `modes` (the ready ones, in display order), measured through `rig`.
 * The figures of a round are the requests completed in the round's turns over their time, and the
 * CPU time each process used per request: on a shared machine a rate moves with whatever else
 * runs, where the work a request costs each process moves far less.
 */
export function httpScenarios(
  config: BenchConfig,
  rig: HttpRig,
  modes: readonly HttpModeSpec[],
): Scenario[] {
  const h = config.http;
  const turns = `per mode and round, in ${config.slices} turns taken by the modes in alternating order`;
  const common = `POST requests with a ${h.bodySize} B body, each answered by a ${h.bodySize} B body, ${h.concurrency} in flight, from a client process to an http.createServer process`;
  return specs(h.concurrency).map((spec) => ({
    id: spec.id,
    title: `${spec.title} (${h.concurrency} in flight, ${h.bodySize} B bodies)`,
    method: `up to ${h.requests} requests (or ${h.timeLimitMs} ms) ${turns}; ${common}; ${spec.how}`,
    metrics: METRICS,
    series: modes
      .filter((mode) => spec.ceiling || mode.transport === 'tcp')
      .map((mode) => ({ id: mode.id, label: mode.label })),
    baseline: BASELINE,
    async slice(id, share) {
      const sample = await rig.measure(id as HttpModeId, spec.kind, {
        requests: part(h.requests, share),
        timeLimitMs: part(h.timeLimitMs, share),
      });
      const cpu = { clientNs: sample.cpuMicros * 1000, serverNs: sample.serverCpuMicros * 1000 };
      return { samples: null, count: sample.requests, ns: sample.ns, bytes: 0, cpu };
    },
    figures: (slices) => ({
      perSecond: total(slices, 'count') / (total(slices, 'ns') / 1e9),
      clientCpu: cpuPerRequest(slices, 'clientNs'),
      serverCpu: cpuPerRequest(slices, 'serverNs'),
    }),
  }));
}
