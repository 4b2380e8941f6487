import { describe, expect, it } from 'vitest';
import {
  DISTRIBUTION_PERCENTILES,
  distribution,
  median,
  pairedRatios,
  percentile,
  ratioSummary,
  sorted,
  summarize,
} from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = sorted(Array.from({ length: 100 }, (_, i) => 100 - i)); // 1..100, shuffled order in

  it('sorts numerically, not as strings', () => {
    expect([...sorted([10, 9, 100, 1])]).toEqual([1, 9, 10, 100]);
  });

  it('gives the smallest sample with at least p% at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.9)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 50.5)).toBe(51);
  });

  it('reads p99.9 as the second largest of 2000 samples', () => {
    const samples = sorted(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(percentile(samples, 99.9)).toBe(1998);
  });

  it('handles a single sample', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99.9)).toBe(7);
  });

  it('refuses no samples and percentiles outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 100.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median and summarize', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('reports min, median, max, the spread and the count', () => {
    expect(summarize([10, 12, 11, 9, 13])).toEqual({
      min: 9,
      median: 11,
      max: 13,
      spread: 4 / 11,
      count: 5,
    });
    expect(summarize([5])).toEqual({ min: 5, median: 5, max: 5, spread: 0, count: 1 });
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('paired ratios', () => {
  it('divides each round by the baseline of the same round', () => {
    expect(pairedRatios([2, 3, 4], [1, 3, 8])).toEqual([2, 1, 0.5]);
  });

  it('leaves out rounds missing, failed or with a zero baseline on either side', () => {
    expect(pairedRatios([2, Number.NaN, 4, 5], [1, 1, 0, 5, 9])).toEqual([2, 1]);
    expect(pairedRatios([1, 2], [Number.NaN, 4])).toEqual([0.5]);
  });

  it('summarizes the ratios, or gives null when nothing pairs up', () => {
    const summary = ratioSummary([1.02, 0.99, 1.0], [1, 1, 1]);
    expect(summary?.median).toBe(1);
    expect(summary?.min).toBe(0.99);
    expect(summary?.max).toBe(1.02);
    expect(ratioSummary([], [1])).toBeNull();
    expect(ratioSummary([1], [0])).toBeNull();
  });

  it('cancels drift that hits both modes of a round alike', () => {
    // The machine slows down over the run; the mode is always 1% slower than the baseline.
    const baseline = [100, 150, 200, 120];
    const mode = baseline.map((value) => value * 1.01);
    const ratios = ratioSummary(mode, baseline);
    expect(ratios?.min).toBeCloseTo(1.01, 12);
    expect(ratios?.max).toBeCloseTo(1.01, 12);
    // Unpaired, the spread of each side alone would hide a 1% difference.
    expect(summarize(baseline).spread).toBeGreaterThan(0.5);
  });
});

describe('distribution', () => {
  it('gives one point per chart percentile, rising', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000);
    const points = distribution(samples);
    expect(points.map((p) => p.percentile)).toEqual(DISTRIBUTION_PERCENTILES);
    expect(points[0]?.value).toBe(0);
    expect(points.at(-1)?.value).toBe(9999);
    for (let i = 1; i < points.length; i++)
      expect(points[i]?.value).toBeGreaterThanOrEqual(points[i - 1]?.value as number);
  });

  it('is empty for no samples', () => {
    expect(distribution([])).toEqual([]);
  });
});
