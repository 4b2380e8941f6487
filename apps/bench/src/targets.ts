/**
 * The issue's targets and their verdicts. A verdict reads the median of the paired per-round
 * ratios of a mode against the target's baseline mode; the spread over rounds is reported beside
 * it, so a verdict that the run's own noise could flip says so. A missed target is stated plainly
 * and never hidden; a target whose condition does not hold reads N/A with the reason.
 *
 * @module
 */
import type { FastPathMechanism } from '@loopfast/net';
import { type AnyModeId, BASELINE, CEILING, modeLabel, PRELOAD } from './modes.js';
import type { StatusRecord } from './protocol.js';
import {
  type ModeResult,
  pairedRatio,
  type ReferenceRatio,
  type ScenarioId,
  type ScenarioResult,
  type TargetResult,
} from './results.js';
import type { Summary } from './stats.js';

/** A target as data: a mode's ratio against a baseline mode, bounded above or below. */
export interface TargetSpec {
  readonly id: string;
  readonly description: string;
  readonly scenario: ScenarioId;
  readonly mode: AnyModeId;
  /** The mode divided by, measured in the same round; {@link BASELINE} (`net`) when absent. */
  readonly baseline?: AnyModeId;
  readonly metric: string;
  readonly comparison: '<=' | '>=';
  readonly threshold: number;
  /**
   * The target applies only when the mode's client, server and accepted sockets all reported
   * `enabled` with this mechanism: a verdict on connections that did not take it would say
   * nothing about it.
   */
  readonly requiresMechanism?: FastPathMechanism;
  /** A second baseline whose ratio is printed beside the verdict, for context; never judged. */
  readonly reference?: AnyModeId;
}

/** The mechanism of the POSIX shortcut, as `fastPathInfo(...).mechanism` reports it. */
export const UNIX_RENDEZVOUS: FastPathMechanism = 'unix-rendezvous';

/** The baseline of `spec`: the mode its ratio divides by. */
export function baselineOf(spec: TargetSpec): AnyModeId {
  return spec.baseline ?? BASELINE;
}

/**
 * The targets of a fast-path-on mode once its connections go over the Unix-socket shortcut:
 * against `node:net` over a Unix socket (the ceiling), with the gain over `node:net` TCP beside.
 */
function shortcutTargets(mode: 'on-ffi' | 'on-napi', backend: string): TargetSpec[] {
  const common = {
    mode,
    baseline: CEILING,
    requiresMechanism: UNIX_RENDEZVOUS,
    reference: BASELINE,
  } as const;
  const who = `loopfast (${backend} backend) vs node:net Unix socket`;
  return [
    {
      ...common,
      id: `${mode}-unix-round-trip-1B`,
      description: `${who}, round trip p50, 1 B`,
      scenario: 'pingpong-1B',
      metric: 'p50',
      comparison: '<=',
      threshold: 1.03,
    },
    {
      ...common,
      id: `${mode}-unix-round-trip-4KiB`,
      description: `${who}, round trip p50, 4 KiB`,
      scenario: 'pingpong-4KiB',
      metric: 'p50',
      comparison: '<=',
      threshold: 1.03,
    },
    {
      ...common,
      id: `${mode}-unix-throughput`,
      description: `${who}, streaming throughput`,
      scenario: 'throughput',
      metric: 'bytesPerSecond',
      comparison: '>=',
      threshold: 0.97,
    },
    {
      ...common,
      id: `${mode}-unix-connection-rate`,
      description: `${who}, connection rate`,
      scenario: 'connection-rate',
      metric: 'perSecond',
      comparison: '>=',
      threshold: 0.95,
    },
  ];
}

/**
 * The targets of the preload in the HTTP scenarios, once both processes' connections go over the
 * Unix-socket shortcut: requests per second against `http` over a Unix `socketPath` (the
 * ceiling) in the same round, with the gain over TCP beside. `fetch` has no ceiling to be judged
 * against; its table shows its gain over TCP.
 */
