import { describe, expect, it } from 'vitest';
import { summarizeScenario } from '../src/results.js';
import {
  evaluateTarget,
  evaluateTargets,
  meets,
  posixShortcutTarget,
  TARGETS,
} from '../src/targets.js';
import { fixtureModes, fixtureScenarios } from './fixture.js';

describe('summaries and ratios of a scenario', () => {
  const [pingpong, , throughput, connections] = fixtureScenarios();

  it('summarizes each metric over rounds', () => {
    const net = pingpong?.series.find((s) => s.id === 'net');
    expect(net?.summary.p50).toMatchObject({ min: 20_000, median: 22_000, max: 24_000, count: 3 });
    expect(net?.ratio).toBeNull();
  });

  it('pairs rounds with the baseline of the same round', () => {
    const off = pingpong?.series.find((s) => s.id === 'off');
    expect(off?.ratio?.p50?.median).toBeCloseTo(1.005, 12);
    expect(off?.ratio?.p50?.min).toBeCloseTo(1.004, 12);
    expect(off?.ratio?.p50?.max).toBeCloseTo(1.006, 12);
    // Drift across rounds (+10% per round on both sides) cancels in the ratios.
    const offRate = throughput?.series.find((s) => s.id === 'off');
    expect(offRate?.summary.bytesPerSecond?.spread).toBeGreaterThan(0.15);
    expect(offRate?.ratio?.bytesPerSecond?.median).toBeCloseTo(0.99, 12);
  });

  it('skips failed rounds (NaN) in summaries and ratios', () => {
    const napi = connections?.series.find((s) => s.id === 'on-napi');
    expect(napi?.summary.perSecond).toMatchObject({ median: 4500, count: 1 });
    expect(napi?.ratio?.perSecond).toMatchObject({ median: 0.9, count: 1 });
  });

  it('leaves ratios out when the baseline is missing', () => {
    const lone = summarizeScenario({
      id: 'throughput',
      title: 't',
      method: 'm',
      baseline: 'net',
      metrics: [{ key: 'x', label: 'x', unit: '1/s', better: 'higher' }],
      series: [
        {
          id: 'off',
          label: 'off',
          rounds: [{ x: 1 }],
          summary: {},
          ratio: null,
          distribution: null,
          samples: 1,
          error: null,
        },
      ],
    });
    expect(lone.series[0]?.ratio).toBeNull();
    expect(lone.series[0]?.summary.x?.median).toBe(1);
  });
});

describe('target verdicts', () => {
  const scenarios = fixtureScenarios();
  const byId = (id: string) => {
    const spec = TARGETS.find((t) => t.id === id);
    if (!spec) throw new Error(id);
    return evaluateTarget(spec, scenarios);
  };

  it("are the issue's thresholds", () => {
    expect(TARGETS.map((t) => [t.id, t.comparison, t.threshold])).toEqual([
      ['off-round-trip-1B', '<=', 1.02],
      ['off-round-trip-4KiB', '<=', 1.02],
      ['off-throughput', '>=', 0.98],
      ['on-ffi-connection-rate', '>=', 0.95],
      ['on-napi-connection-rate', '>=', 0.95],
    ]);
    expect(meets(1.02, '<=', 1.02)).toBe(true);
    expect(meets(0.98, '>=', 0.98)).toBe(true);
    expect(meets(0.9799, '>=', 0.98)).toBe(false);
  });

  it('pass on the median ratio', () => {
    const target = byId('off-round-trip-1B');
    expect(target.verdict).toBe('pass');
    expect(target.ratio?.median).toBeCloseTo(1.005, 12);
    expect(target.note).toMatch(/^met: 1\.005 <= 1\.02/);
    expect(target.note).not.toMatch(/noise/);
  });

  it('say MISSED plainly when the median misses', () => {
    const target = byId('off-round-trip-4KiB');
    expect(target.verdict).toBe('miss');
    expect(target.note).toMatch(/^MISSED: 1\.050 is not <= 1\.02/);
    const napi = byId('on-napi-connection-rate');
    expect(napi.verdict).toBe('miss');
    expect(napi.note).toContain('0.900 is not >= 0.95');
  });

  it('flag a verdict the round range straddles as within the noise', () => {
    const target = byId('off-throughput');
    expect(target.verdict).toBe('pass');
    expect(target.note).toContain("within this run's noise");
  });

  it('are n/a, with the reason, when a mode or scenario did not run', () => {
    const withoutThroughput = scenarios.filter((s) => s.id !== 'throughput');
    const spec = TARGETS.find((t) => t.id === 'off-throughput');
    if (!spec) throw new Error('no target');
    expect(evaluateTarget(spec, withoutThroughput)).toMatchObject({
      verdict: 'n/a',
      note: 'not measured: the scenario was not run',
    });
    const ffiOnly = TARGETS.find((t) => t.id === 'on-ffi-connection-rate');
    if (!ffiOnly) throw new Error('no target');
    const noFfi = scenarios.map((s) => ({
      ...s,
      series: s.series.filter((x) => x.id !== 'on-ffi'),
    }));
    expect(evaluateTarget(ffiOnly, noFfi).note).toBe('not measured: mode on-ffi did not run');
  });

  it('include the POSIX shortcut as not applicable while "on" is unsupported', () => {
    const targets = evaluateTargets(scenarios, fixtureModes(), 'linux');
    expect(targets).toHaveLength(TARGETS.length + 1);
    const posix = targets.at(-1);
    expect(posix).toMatchObject({ id: 'posix-shortcut', verdict: 'n/a' });
    expect(posix?.note).toContain('not implemented');
    expect(posix?.note).toContain('on-ffi: unsupported');
    expect(posixShortcutTarget('win32', fixtureModes())).toBeNull();
  });

  it('notice once the shortcut reports enabled', () => {
    const modes = fixtureModes().map((m) =>
      m.id === 'on-ffi' && m.client ? { ...m, client: { ...m.client, state: 'enabled' } } : m,
    );
    expect(posixShortcutTarget('linux', modes)?.note).toContain('reports enabled');
  });
});
