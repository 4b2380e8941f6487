/**
 * One benchmark run: fork the server (and the HTTP scenarios' server and load processes), check
 * every mode with one connection, then for each scenario a warm-up turn per mode and the measured
 * rounds. Each round is split into turns that the modes take in alternating order (forward,
 * backward, forward, ...), so a change in the state of a shared machine falls on every mode alike
 * and the per-round ratios stay paired.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, probeBackend } from './backends.js';
import type { BenchConfig } from './config.js';
import { collectEnvironment, finishEnvironment } from './environment.js';
import { type HttpRig, startHttpRig } from './http-rig.js';
import { httpScenarios } from './http-scenarios.js';
import {
  measureCallCost,
  measureConnectionRate,
  measurePingPong,
  measureThroughput,
  now,
  probeConnection,
  type Target,
} from './measure.js';
import {
  type AnyModeId,
  BASELINE,
  type BackendName,
  httpModesFor,
  isModeId,
  type ModeSpec,
  modesFor,
  PRELOAD,
} from './modes.js';
import type { ServerModeRequest } from './protocol.js';
import {
  type BenchResult,
  type MetricSpec,
  type ModeResult,
  RESULT_SCHEMA,
  type ScenarioId,
  type ScenarioResult,
  type SeriesResult,
  summarizeScenario,
} from './results.js';
import { part, type Scenario, type Slice, total } from './scenario.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { distribution, percentile, sorted } from './stats.js';
import { evaluateTargets } from './targets.js';

/** Where a run stands, for a progress display. */
export interface ProgressEvent {
  /** Measurements done so far, and in all. */
  readonly step: number;
  readonly total: number;
  readonly scenario: string;
  /** 0 for the warm-up, then 1..rounds. */
  readonly round: number;
  readonly rounds: number;
  /** The mode or backend being measured. */
  readonly series: string;
  readonly elapsedMs: number;
}

/** Optional hooks of a run. */
export interface RunHooks {
  /** Called before each measurement. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** The compiled server module to fork (the package's own by default). */
  readonly serverModule?: string;
}

const LATENCY_METRICS: readonly MetricSpec[] = [
  { key: 'p50', label: 'p50', unit: 'ns', better: 'lower' },
  { key: 'p99', label: 'p99', unit: 'ns', better: 'lower' },
  { key: 'p999', label: 'p99.9', unit: 'ns', better: 'lower' },
];

/** The warm-up before a scenario's first round: one unrecorded turn per mode, a quarter round. */
const WARMUP_SHARE = 0.25;

