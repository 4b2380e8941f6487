/**
 * The run as plain text for the terminal: the machine and versions first, then each mode's
 * fast-path status, one table per scenario, the target verdicts, and any failures.
 *
 * @module
 */
import { formatBytes, formatRatioSummary, formatSpread, formatSummary } from './format.js';
import { CEILING } from './modes.js';
import type { StatusRecord } from './protocol.js';
import {
  type BenchResult,
  ceilingRatio,
  hasCeiling,
  type ModeResult,
  type ScenarioResult,
  type TargetResult,
} from './results.js';

/** Lays out rows as left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  return rows
    .map((row) =>
      (
        indent +
        row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ')
      ).trimEnd(),
    )
    .join('\n');
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `state` for one side, or `-` for a `node:net` socket loopfast never saw. */
function state(status: StatusRecord | null): string {
  return status === null ? '-' : status.state;
}

/**
 * The mechanisms a mode's sides reported, once each: ` (mechanism: unix-rendezvous)`, or `''`
 * when none did. Targets depend on the mechanism, not only on `enabled`, so the reader sees it too.
 */
export function mechanismText(mode: ModeResult): string {
  const mechanisms = [
    ...new Set(
      [mode.client, mode.server, mode.accepted].flatMap((status) =>
        status?.mechanism ? [status.mechanism] : [],
      ),
    ),
  ];
  if (mechanisms.length === 0) return '';
  return ` (mechanism${mechanisms.length === 1 ? '' : 's'}: ${mechanisms.join(', ')})`;
}

/**
 * How much the baseline itself moved between rounds, per scenario: the noise floor of this run.
 * A difference between modes smaller than this is not to be trusted from one run.
 */
export function noiseLine(result: BenchResult): string {
  const parts = result.scenarios.flatMap((scenario) => {
    const primary = scenario.metrics[0];
    const baseline = scenario.series.find((series) => series.id === scenario.baseline);
    const summary = primary ? baseline?.summary[primary.key] : undefined;
    return summary && summary.count > 1 ? [`${scenario.id} ${formatSpread(summary.spread)}`] : [];
  });
  return parts.length === 0
    ? 'Noise     one round only: no spread to report'
    : `Noise     baseline spread over rounds, (max - min) / median: ${parts.join(', ')}`;
}

/** The machine, software and wall time lines. */
export function environmentLines(result: BenchResult): string[] {
  const e = result.environment;
  const p = e.packages;
  const version = (name: string) => p[name] ?? 'unknown';
  return [
    `Machine   ${e.os} ${e.arch}, ${e.cpuModel} (${e.cpuCount} cores), ${formatBytes(e.totalMemoryBytes)} RAM; 1-min load ${e.loadAverage.start.toFixed(2)} at start, ${e.loadAverage.end.toFixed(2)} at end`,
    `Software  Node ${e.node} (V8 ${e.v8}, N-API ${e.napi ?? '?'}); @loopfast/net ${version('@loopfast/net')}, @loopfast/core ${version('@loopfast/core')}, @loopfast/ffi ${version('@loopfast/ffi')} (koffi ${version('koffi')}), @loopfast/napi ${version('@loopfast/napi')}`,
    noiseLine(result),
    `Run       ${result.config.preset}, ${plural(result.config.rounds, 'round')} of ${result.config.slices} turns per mode, modes alternating; ${result.wallSeconds.toFixed(1)} s wall time${e.killSwitch ? '; LOOPFAST_DISABLE is set: the fast path is off everywhere' : ''}`,
  ];
}

