/**
 * The run as plain text for the terminal: the machine and versions first, then each mode's
 * fast-path status, one table per scenario, the target verdicts, and any failures.
 *
 * @module
 */
import { formatBytes, formatRatioSummary, formatSpread, formatSummary } from './format.js';
import type { StatusRecord } from './protocol.js';
import type { BenchResult, ModeResult, ScenarioResult, TargetResult } from './results.js';

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
      : `${state(mode.client)} / ${state(mode.server)} / ${state(mode.accepted)}`;
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

/** One scenario as a table: each metric as `median [min-max]`, then ratios against the baseline. */
export function scenarioLines(scenario: ScenarioResult): string[] {
  const primary = scenario.metrics[0];
  const ratioMetrics = scenario.metrics.filter((metric) => metric.key !== 'p999');
  const header = [
    'mode',
    ...scenario.metrics.map((metric) => metric.label),
    'noise',
    ...ratioMetrics.map((metric) => `${metric.label} ratio`),
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
    ]);
  }
  const better = primary?.better === 'higher' ? 'higher is better' : 'lower is better';
  const lines = [
    `${scenario.title} (${better}; median [min-max] over rounds; ratio = mode / ${scenario.baseline} in the same round)`,
    table(rows),
    `  method: ${scenario.method}; noise = (max - min) / median of the first column`,
  ];
  for (const series of scenario.series)
    if (series.error) lines.push(`  ${series.id} FAILED: ${series.error}`);
  return lines;
}

const VERDICT_WORDS = { pass: 'PASS', miss: 'MISS', 'n/a': 'N/A ' } as const;

/** The targets, one line each, and a count. */
export function targetLines(targets: readonly TargetResult[]): string[] {
  const rows = targets.map((target) => [
    VERDICT_WORDS[target.verdict],
    target.description,
    target.note,
  ]);
  const passed = targets.filter((t) => t.verdict === 'pass').length;
  const missed = targets.filter((t) => t.verdict === 'miss').length;
  const na = targets.filter((t) => t.verdict === 'n/a').length;
  const summary =
    missed > 0
      ? `  ${passed} met, ${missed} MISSED, ${na} not applicable. A miss on a shared machine can be noise: compare the round ranges; --full measures longer.`
      : `  ${passed} met, 0 missed, ${na} not applicable.`;
  return ['Targets (median of paired per-round ratios against node:net)', table(rows), summary];
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