/** A byte count in the largest binary unit that divides it: `1 B`, `4 KiB`, `1 GiB`. */
function sizeLabel(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (unit < units.length - 1 && value >= 1024 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}

function scenarioIdForSize(bytes: number): ScenarioId {
  return bytes === 1 ? 'pingpong-1B' : 'pingpong-4KiB';
}

/** Every slice's samples in one sorted array. */
function pooledSorted(slices: readonly Slice[]): Float64Array {
  return sorted(concat(slices.flatMap((slice) => (slice.samples ? [slice.samples] : []))));
}

function networkScenarios(config: BenchConfig, targets: ReadonlyMap<string, Target>): Scenario[] {
  const series = [...targets.values()].map((target) => ({
    id: target.mode.id,
    label: target.mode.label,
  }));
  const targetOf = (id: string) => targets.get(id) as Target;
  const turns = `per mode and round, in ${config.slices} turns taken by the modes in alternating order`;
  const scenarios: Scenario[] = [];
  if (config.scenarios.includes('pingpong')) {
    const p = config.pingPong;
    for (const size of p.sizes) {
      scenarios.push({
        id: scenarioIdForSize(size),
        title: `Ping-pong round trip, ${sizeLabel(size)}`,
        method: `up to ${p.count} round trips (or ${p.timeLimitMs} ms) ${turns}; a fresh connection per turn with ${p.warmup} unmeasured round trips first; one message in flight`,
        metrics: LATENCY_METRICS,
        series,
        baseline: BASELINE,
        async slice(id, share) {
          const samples = await measurePingPong(targetOf(id), {
            size,
            count: part(p.count, share),
            warmup: p.warmup,
            timeLimitMs: part(p.timeLimitMs, share),
          });
          return { samples, count: samples.length, ns: 0, bytes: 0 };
        },
        figures(slices) {
          const s = pooledSorted(slices);
          return { p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9) };
        },
      });
    }
  }
  if (config.scenarios.includes('throughput')) {
    const t = config.throughput;
    scenarios.push({
      id: 'throughput',
      title: `Streaming throughput, ${sizeLabel(t.chunkSize)} writes`,
      method: `up to ${sizeLabel(t.bytes)} (or ${t.timeLimitMs} ms) ${turns}; a fresh connection per turn; writes honour backpressure and the time runs to the server's byte count`,
      metrics: [{ key: 'bytesPerSecond', label: 'throughput', unit: 'B/s', better: 'higher' }],
      series,
      baseline: BASELINE,
      async slice(id, share) {
        const sample = await measureThroughput(targetOf(id), {
          bytes: part(t.bytes, share),
          chunkSize: t.chunkSize,
          timeLimitMs: part(t.timeLimitMs, share),
        });
        return { samples: null, count: 1, ns: sample.ns, bytes: sample.bytes };
      },
      figures: (slices) => ({
        bytesPerSecond: total(slices, 'bytes') / (total(slices, 'ns') / 1e9),
      }),
    });
  }
  if (config.scenarios.includes('connections')) {
    const c = config.connectionRate;
    scenarios.push({
      id: 'connection-rate',
      title: 'Connection rate: connect, one exchange, close',
      method: `up to ${c.count} connections (or ${c.timeLimitMs} ms) ${turns}; back to back, one at a time; setup is connect() to the connect event`,
      metrics: [
        { key: 'perSecond', label: 'connections/s', unit: '1/s', better: 'higher' },
        { key: 'setupP50', label: 'setup p50', unit: 'ns', better: 'lower' },
        { key: 'setupP99', label: 'setup p99', unit: 'ns', better: 'lower' },
      ],
      series,
      baseline: BASELINE,
      async slice(id, share) {
        const sample = await measureConnectionRate(targetOf(id), {
          count: part(c.count, share),
          timeLimitMs: part(c.timeLimitMs, share),
        });
        return { samples: sample.setup, count: sample.connections, ns: sample.ns, bytes: 0 };
      },
      figures(slices) {
        const s = pooledSorted(slices);
        return {
          perSecond: total(slices, 'count') / (total(slices, 'ns') / 1e9),
          setupP50: percentile(s, 50),
          setupP99: percentile(s, 99),
        };
      },
    });
  }
  return scenarios;
}

function callCostScenario(config: BenchConfig, backends: readonly BackendName[]): Scenario {
  const c = config.callCost;
  return {
    id: 'call-cost',
    title: 'Backend call cost: getSocketOption(SOL_SOCKET, SO_RCVBUF)',
    method: `up to ${c.calls} calls (or ${c.timeLimitMs} ms) per backend and round, in ${config.slices} alternating turns, on a socket each backend makes; ratio napi / ffi`,
    metrics: [{ key: 'nsPerCall', label: 'ns per call', unit: 'ns', better: 'lower' }],
    series: backends.map((name) => ({ id: name, label: `@loopfast/${name}` })),
    baseline: 'ffi',
    async slice(id, share) {
      const sample = measureCallCost(BACKENDS[id as BackendName], {
        calls: part(c.calls, share),
        timeLimitMs: part(c.timeLimitMs, share),
      });
      return { samples: null, count: sample.calls, ns: sample.ns, bytes: 0 };
    },
    figures: (slices) => ({ nsPerCall: total(slices, 'ns') / total(slices, 'count') }),
  };
}

function newSeries(id: string, label: string): SeriesResult {
  return {
    id,
    label,
    rounds: [],
    summary: {},
    ratio: null,
    distribution: null,
    samples: 0,
    error: null,
  };
}

/** Progress bookkeeping shared by the scenarios of a run. */
interface Tracker {
  step: number;
  readonly total: number;
  readonly started: number;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
}

/**
 * Runs one scenario: a warm-up turn per series, then the rounds, each split into turns the
 * series take in alternating order. A series whose measurement fails is left out of the rest of
 * the scenario, with `NaN` figures from that round on; the error is kept.
 */
