/**
 * A scenario as the runner drives it: its series, what one turn of a series measures, and how a
 * round's turns become that round's figures. The runner decides the order of the turns; each
 * scenario only says what a turn is.
 *
 * @module
 */
import type { MetricSpec, ScenarioId } from './results.js';

/** What one slice (one series' turn within a round) yields. */
export interface Slice {
  /** Per-event nanoseconds pooled for percentiles (round trips, connection setups), or `null`. */
  readonly samples: Float64Array | null;
  /** Units measured: round trips, streams, connections, requests, calls. */
  readonly count: number;
  /** Nanoseconds the timed part took. */
  readonly ns: number;
  /** Bytes moved (throughput only). */
  readonly bytes: number;
  /** CPU time the client and the server process used (HTTP only), in nanoseconds. */
  readonly cpu?: { readonly clientNs: number; readonly serverNs: number };
}

/** A scenario the runner can measure in alternating turns. */
export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  readonly method: string;
  readonly metrics: readonly MetricSpec[];
  /** The series ids in display order. */
  readonly series: readonly { id: string; label: string }[];
  readonly baseline: string;
  /** Measures one series for `share` of a round's counts and time limit. */
  slice(id: string, share: number): Promise<Slice>;
  /** One round's figures from the series' slices in that round. */
  figures(slices: readonly Slice[]): Record<string, number>;
}

/** `share` of a count or time limit, at least 1. */
export function part(amount: number, share: number): number {
  return Math.max(1, Math.ceil(amount * share));
}

/** The sum of one field over slices. */
export function total(slices: readonly Slice[], key: 'count' | 'ns' | 'bytes'): number {
  return slices.reduce((sum, slice) => sum + slice[key], 0);
}