function preloadTargets(): TargetSpec[] {
  const common = {
    mode: PRELOAD,
    baseline: CEILING,
    metric: 'perSecond',
    comparison: '>=',
    threshold: 0.97,
    requiresMechanism: UNIX_RENDEZVOUS,
    reference: BASELINE,
  } as const;
  const who = 'loopfast preload (both processes) vs http over a Unix socket';
  return [
    {
      ...common,
      id: 'preload-http-keep-alive',
      description: `${who}, keep-alive requests/s`,
      scenario: 'http-keep-alive',
    },
    {
      ...common,
      id: 'preload-http-new-connection',
      description: `${who}, new-connection requests/s`,
      scenario: 'http-new-connection',
    },
  ];
}

/** The targets the issues set for every run. */
export const TARGETS: readonly TargetSpec[] = [
  {
    id: 'off-round-trip-1B',
    description: 'fast path off vs node:net, round trip p50, 1 B',
    scenario: 'pingpong-1B',
    mode: 'off',
    metric: 'p50',
    comparison: '<=',
    threshold: 1.02,
  },
  {
    id: 'off-round-trip-4KiB',
    description: 'fast path off vs node:net, round trip p50, 4 KiB',
    scenario: 'pingpong-4KiB',
    mode: 'off',
    metric: 'p50',
    comparison: '<=',
    threshold: 1.02,
  },
  {
    id: 'off-throughput',
    description: 'fast path off vs node:net, streaming throughput',
    scenario: 'throughput',
    mode: 'off',
    metric: 'bytesPerSecond',
    comparison: '>=',
    threshold: 0.98,
  },
  {
    id: 'off-connection-setup',
    description: 'fast path off vs node:net, connection setup p50',
    scenario: 'connection-rate',
    mode: 'off',
    metric: 'setupP50',
    comparison: '<=',
    threshold: 1.02,
  },
  {
    id: 'on-ffi-connection-rate',
    description: 'loopfast (ffi backend) vs node:net, connection rate',
    scenario: 'connection-rate',
    mode: 'on-ffi',
    metric: 'perSecond',
    comparison: '>=',
    threshold: 0.95,
  },
  {
    id: 'on-napi-connection-rate',
    description: 'loopfast (napi backend) vs node:net, connection rate',
    scenario: 'connection-rate',
    mode: 'on-napi',
    metric: 'perSecond',
    comparison: '>=',
    threshold: 0.95,
  },
  ...shortcutTargets('on-ffi', 'ffi'),
  ...shortcutTargets('on-napi', 'napi'),
  ...preloadTargets(),
];

/** Whether `value` meets `comparison threshold`. */
export function meets(value: number, comparison: '<=' | '>=', threshold: number): boolean {
  return comparison === '<=' ? value <= threshold : value >= threshold;
}

function fmt(value: number): string {
  return value.toFixed(3);
}

/** A gain as people quote it, two places: `2.05× node:net TCP`. */
export function formatGain(ratio: Summary, baseline: string): string {
  return `${ratio.median.toFixed(2)}× ${modeLabel(baseline)}`;
}

/** One side's status in a few words: `unsupported`, `enabled (sio-loopback-fast-path)`. */
function sideState(status: StatusRecord | null): string {
  if (status === null) return 'not recorded';
  return status.state === 'enabled'
    ? `enabled (${status.mechanism ?? 'no mechanism'})`
    : status.state;
}

/**
 * Why `spec`'s mechanism condition does not hold for this run, or `null` when it holds (or the
 * target has none). The condition covers all three sides, because a shortcut taken by the client
 * alone, or by the listener but not its accepted sockets, is not the connection the target is about.
 */
export function requirementProblem(spec: TargetSpec, modes: readonly ModeResult[]): string | null {
  const mechanism = spec.requiresMechanism;
  if (mechanism === undefined) return null;
  const mode = modes.find((candidate) => candidate.id === spec.mode);
  if (mode === undefined) return `mode ${spec.mode} was not run`;
  if (mode.unavailable !== null) return `mode ${spec.mode} did not run: ${mode.unavailable}`;
  const sides: [string, StatusRecord | null][] = [
    ['client', mode.client],
    ['server', mode.server],
    ['accepted', mode.accepted],
  ];
  const inForce = (status: StatusRecord | null) =>
    status?.state === 'enabled' && status.mechanism === mechanism;
  if (sides.every(([, status]) => inForce(status))) return null;
  const states = sides.map(([, status]) => sideState(status));
  const described = states.every((state) => state === states[0])
    ? `${states[0]} on client, server and accepted sockets`
    : sides.map(([side], i) => `${side} ${states[i]}`).join(', ');
  const reasons = [
    ...new Set(
      sides.flatMap(([, status]) => (status === null || inForce(status) ? [] : [status.reason])),
    ),
  ];
  return `${spec.mode} did not go over the ${mechanism} shortcut (${described}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''})`;
}