async function runScenario(
  scenario: Scenario,
  config: BenchConfig,
  tracker: Tracker,
  errors: string[],
): Promise<ScenarioResult> {
  const series = scenario.series.map((s) => newSeries(s.id, s.label));
  const backward = [...series].reverse();
  const pooled = new Map<string, Float64Array[]>();
  const failed = new Set<string>();
  let turn = 0;
  for (let round = 0; round <= config.rounds; round++) {
    const warmup = round === 0;
    const slices = new Map<string, Slice[]>();
    for (let s = 0; s < (warmup ? 1 : config.slices); s++) {
      for (const entry of turn++ % 2 === 0 ? series : backward) {
        tracker.onProgress?.({
          step: tracker.step++,
          total: tracker.total,
          scenario: scenario.title,
          round,
          rounds: config.rounds,
          series: entry.label,
          elapsedMs: (now() - tracker.started) / 1e6,
        });
        if (failed.has(entry.id)) continue;
        try {
          const slice = await scenario.slice(entry.id, warmup ? WARMUP_SHARE : 1 / config.slices);
          slices.set(entry.id, [...(slices.get(entry.id) ?? []), slice]);
        } catch (error) {
          failed.add(entry.id);
          entry.error = (error as Error).message;
          errors.push(`${scenario.title}, ${entry.label}: ${entry.error}`);
        }
      }
    }
    if (warmup) continue;
    for (const entry of series) {
      const taken = slices.get(entry.id);
      if (failed.has(entry.id) || taken === undefined) {
        entry.rounds.push(nanRecord(scenario.metrics));
        continue;
      }
      entry.rounds.push(scenario.figures(taken));
      entry.samples += total(taken, 'count');
      for (const slice of taken)
        if (slice.samples !== null)
          pooled.set(entry.id, [...(pooled.get(entry.id) ?? []), slice.samples]);
    }
  }
  for (const entry of series) {
    const chunks = pooled.get(entry.id);
    if (chunks) entry.distribution = distribution(concat(chunks));
  }
  return summarizeScenario({
    id: scenario.id,
    title: scenario.title,
    method: scenario.method,
    baseline: scenario.baseline,
    metrics: scenario.metrics,
    series,
  });
}

function serverRequest(mode: ModeSpec, socketDir: string | null): ServerModeRequest {
  return {
    id: mode.id,
    library: mode.library,
    transport: mode.transport,
    fastPath: mode.fastPath,
    backend: mode.backend,
    path:
      mode.transport === 'unix' && socketDir !== null ? join(socketDir, `${mode.id}.sock`) : null,
  };
}

