/**
 * The targets and their verdicts. A verdict reads the median of the paired per-round
 * ratios; the spread over rounds is reported beside it, so a verdict that the run's own noise
 * could flip says so. A missed target is stated plainly and never hidden.
 *
 * @module
 */
import type { ModeResult, ScenarioId, ScenarioResult, TargetResult } from './results.js';

/** A target as data: a ratio against the baseline, bounded above or below. */
export interface TargetSpec {
  readonly id: string;
  readonly description: string;
  readonly scenario: ScenarioId;
  readonly mode: string;
  readonly metric: string;
  readonly comparison: '<=' | '>=';
  readonly threshold: number;
}

/** The targets the issue sets for every run. */
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
];

/** Whether `value` meets `comparison threshold`. */
export function meets(value: number, comparison: '<=' | '>=', threshold: number): boolean {
  return comparison === '<=' ? value <= threshold : value >= threshold;
}

function fmt(value: number): string {
  return value.toFixed(3);
}

/** The verdict on one target from a scenario's summarized results. */
export function evaluateTarget(
  spec: TargetSpec,
  scenarios: readonly ScenarioResult[],
): TargetResult {
  const base = {
    id: spec.id,
    description: spec.description,
    scenario: spec.scenario,
    mode: spec.mode,
    metric: spec.metric,
    comparison: spec.comparison,
    threshold: spec.threshold,
  };
  const scenario = scenarios.find((candidate) => candidate.id === spec.scenario);
  const series = scenario?.series.find((candidate) => candidate.id === spec.mode);
  const ratio = series?.ratio?.[spec.metric] ?? null;
  if (ratio === null) {
    const why =
      scenario === undefined
        ? 'the scenario was not run'
        : series === undefined
          ? `mode ${spec.mode} did not run`
          : (series.error ?? 'no round measured both it and the baseline');
    return { ...base, ratio: null, verdict: 'n/a', note: `not measured: ${why}` };
  }
  const pass = meets(ratio.median, spec.comparison, spec.threshold);
  const unsettled =
    meets(ratio.min, spec.comparison, spec.threshold) !==
    meets(ratio.max, spec.comparison, spec.threshold);
  const rounds = `rounds ranged ${fmt(ratio.min)}-${fmt(ratio.max)} over ${ratio.count}`;
  const note = pass
    ? `met: ${fmt(ratio.median)} ${spec.comparison} ${spec.threshold} (${rounds}${unsettled ? "; within this run's noise" : ''})`
    : `MISSED: ${fmt(ratio.median)} is not ${spec.comparison} ${spec.threshold} (${rounds}${unsettled ? "; within this run's noise: more rounds (--full) or a quieter machine would settle it" : ''})`;
  return { ...base, ratio, verdict: pass ? 'pass' : 'miss', note };
}

/**
 * The POSIX shortcut's own targets apply once the Unix-socket shortcut exists, that is once a
 * fast-path-on mode reports `enabled` on Linux or macOS. Until then the entry says why it is not
 * applicable, citing the state `@loopfast/net` reported.
 */
export function posixShortcutTarget(
  platform: NodeJS.Platform,
  modes: readonly ModeResult[],
): TargetResult | null {
  if (platform === 'win32') return null;
  const on = modes.filter((mode) => mode.id === 'on-ffi' || mode.id === 'on-napi');
  const states = on.map(
    (mode) => `${mode.id}: ${mode.client?.state ?? mode.unavailable ?? 'not run'}`,
  );
  const enabled = on.some((mode) => mode.client?.state === 'enabled');
  return {
    id: 'posix-shortcut',
    description: 'POSIX Unix-socket shortcut targets (from its own issue)',
    scenario: null,
    mode: null,
    metric: null,
    comparison: null,
    threshold: null,
    ratio: null,
    verdict: 'n/a',
    note: enabled
      ? `the shortcut reports enabled (${states.join(', ')}), but this bench does not encode its targets yet: compare the fast-path-on rows with the unix row by eye`
      : `not applicable yet: the Unix-socket shortcut is not implemented, so "fast path on" is plain TCP here (${states.join(', ')})`,
  };
}

/** Every target's verdict for a run. */
export function evaluateTargets(
  scenarios: readonly ScenarioResult[],
  modes: readonly ModeResult[],
  platform: NodeJS.Platform,
): TargetResult[] {
  const results = TARGETS.map((spec) => evaluateTarget(spec, scenarios));
  const posix = posixShortcutTarget(platform, modes);
  return posix === null ? results : [...results, posix];
}
