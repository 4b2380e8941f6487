/** A made-up but complete run result, for the tests of targets and reports. */
import { QUICK } from '../src/config.js';
import type { Environment } from '../src/environment.js';
import type { StatusRecord } from '../src/protocol.js';
import {
  type BenchResult,
  type MetricSpec,
  type ModeResult,
  RESULT_SCHEMA,
  type ScenarioId,
  type ScenarioResult,
  type SeriesResult,
  summarizeScenario,
} from '../src/results.js';
import { distribution } from '../src/stats.js';
import { evaluateTargets } from '../src/targets.js';

const LATENCY: MetricSpec[] = [
  { key: 'p50', label: 'p50', unit: 'ns', better: 'lower' },
  { key: 'p99', label: 'p99', unit: 'ns', better: 'lower' },
  { key: 'p999', label: 'p99.9', unit: 'ns', better: 'lower' },
];

const BASE_ROUNDS = [20_000, 24_000, 22_000];

function series(id: string, rounds: Record<string, number>[], samples?: number[]): SeriesResult {
  return {
    id,
    label: `label of ${id}`,
    rounds,
    summary: {},
    ratio: null,
    distribution: samples ? distribution(samples) : null,
    samples: rounds.length * 100,
    error: null,
  };
}

/** Per-round latency records at `factor` times the baseline's. */
function latency(factor: number[]): Record<string, number>[] {
  return BASE_ROUNDS.map((base, i) => ({
    p50: base * (factor[i] as number),
    p99: base * 2 * (factor[i] as number),
    p999: base * 5 * (factor[i] as number),
  }));
}

function scenario(
  id: ScenarioId,
  metrics: MetricSpec[],
  all: SeriesResult[],
  baseline = 'net',
): ScenarioResult {
  return summarizeScenario({
    id,
    title: `title of ${id}`,
    method: 'made up',
    baseline,
    metrics,
    series: all,
  });
}

const samples = (scale: number) =>
  Array.from({ length: 2000 }, (_, i) => scale * (1 + (i % 100) / 50));

function rates(key: string, base: number, factor: number[]): Record<string, number>[] {
  return factor.map((f, i) => ({ [key]: base * f * (1 + i / 10) }));
}

/** Modes as a Linux run sees them: fast path requested but unsupported. */
export function fixtureModes(): ModeResult[] {
  const unsupported = {
    requested: true,
    state: 'unsupported',
    reason: 'linux has no SIO_LOOPBACK_FAST_PATH control code',
    mechanism: null,
    backend: 'ffi',
    errorCode: null,
  };
  const off = {
    ...unsupported,
    requested: false,
    state: 'disabled',
    reason: 'not requested',
    backend: null,
  };
  return [
    {
      id: 'net',
      label: 'node:net TCP',
      description: 'baseline',
      unavailable: null,
      client: null,
      server: null,
      accepted: null,
    },
    {
      id: 'off',
      label: 'loopfast off',
      description: 'off',
      unavailable: null,
      client: off,
      server: off,
      accepted: off,
    },
    {
      id: 'on-ffi',
      label: 'loopfast on (ffi)',
      description: 'on ffi',
      unavailable: null,
      client: unsupported,
      server: unsupported,
      accepted: unsupported,
    },
    {
      id: 'on-napi',
      label: 'loopfast on (napi)',
      description: 'on napi',
      unavailable: null,
      client: { ...unsupported, backend: 'napi' },
      server: null,
      accepted: null,
    },
    {
      id: 'unix',
      label: 'node:net Unix',
      description: 'ceiling <&>',
      unavailable: null,
      client: null,
      server: null,
      accepted: null,
    },
  ];
}

/** A status as the POSIX shortcut reports it once it carries the connection. */
export function shortcutStatus(backend: string, mechanism = 'unix-rendezvous'): StatusRecord {
  return {
    requested: true,
    state: 'enabled',
    reason: 'connected over the Unix-socket rendezvous',
    mechanism,
    backend,
    errorCode: null,
  };
}

/**
 * Modes as a run sees them once the shortcut works: both fast-path-on modes enabled over
 * `mechanism` on client, server and accepted sockets.
 */
export function enabledModes(mechanism = 'unix-rendezvous'): ModeResult[] {
  return fixtureModes().map((mode) => {
    if (mode.id !== 'on-ffi' && mode.id !== 'on-napi') return mode;
    const status = shortcutStatus(mode.id.slice(3), mechanism);
    return { ...mode, client: status, server: status, accepted: status };
  });
}

/**
 * Ratios against node:net, by design: round trip 1 B off 1.005 (pass), 4 KiB off 1.05 (miss),
 * throughput off 0.99 with one round at 0.97 (pass, within noise), connection setup off 1.01
 * (pass), connection rate ffi 0.96 (pass) and napi 0.90 (miss).
 *
 * Against the unix ceiling, judged only when the modes report the shortcut: ffi round trip 1 B
 * 1.02 and 4 KiB 1.00 (pass), throughput 0.99 (pass), connection rate 0.96 / 1.3 (miss); napi
 * round trip 1 B about 1.4 and 4 KiB 1.05, throughput 0.95, connection rate 0.90 / 1.3 (all miss).
 */
