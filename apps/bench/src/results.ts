/**
 * The shape of a run's results (also the JSON the CLI writes), and turning raw per-round figures
 * into summaries and ratios against the baseline. Pure functions, no I/O.
 *
 * @module
 */
import type { BenchConfig } from './config.js';
import type { Environment } from './environment.js';
import { type AnyModeId, CEILING, comparedWithCeiling } from './modes.js';
import type { StatusRecord } from './protocol.js';
import { type PercentilePoint, ratioSummary, type Summary, summarize } from './stats.js';

/** The JSON format's name and version (2: each target names its baseline, which need not be net). */
export const RESULT_SCHEMA = 'loopfast-bench/2';

/** Unit of a metric: nanoseconds, bytes per second, or events per second. */
export type MetricUnit = 'ns' | 'B/s' | '1/s';

/** One figure a scenario measures each round. */
export interface MetricSpec {
  /** Its key in each round's record. */
  readonly key: string;
  /** A label for tables and charts. */
  readonly label: string;
  readonly unit: MetricUnit;
  /** Whether a smaller figure is the better one (latency) or a larger one (rate). */
  readonly better: 'lower' | 'higher';
}

/** The figures of one mode (or backend) in one scenario. */
export interface SeriesResult {
  /** A mode id, or a backend name for the call-cost scenario. */
  readonly id: string;
  readonly label: string;
  /** One record per round, by metric key; `NaN` where the round failed. */
  readonly rounds: Record<string, number>[];
  /** Min, median, max over rounds, by metric key (absent when no round succeeded). */
  summary: Record<string, Summary>;
  /** Paired per-round ratios against the baseline, by metric key; `null` for the baseline. */
  ratio: Record<string, Summary> | null;
  /** The latency distribution of every measured sample of every round, when the scenario has one. */
  distribution: PercentilePoint[] | null;
  /** Samples measured over all rounds (round trips, connections, calls, streams). */
  samples: number;
  /** Why the series stopped, if a measurement failed. */
  error: string | null;
}

/** The identifiers of the scenarios. */
export type ScenarioId =
  | 'pingpong-1B'
  | 'pingpong-4KiB'
  | 'throughput'
  | 'connection-rate'
  | 'http-keep-alive'
  | 'http-new-connection'
  | 'http-fetch'
  | 'call-cost';

/** One scenario: what it measures and every mode's figures. */
export interface ScenarioResult {
  readonly id: ScenarioId;
  readonly title: string;
  /** One line on how it was measured. */
  readonly method: string;
  /** The series every ratio divides by. */
  readonly baseline: string;
  readonly metrics: readonly MetricSpec[];
  readonly series: SeriesResult[];
}

/** A mode as the run found it: whether it ran, and the fast-path status on each side. */
export interface ModeResult {
  readonly id: AnyModeId;
  readonly label: string;
  readonly description: string;
  /** `null` when the mode ran; otherwise why not. */
  unavailable: string | null;
  /**
   * Status of the client socket (`@loopfast/net` modes only; for the HTTP preload, of every client
   * socket: the first that did not get the fast path, else the first).
   */
  client: StatusRecord | null;
  /** Status of the listening server. */
  server: StatusRecord | null;
  /** Status of the first accepted socket (for the HTTP preload, of every one, as for `client`). */
  accepted: StatusRecord | null;
}

/** Pass, miss, or not applicable (not measured, or the target's mechanism was not in force). */
export type Verdict = 'pass' | 'miss' | 'n/a';

/** A ratio shown beside a verdict for context, never judged. */
export interface ReferenceRatio {
  /** The mode divided by. */
  readonly baseline: string;
  /** The paired per-round ratios against it; `null` when no round pairs up. */
  readonly ratio: Summary | null;
}

/** A target from the issue, with what this run measured against it. */
export interface TargetResult {
  readonly id: string;
  /** What is compared, in words. */
  readonly description: string;
  readonly scenario: ScenarioId | null;
  readonly mode: string | null;
  /** The mode the ratio divides by, measured in the same round. */
  readonly baseline: string | null;
  readonly metric: string | null;
  readonly comparison: '<=' | '>=' | null;
  readonly threshold: number | null;
  /**
   * The fast-path mechanism the target is about, or `null`: when set, the target applies only if
   * the mode's client, server and accepted sockets all reported it enabled; otherwise `n/a`.
   */
  readonly requiresMechanism: string | null;
  /** The paired per-round ratios against {@link TargetResult.baseline}; the verdict reads the median. */
  readonly ratio: Summary | null;
  /** A second ratio printed beside the verdict (the gain over `node:net` TCP), or `null`. */
  readonly reference: ReferenceRatio | null;
  readonly verdict: Verdict;
  /** The verdict in a plain sentence. */
  readonly note: string;
}

/** Everything one run produced. */
export interface BenchResult {
  readonly schema: typeof RESULT_SCHEMA;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly config: BenchConfig;
  readonly environment: Environment;
  readonly modes: ModeResult[];
  readonly scenarios: ScenarioResult[];
  readonly targets: TargetResult[];
  /** Failed measurements, in words; the CLI exits with 1 when there are any. */
  readonly errors: string[];
}

/** The finite values of one metric over a series' rounds, in round order (`NaN` kept for pairing). */
export function metricValues(series: SeriesResult, key: string): number[] {
  return series.rounds.map((round) => round[key] ?? Number.NaN);
}

/**
 * Fills in every series' summaries and its ratios against the scenario's baseline, pairing
 * rounds by index (a mode and the baseline measured side by side in the same round).
 */
export function summarizeScenario(scenario: ScenarioResult): ScenarioResult {
  const baseline = scenario.series.find((series) => series.id === scenario.baseline);
  for (const series of scenario.series) {
    series.summary = {};
    series.ratio = series === baseline || baseline === undefined ? null : {};
    for (const metric of scenario.metrics) {
      const values = metricValues(series, metric.key);
      const finite = values.filter(Number.isFinite);
      if (finite.length > 0) series.summary[metric.key] = summarize(finite);
      if (series.ratio !== null && baseline !== undefined) {
        const ratio = ratioSummary(values, metricValues(baseline, metric.key));
        if (ratio !== null) series.ratio[metric.key] = ratio;
      }
    }
  }
  return scenario;
}

/**
 * The paired per-round ratios of one series against another of the same scenario, for one
 * metric: the stored {@link SeriesResult.ratio} generalised to any baseline. `null` when either
 * series is missing or no round pairs up.
 */
export function pairedRatio(
  scenario: ScenarioResult,
  id: string,
  baselineId: string,
  key: string,
): Summary | null {
  const series = scenario.series.find((candidate) => candidate.id === id);
  const baseline = scenario.series.find((candidate) => candidate.id === baselineId);
  if (series === undefined || baseline === undefined) return null;
  return ratioSummary(metricValues(series, key), metricValues(baseline, key));
}

/**
 * A series' paired ratios against the Unix-socket ceiling of the same round, for the modes
 * compared with it (the fast-path-on ones); `null` for the others or when the ceiling did not run.
 */
export function ceilingRatio(scenario: ScenarioResult, id: string, key: string): Summary | null {
  return comparedWithCeiling(id) ? pairedRatio(scenario, id, CEILING, key) : null;
}

/** Whether the scenario has a ceiling series and at least one series compared with it. */
export function hasCeiling(scenario: ScenarioResult): boolean {
  return (
    scenario.series.some((series) => series.id === CEILING) &&
    scenario.series.some((series) => comparedWithCeiling(series.id))
  );
}
