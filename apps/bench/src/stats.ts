/**
 * The statistics the bench reports: percentiles of one round's samples, and min / median / max
 * over rounds. Pure functions, no I/O.
 *
 * @module
 */

/** A figure over rounds: its smallest, middle and largest value, and how far apart they are. */
export interface Summary {
  /** The smallest value. */
  readonly min: number;
  /** The median (the mean of the two middle values for an even count). */
  readonly median: number;
  /** The largest value. */
  readonly max: number;
  /** `(max - min) / median`: the noise across rounds, 0 for one round. */
  readonly spread: number;
  /** How many values (rounds) went in. */
  readonly count: number;
}

/** One point of a latency distribution: the value at or below which `percentile`% of samples lie. */
export interface PercentilePoint {
  readonly percentile: number;
  readonly value: number;
}

/** The percentiles drawn in the latency-distribution chart (a "nines" scale). */
export const DISTRIBUTION_PERCENTILES: readonly number[] = [
  0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100,
];

/** A sorted copy of `values`, ascending (a `Float64Array`, so the sort is numeric). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * The nearest-rank percentile of ascending `sortedValues`: the smallest sample such that at least
 * `p`% of the samples are at or below it. `p` 0 gives the minimum and 100 the maximum. With fewer
 * than 1000 samples p99.9 is simply the largest.
 *
 * @throws RangeError for an empty input or `p` outside 0..100.
 */
export function percentile(sortedValues: ArrayLike<number>, p: number): number {
  const n = sortedValues.length;
  if (n === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  // p99.9 of 2000 is rank 1998 exactly; floating point makes it 1998.0000000000002, hence the slack.
  const exact = (p / 100) * n;
  const rank = Math.max(1, Math.ceil(exact - 1e-9 * exact));
  return sortedValues[Math.min(rank, n) - 1] as number;
}

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: ArrayLike<number>): number {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) throw new RangeError('median of no values');
  const mid = n >> 1;
  return n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Min, median, max and spread of `values` (one per round). */
export function summarize(values: ArrayLike<number>): Summary {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) throw new RangeError('summary of no values');
  const min = s[0] as number;
  const max = s[n - 1] as number;
  const mid = median(s);
  return { min, median: mid, max, spread: mid === 0 ? 0 : (max - min) / Math.abs(mid), count: n };
}

/**
 * Ratios of paired rounds, `values[i] / baseline[i]`: a mode and the baseline measured in the same
 * round, side by side, so drift of a shared machine over the run cancels. Rounds missing on either
 * side (a shorter array, a non-finite value or a zero baseline) are left out.
 */
export function pairedRatios(values: readonly number[], baseline: readonly number[]): number[] {
  const ratios: number[] = [];
  const n = Math.min(values.length, baseline.length);
  for (let i = 0; i < n; i++) {
    const value = values[i] as number;
    const base = baseline[i] as number;
    if (Number.isFinite(value) && Number.isFinite(base) && base !== 0) ratios.push(value / base);
  }
  return ratios;
}

/** The summary of {@link pairedRatios}, or `null` when no round pairs up. */
export function ratioSummary(
  values: readonly number[],
  baseline: readonly number[],
): Summary | null {
  const ratios = pairedRatios(values, baseline);
  return ratios.length === 0 ? null : summarize(ratios);
}

/** The points of {@link DISTRIBUTION_PERCENTILES} for a pool of samples (any order). */
export function distribution(samples: ArrayLike<number>): PercentilePoint[] {
  if (samples.length === 0) return [];
  const s = sorted(samples);
  return DISTRIBUTION_PERCENTILES.map((p) => ({ percentile: p, value: percentile(s, p) }));
}
