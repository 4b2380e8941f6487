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
import { part, type Scenario, total } from './scenario.js';

const RATE: readonly MetricSpec[] = [
  { key: 'perSecond', label: 'requests/s', unit: '1/s', better: 'higher' },
];

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
 * The figure of a round is the requests completed in the round's turns over their time.
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
    metrics: RATE,
    series: modes
      .filter((mode) => spec.ceiling || mode.transport === 'tcp')
      .map((mode) => ({ id: mode.id, label: mode.label })),
    baseline: BASELINE,
    async slice(id, share) {
      const sample = await rig.measure(id as HttpModeId, spec.kind, {
        requests: part(h.requests, share),
        timeLimitMs: part(h.timeLimitMs, share),
      });
      return { samples: null, count: sample.requests, ns: sample.ns, bytes: 0 };
    },
    figures: (slices) => ({ perSecond: total(slices, 'count') / (total(slices, 'ns') / 1e9) }),
  }));
}