/** Runs the whole benchmark as `config` says and returns every figure, summarized and judged. */
export async function runBench(config: BenchConfig, hooks: RunHooks = {}): Promise<BenchResult> {
  const startedAt = new Date();
  const started = now();
  const environment = collectEnvironment();
  const errors: string[] = [];
  const specs = modesFor(environment.platform).filter(
    (mode) => config.modes === null || config.modes.includes(mode.id),
  );
  const unmeasured = (mode: { id: AnyModeId; label: string; description: string }): ModeResult => ({
    id: mode.id,
    label: mode.label,
    description: mode.description,
    unavailable: null,
    client: null,
    server: null,
    accepted: null,
  });
  const modes: ModeResult[] = specs.map(unmeasured);
  const httpSpecs = config.scenarios.includes('http') ? httpModesFor(environment.platform) : [];
  // The preload is a mode of the HTTP scenarios only; its status is reported with the others'.
  for (const mode of httpSpecs.filter((spec) => spec.preload)) modes.push(unmeasured(mode));
  const modeResult = (id: string) => modes.find((mode) => mode.id === id) as ModeResult;
  const needsNetwork = config.scenarios.some((group) => group !== 'calls' && group !== 'http');
  const socketDir =
    (specs.some((mode) => mode.transport === 'unix') && needsNetwork) ||
    httpSpecs.some((mode) => mode.transport === 'unix')
      ? mkdtempSync(join(tmpdir(), 'loopfast-bench-'))
      : null;
  const scenarios: ScenarioResult[] = [];
  let server: ServerProcess | null = null;
  let rig: HttpRig | null = null;
  try {
    if (needsNetwork)
      server = await startServerProcess(
        specs.map((mode) => serverRequest(mode, socketDir)),
        hooks.serverModule,
      );
    // Every mode gets one checked connection first; one that fails is left out with the reason.
    const targets = new Map<string, Target>();
    for (const endpoint of server?.endpoints ?? []) {
      const result = modeResult(endpoint.id);
      result.server = endpoint.server;
      if (endpoint.error !== null) {
        result.unavailable = `its server could not listen: ${endpoint.error}`;
        continue;
      }
      const target: Target = {
        mode: specs.find((mode) => mode.id === endpoint.id) as ModeSpec,
        port: endpoint.port,
        path: endpoint.path,
      };
      try {
        result.client = await probeConnection(target);
        targets.set(endpoint.id, target);
      } catch (error) {
        result.unavailable = `its first connection failed: ${(error as Error).message}`;
      }
    }
    for (const mode of modes)
      if (mode.unavailable) errors.push(`mode ${mode.id}: ${mode.unavailable}`);

    const plan = needsNetwork && targets.has(BASELINE) ? networkScenarios(config, targets) : [];
    if (needsNetwork && !targets.has(BASELINE))
      errors.push('the node:net baseline did not run, so no network scenario could be measured');
    if (httpSpecs.length > 0) {
      rig = await startHttpRig(httpSpecs, {
        concurrency: config.http.concurrency,
        bodySize: config.http.bodySize,
        socketDir,
      });
      for (const mode of httpSpecs) {
        const reason = rig.unavailable[mode.id];
        if (reason === undefined) continue;
        if (mode.preload) modeResult(mode.id).unavailable = reason;
        errors.push(`HTTP mode ${mode.id}: ${reason}`);
      }
      const ready = rig.ready;
      if (ready.includes(BASELINE))
        plan.push(
          ...httpScenarios(
            config,
            rig,
            httpSpecs.filter((mode) => ready.includes(mode.id)),
          ),
        );
      else
        errors.push(
          'the HTTP baseline (node:net TCP) did not run, so no HTTP scenario could be measured',
        );
    }
    if (config.scenarios.includes('calls')) {
      const usable = (Object.keys(BACKENDS) as BackendName[]).filter((name) => {
        const problem = probeBackend(BACKENDS[name]);
        if (problem !== null) errors.push(`backend ${name} cannot make sockets: ${problem}`);
        return problem === null;
      });
      if (usable.length > 0) plan.push(callCostScenario(config, usable));
    }

    const tracker: Tracker = {
      step: 0,
      total: plan.reduce(
        (sum, scenario) => sum + scenario.series.length * (1 + config.rounds * config.slices),
        0,
      ),
      started,
      onProgress: hooks.onProgress,
    };
    for (const scenario of plan)
      scenarios.push(await runScenario(scenario, config, tracker, errors));
    if (server !== null) {
      const accepted = await server.acceptedStatus();
      for (const mode of modes) if (isModeId(mode.id)) mode.accepted = accepted[mode.id] ?? null;
    }
    if (rig !== null) {
      const sides = await rig.sides();
      const preload = sides[PRELOAD];
      if (preload !== undefined) Object.assign(modeResult(PRELOAD), preload);
      // A preload the bench did not give (in NODE_OPTIONS, which the children inherit) would
      // turn the baseline and the ceiling into loopfast's connections: their figures mean nothing.
      for (const mode of httpSpecs.filter((spec) => !spec.preload)) {
        const side = sides[mode.id];
        if (side?.client?.requested || side?.accepted?.requested)
          errors.push(
            `HTTP mode ${mode.id}: its connections asked for the fast path, so they were not Node's own (is @loopfast/net/register in NODE_OPTIONS?)`,
          );
      }
    }
  } finally {
    await server?.stop();
    await rig?.stop();
    if (socketDir !== null) rmSync(socketDir, { recursive: true, force: true });
  }
  finishEnvironment(environment);
  return {
    schema: RESULT_SCHEMA,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (now() - started) / 1e9,
    config,
    environment,
    modes,
    scenarios,
    targets: evaluateTargets(scenarios, modes),
    errors,
  };
}

function nanRecord(metrics: readonly MetricSpec[]): Record<string, number> {
  return Object.fromEntries(metrics.map((metric) => [metric.key, Number.NaN]));
}

function concat(chunks: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