/** Why no ratio could be computed for `spec`, in words. */
function whyNotMeasured(spec: TargetSpec, scenarios: readonly ScenarioResult[]): string {
  const scenario = scenarios.find((candidate) => candidate.id === spec.scenario);
  if (scenario === undefined) return 'the scenario was not run';
  const baseline = baselineOf(spec);
  const series = scenario.series.find((candidate) => candidate.id === spec.mode);
  const base = scenario.series.find((candidate) => candidate.id === baseline);
  if (series === undefined) return `mode ${spec.mode} did not run`;
  if (base === undefined) return `the baseline mode ${baseline} did not run`;
  if (series.error !== null) return series.error;
  if (base.error !== null) return `the baseline mode ${baseline} failed: ${base.error}`;
  return `no round measured both ${spec.mode} and ${baseline}`;
}

/**
 * The verdict on one target: the median of the mode's per-round ratios against the target's
 * baseline. `modes` carries the fast-path status a mechanism condition is checked against.
 */
export function evaluateTarget(
  spec: TargetSpec,
  scenarios: readonly ScenarioResult[],
  modes: readonly ModeResult[],
): TargetResult {
  const base = {
    id: spec.id,
    description: spec.description,
    scenario: spec.scenario,
    mode: spec.mode,
    baseline: baselineOf(spec),
    metric: spec.metric,
    comparison: spec.comparison,
    threshold: spec.threshold,
    requiresMechanism: spec.requiresMechanism ?? null,
  };
  const scenario = scenarios.find((candidate) => candidate.id === spec.scenario);
  // Without the scenario there is nothing to judge, whatever the modes reported (a calls-only run
  // never connects, so it has no status to check either).
  const problem = scenario === undefined ? null : requirementProblem(spec, modes);
  // Checked before any figure is read: data that did not take the mechanism must not be judged.
  if (problem !== null)
    return {
      ...base,
      ratio: null,
      reference: null,
      verdict: 'n/a',
      note: `not applicable: ${problem}`,
    };
  const ratioAgainst = (baseline: string) =>
    scenario === undefined ? null : pairedRatio(scenario, spec.mode, baseline, spec.metric);
  const reference: ReferenceRatio | null =
    spec.reference === undefined
      ? null
      : { baseline: spec.reference, ratio: ratioAgainst(spec.reference) };
  const gain =
    reference !== null && reference.ratio !== null
      ? `; ${formatGain(reference.ratio, reference.baseline)}`
      : '';
  const ratio = ratioAgainst(base.baseline);
  if (ratio === null)
    return {
      ...base,
      ratio: null,
      reference,
      verdict: 'n/a',
      note: `not measured: ${whyNotMeasured(spec, scenarios)}${gain}`,
    };
  const pass = meets(ratio.median, spec.comparison, spec.threshold);
  const unsettled =
    meets(ratio.min, spec.comparison, spec.threshold) !==
    meets(ratio.max, spec.comparison, spec.threshold);
  const rounds = `rounds ranged ${fmt(ratio.min)}-${fmt(ratio.max)} over ${ratio.count}`;
  const note = pass
    ? `met: ${fmt(ratio.median)} ${spec.comparison} ${spec.threshold} (${rounds}${unsettled ? "; within this run's noise" : ''})${gain}`
    : `MISSED: ${fmt(ratio.median)} is not ${spec.comparison} ${spec.threshold} (${rounds}${unsettled ? "; within this run's noise: more rounds (--full) or a quieter machine would settle it" : ''})${gain}`;
  return { ...base, ratio, reference, verdict: pass ? 'pass' : 'miss', note };
}

/** Every target's verdict for a run. */
export function evaluateTargets(
  scenarios: readonly ScenarioResult[],
  modes: readonly ModeResult[],
): TargetResult[] {
  return TARGETS.map((spec) => evaluateTarget(spec, scenarios, modes));
}