/** The modes with their fast-path status on each side, and the reason where it was requested. */
export function modeLines(modes: readonly ModeResult[]): string[] {
  const rows = [['mode', 'what', 'fast path: client / server / accepted']];
  for (const mode of modes) {
    const states = mode.unavailable
      ? `not run: ${mode.unavailable}`
      : `${state(mode.client)} / ${state(mode.server)} / ${state(mode.accepted)}${mechanismText(mode)}`;
    rows.push([mode.id, mode.label, states]);
  }
  // Why a requested fast path is not in force, once per distinct reason.
  const groups = new Map<string, string[]>();
  for (const mode of modes) {
    const client = mode.client;
    if (!client?.requested || client.state === 'enabled') continue;
    const key = `${client.state}: ${client.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), mode.id]);
  }
  const why = [...groups].map(([reason, ids]) => `  ${ids.join(', ')}: ${reason}`);
  return ['Modes', table(rows), ...why];
}

/**
 * The cell of the ceiling column: a fast-path-on mode's ratio of the primary metric against the
 * Unix-socket ceiling of the same round, `(ceiling)` on the ceiling's own row, blank elsewhere.
 */
export function ceilingCell(scenario: ScenarioResult, id: string): string {
  if (id === CEILING) return '(ceiling)';
  const primary = scenario.metrics[0];
  const ratio = primary ? ceilingRatio(scenario, id, primary.key) : null;
  return ratio === null ? '' : formatRatioSummary(ratio);
}

/**
 * One scenario as a table: each metric as `median [min-max]`, then ratios against the baseline,
 * then (where the ceiling ran) the fast-path-on modes' primary ratio against the ceiling.
 */
export function scenarioLines(scenario: ScenarioResult): string[] {
  const primary = scenario.metrics[0];
  const ratioMetrics = scenario.metrics.filter((metric) => metric.key !== 'p999');
  const ceiling = primary !== undefined && hasCeiling(scenario);
  const header = [
    'mode',
    ...scenario.metrics.map((metric) => metric.label),
    'noise',
    ...ratioMetrics.map((metric) => `${metric.label} ratio`),
    ...(ceiling ? [`${primary.label} vs ${CEILING}`] : []),
  ];
  const rows = [header];
  for (const series of scenario.series) {
    const isBaseline = series.id === scenario.baseline;
    rows.push([
      series.id,
      ...scenario.metrics.map((metric) => formatSummary(series.summary[metric.key], metric.unit)),
      primary && series.summary[primary.key]
        ? formatSpread(series.summary[primary.key]?.spread ?? Number.NaN)
        : '-',
      ...ratioMetrics.map((metric) =>
        isBaseline ? '(baseline)' : formatRatioSummary(series.ratio?.[metric.key]),
      ),
      ...(ceiling ? [ceilingCell(scenario, series.id)] : []),
    ]);
  }
  const better = primary?.better === 'higher' ? 'higher is better' : 'lower is better';
  const vsCeiling = ceiling ? `; vs ${CEILING} = mode / ${CEILING}, the ceiling` : '';
  const lines = [
    `${scenario.title} (${better}; median [min-max] over rounds; ratio = mode / ${scenario.baseline} in the same round${vsCeiling})`,
    table(rows),
    `  method: ${scenario.method}; noise = (max - min) / median of the first column`,
  ];
  for (const series of scenario.series)
    if (series.error) lines.push(`  ${series.id} FAILED: ${series.error}`);
  return lines;
}

const VERDICT_WORDS = { pass: 'PASS', miss: 'MISS', 'n/a': 'N/A ' } as const;

/** The targets, one line each with the baseline its ratio divides by, and a count. */
export function targetLines(targets: readonly TargetResult[]): string[] {
  const rows = targets.map((target) => [
    VERDICT_WORDS[target.verdict],
    target.description,
    target.baseline === null ? '' : `vs ${target.baseline}`,
    target.note,
  ]);
  const passed = targets.filter((t) => t.verdict === 'pass').length;
  const missed = targets.filter((t) => t.verdict === 'miss').length;
  const na = targets.filter((t) => t.verdict === 'n/a').length;
  const summary =
    missed > 0
      ? `  ${passed} met, ${missed} MISSED, ${na} not applicable. A miss on a shared machine can be noise: compare the round ranges; --full measures longer.`
      : `  ${passed} met, 0 missed, ${na} not applicable.`;
  return [
    'Targets (median of paired per-round ratios: mode / the baseline named on the line, same round)',
    table(rows),
    summary,
  ];
}

/** The whole run as text. */
export function formatText(result: BenchResult): string {
  const blocks: string[][] = [
    [`loopfast bench (${result.startedAt})`, ...environmentLines(result)],
    modeLines(result.modes),
    ...result.scenarios.map(scenarioLines),
    targetLines(result.targets),
  ];
  if (result.errors.length > 0)
    blocks.push(['Failures', ...result.errors.map((error) => `  ${error}`)]);
  return `${blocks.map((block) => block.join('\n')).join('\n\n')}\n`;
}
