/**
 * Numbers as people read them: latencies in ns / µs / ms, rates in MB/s or per second, ratios to
 * three places. Shared by the text tables and the HTML report.
 *
 * @module
 */
import type { MetricUnit } from './results.js';
import type { Summary } from './stats.js';

function digits(value: number): string {
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A unit's display scale for values around some magnitude: divide by `divisor`, then append `suffix`. */
interface Scale {
  readonly divisor: number;
  readonly suffix: string;
}

const SCALES: Readonly<Record<MetricUnit, readonly (Scale & { from: number })[]>> = {
  ns: [
    { from: 1e9, divisor: 1e9, suffix: ' s' },
    { from: 1e6, divisor: 1e6, suffix: ' ms' },
    { from: 1e3, divisor: 1e3, suffix: ' µs' },
    { from: 0, divisor: 1, suffix: ' ns' },
  ],
  'B/s': [
    { from: 1e9, divisor: 1e9, suffix: ' GB/s' },
    { from: 1e6, divisor: 1e6, suffix: ' MB/s' },
    { from: 1e3, divisor: 1e3, suffix: ' kB/s' },
    { from: 0, divisor: 1, suffix: ' B/s' },
  ],
  '1/s': [
    { from: 1e5, divisor: 1e3, suffix: 'k/s' },
    { from: 0, divisor: 1, suffix: '/s' },
  ],
};

/** The scale for `value` in `unit`: µs for 28 300 ns, GB/s for 2.3e9 B/s. */
function scaleFor(value: number, unit: MetricUnit): Scale {
  const abs = Math.abs(value);
  return SCALES[unit].find((scale) => abs >= scale.from) ?? (SCALES[unit].at(-1) as Scale);
}

/** `value` in `unit`, formatted for reading: `812 ns`, `28.3 µs`, `2.31 GB/s`, `4210/s`. */
export function formatValue(value: number, unit: MetricUnit): string {
  if (!Number.isFinite(value)) return '-';
  const scale = scaleFor(value, unit);
  return `${digits(value / scale.divisor)}${scale.suffix}`;
}

/** A duration given in nanoseconds: `812 ns`, `28.3 µs`, `1.23 ms`, `2.50 s`. */
export function formatNs(ns: number): string {
  return formatValue(ns, 'ns');
}

/**
 * A summary as `median [min-max]` with one unit, chosen for the median:
 * `28.1 µs [27.0-30.2]`. A single round shows just the value.
 */
export function formatSummary(summary: Summary | undefined, unit: MetricUnit): string {
  if (summary === undefined) return '-';
  const scale = scaleFor(summary.median, unit);
  const median = `${digits(summary.median / scale.divisor)}${scale.suffix}`;
  if (summary.count === 1) return median;
  return `${median} [${digits(summary.min / scale.divisor)}-${digits(summary.max / scale.divisor)}]`;
}

/** A ratio summary as `median [min-max]`, three places each. */
export function formatRatioSummary(summary: Summary | undefined): string {
  if (summary === undefined) return '-';
  if (summary.count === 1) return formatRatio(summary.median);
  return `${formatRatio(summary.median)} [${formatRatio(summary.min)}-${formatRatio(summary.max)}]`;
}

/** A ratio to three places. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(3) : '-';
}

/** A spread (max - min over median) as a percentage: `4.2%`. */
export function formatSpread(spread: number): string {
  return Number.isFinite(spread) ? `${(spread * 100).toFixed(1)}%` : '-';
}

/** A byte count in binary units: `64 KiB`, `7.8 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : digits(value)} ${units[unit]}`;
}