export function fixtureScenarios(): ScenarioResult[] {
  return [
    scenario('pingpong-1B', LATENCY, [
      series('net', latency([1, 1, 1]), samples(20_000)),
      series('off', latency([1.005, 1.004, 1.006]), samples(20_100)),
      series('on-ffi', latency([0.714, 0.7344, 0.7242]), samples(14_300)),
      series('on-napi', latency([1, 1, 1]), samples(20_000)),
      series('unix', latency([0.7, 0.72, 0.71]), samples(14_000)),
    ]),
    scenario('pingpong-4KiB', LATENCY, [
      series('net', latency([1, 1, 1]), samples(25_000)),
      series('off', latency([1.05, 1.04, 1.06]), samples(26_000)),
      series('on-ffi', latency([0.8, 0.8, 0.8]), samples(20_000)),
      series('on-napi', latency([0.84, 0.84, 0.84]), samples(21_000)),
      series('unix', latency([0.8, 0.8, 0.8]), samples(20_000)),
    ]),
    scenario(
      'throughput',
      [{ key: 'bytesPerSecond', label: 'throughput', unit: 'B/s', better: 'higher' }],
      [
        series('net', rates('bytesPerSecond', 1e9, [1, 1, 1])),
        series('off', rates('bytesPerSecond', 1e9, [0.99, 0.97, 1.01])),
        series('on-ffi', rates('bytesPerSecond', 1e9, [1.782, 1.683, 1.881])),
        series('on-napi', rates('bytesPerSecond', 1e9, [1.71, 1.615, 1.805])),
        series('unix', rates('bytesPerSecond', 1e9, [1.8, 1.7, 1.9])),
      ],
    ),
    scenario(
      'connection-rate',
      [
        { key: 'perSecond', label: 'connections/s', unit: '1/s', better: 'higher' },
        { key: 'setupP50', label: 'setup p50', unit: 'ns', better: 'lower' },
      ],
      [
        series('net', [
          { perSecond: 5000, setupP50: 80_000 },
          { perSecond: 5200, setupP50: 78_000 },
        ]),
        series('off', [
          { perSecond: 4950, setupP50: 80_800 },
          { perSecond: 5148, setupP50: 78_780 },
        ]),
        series('on-ffi', [
          { perSecond: 4800, setupP50: 84_000 },
          { perSecond: 4992, setupP50: 80_000 },
        ]),
        series('on-napi', [
          { perSecond: 4500, setupP50: 90_000 },
          { perSecond: Number.NaN, setupP50: Number.NaN },
        ]),
        series('unix', [
          { perSecond: 6500, setupP50: 52_000 },
          { perSecond: 6760, setupP50: 50_700 },
        ]),
      ],
    ),
    scenario(
      'call-cost',
      [{ key: 'nsPerCall', label: 'ns per call', unit: 'ns', better: 'lower' }],
      [
        series('ffi', [{ nsPerCall: 800 }, { nsPerCall: 900 }]),
        series('napi', [{ nsPerCall: 600 }, { nsPerCall: 630 }]),
      ],
      'ffi',
    ),
  ];
}

const REQUEST_RATE: MetricSpec[] = [
  { key: 'perSecond', label: 'requests/s', unit: '1/s', better: 'higher' },
];

/**
 * The HTTP scenarios, by design: keep-alive preload at 0.98 of the unix ceiling (pass) and
 * 1.47x node:net TCP; a new connection per request 0.80 of the ceiling (miss) and 1.20x TCP;
 * fetch 1.10x TCP (no ceiling).
 */
export function fixtureHttpScenarios(): ScenarioResult[] {
  return [
    scenario('http-keep-alive', REQUEST_RATE, [
      series('net', rates('perSecond', 30_000, [1, 1, 1])),
      series('preload', rates('perSecond', 30_000, [1.47, 1.47, 1.47])),
      series('unix', rates('perSecond', 30_000, [1.5, 1.5, 1.5])),
    ]),
    scenario('http-new-connection', REQUEST_RATE, [
      series('net', rates('perSecond', 5000, [1, 1, 1])),
      series('preload', rates('perSecond', 5000, [1.2, 1.2, 1.2])),
      series('unix', rates('perSecond', 5000, [1.5, 1.5, 1.5])),
    ]),
    scenario('http-fetch', REQUEST_RATE, [
      series('net', rates('perSecond', 4000, [1, 1, 1])),
      series('preload', rates('perSecond', 4000, [1.1, 1.1, 1.1])),
    ]),
  ];
}

/** The HTTP preload's mode as a run reports it, each side with `status`. */
export function preloadMode(status: StatusRecord | null): ModeResult {
  return {
    id: 'preload',
    label: 'loopfast preload (HTTP)',
    description: 'both processes preloaded',
    unavailable: null,
    client: status,
    server: status,
    accepted: status,
  };
}

const ENVIRONMENT: Environment = {
  os: 'Linux 6.1',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  totalMemoryBytes: 8 * 1024 ** 3,
  node: 'v20.20.0',
  v8: '11.3',
  napi: '9',
  packages: {
    '@loopfast/net': '0.0.0',
    '@loopfast/ffi': '0.0.0',
    '@loopfast/napi': '0.0.0',
    koffi: '3.3.4',
  },
  loadAverage: { start: 0.5, end: 0.7 },
  killSwitch: false,
};

/** The whole made-up result, with the modes a Linux run reports today unless others are given. */
export function fixtureResult(modes: ModeResult[] = fixtureModes()): BenchResult {
  const scenarios = fixtureScenarios();
  return {
    schema: RESULT_SCHEMA,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    wallSeconds: 60,
    config: QUICK,
    environment: ENVIRONMENT,
    modes,
    scenarios,
    targets: evaluateTargets(scenarios, modes),
    errors: [],
  };
}
