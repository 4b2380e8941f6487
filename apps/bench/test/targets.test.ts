import { describe, expect, it } from 'vitest';
import { comparedWithCeiling, httpModesFor } from '../src/modes.js';
import { keptStatus, type StatusRecord } from '../src/protocol.js';
import type { ModeResult } from '../src/results.js';
import { ceilingRatio, pairedRatio, summarizeScenario } from '../src/results.js';
import {
  baselineOf,
  evaluateTarget,
  evaluateTargets,
  meets,
  requirementProblem,
  TARGETS,
  type TargetSpec,
} from '../src/targets.js';
import {
  enabledModes,
  fixtureHttpScenarios,
  fixtureModes,
  fixtureScenarios,
  preloadMode,
  shortcutStatus,
} from './fixture.js';

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

  it('pair any two series of a scenario, the stored ratio being the one against net', () => {
    const off = pingpong?.series.find((s) => s.id === 'off');
    if (!pingpong || !off) throw new Error('fixture');
    expect(pairedRatio(pingpong, 'off', 'net', 'p50')).toEqual(off.ratio?.p50);
    expect(pairedRatio(pingpong, 'on-ffi', 'unix', 'p50')?.median).toBeCloseTo(1.02, 12);
    expect(pairedRatio(pingpong, 'on-ffi', 'nobody', 'p50')).toBeNull();
  });

  it('compare only the fast-path-on modes with the unix ceiling', () => {
    if (!pingpong || !connections) throw new Error('fixture');
    expect(ceilingRatio(pingpong, 'on-napi', 'p50')?.median).toBeCloseTo(1 / 0.71, 12);
    expect(ceilingRatio(pingpong, 'off', 'p50')).toBeNull();
    expect(ceilingRatio(pingpong, 'net', 'p50')).toBeNull();
    expect(ceilingRatio(connections, 'on-ffi', 'perSecond')?.median).toBeCloseTo(0.96 / 1.3, 12);
  });
});

describe('target verdicts', () => {
  const scenarios = fixtureScenarios();
  const specOf = (id: string) => {
    const spec = TARGETS.find((t) => t.id === id);
    if (!spec) throw new Error(id);
    return spec;
  };
  const byId = (id: string, modes: ModeResult[] = fixtureModes()) =>
    evaluateTarget(specOf(id), scenarios, modes);

  it("are the issues' thresholds, each against its baseline", () => {
    expect(TARGETS.map((t) => [t.id, t.mode, baselineOf(t), t.comparison, t.threshold])).toEqual([
      ['off-round-trip-1B', 'off', 'net', '<=', 1.02],
      ['off-round-trip-4KiB', 'off', 'net', '<=', 1.02],
      ['off-throughput', 'off', 'net', '>=', 0.98],
      ['off-connection-setup', 'off', 'net', '<=', 1.02],
      ['on-ffi-connection-rate', 'on-ffi', 'net', '>=', 0.95],
      ['on-napi-connection-rate', 'on-napi', 'net', '>=', 0.95],
      ['on-ffi-unix-round-trip-1B', 'on-ffi', 'unix', '<=', 1.03],
      ['on-ffi-unix-round-trip-4KiB', 'on-ffi', 'unix', '<=', 1.03],
      ['on-ffi-unix-throughput', 'on-ffi', 'unix', '>=', 0.97],
      ['on-ffi-unix-connection-rate', 'on-ffi', 'unix', '>=', 0.95],
      ['on-napi-unix-round-trip-1B', 'on-napi', 'unix', '<=', 1.03],
      ['on-napi-unix-round-trip-4KiB', 'on-napi', 'unix', '<=', 1.03],
      ['on-napi-unix-throughput', 'on-napi', 'unix', '>=', 0.97],
      ['on-napi-unix-connection-rate', 'on-napi', 'unix', '>=', 0.95],
      ['preload-http-keep-alive', 'preload', 'unix', '>=', 0.97],
      ['preload-http-new-connection', 'preload', 'unix', '>=', 0.97],
    ]);
    // Every target against the ceiling is conditional on the shortcut and shows the TCP gain.
    for (const t of TARGETS)
      expect([t.id, t.requiresMechanism, t.reference]).toEqual(
        baselineOf(t) === 'unix' ? [t.id, 'unix-rendezvous', 'net'] : [t.id, undefined, undefined],
      );
    expect(specOf('off-throughput').baseline).toBeUndefined();
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

  it("judge the wrapper's own connection setup with the fast path off", () => {
    const target = byId('off-connection-setup');
    expect(target).toMatchObject({ verdict: 'pass', baseline: 'net', metric: 'setupP50' });
    expect(target.ratio?.median).toBeCloseTo(1.01, 12);
    expect(target.note).toMatch(/^met: 1\.010 <= 1\.02 \(rounds ranged 1\.010-1\.010 over 2\)$/);
  });

  it('are n/a, with the reason, when a mode or scenario did not run', () => {
    const withoutThroughput = scenarios.filter((s) => s.id !== 'throughput');
    const spec = TARGETS.find((t) => t.id === 'off-throughput');
    if (!spec) throw new Error('no target');
    expect(evaluateTarget(spec, withoutThroughput, fixtureModes())).toMatchObject({
      verdict: 'n/a',
      note: 'not measured: the scenario was not run',
    });
    const ffiOnly = TARGETS.find((t) => t.id === 'on-ffi-connection-rate');
    if (!ffiOnly) throw new Error('no target');
    const noFfi = scenarios.map((s) => ({
      ...s,
      series: s.series.filter((x) => x.id !== 'on-ffi'),
    }));
    expect(evaluateTarget(ffiOnly, noFfi, fixtureModes()).note).toBe(
      'not measured: mode on-ffi did not run',
    );
  });

  it('generalise the baseline: any mode of the same scenario, paired by round', () => {
    const spec: TargetSpec = {
      id: 'napi-vs-off',
      description: 'made up',
      scenario: 'pingpong-1B',
      mode: 'on-napi',
      baseline: 'off',
      metric: 'p50',
      comparison: '<=',
      threshold: 1,
    };
    const target = evaluateTarget(spec, scenarios, fixtureModes());
    expect(target).toMatchObject({ baseline: 'off', verdict: 'pass', reference: null });
    expect(target.ratio?.median).toBeCloseTo(1 / 1.005, 12);
    expect(target.ratio?.min).toBeCloseTo(1 / 1.006, 12);
    // Without a baseline field, the target divides by net, exactly as the stored ratios do.
    const { baseline: _, ...toNet } = spec;
    const napi = scenarios[0]?.series.find((s) => s.id === 'on-napi');
    expect(evaluateTarget(toNet, scenarios, fixtureModes())).toMatchObject({
      baseline: 'net',
      ratio: napi?.ratio?.p50,
    });
    expect(
      evaluateTarget({ ...spec, baseline: 'unix' }, scenarios.slice(1), fixtureModes()).note,
    ).toBe('not measured: the scenario was not run');
  });
});

describe('targets against the unix ceiling', () => {
  const scenarios = fixtureScenarios();
  const shortcut = TARGETS.filter((t) => t.requiresMechanism !== undefined);

  it('read N/A, with the reported states and reason, while the shortcut is unsupported', () => {
    const targets = evaluateTargets(scenarios, fixtureModes());
    expect(targets.map((t) => t.id)).toEqual(TARGETS.map((t) => t.id));
    const na = targets.filter((t) => t.baseline === 'unix' && t.mode !== 'preload');
    expect(na).toHaveLength(8);
    for (const target of na)
      expect(target).toMatchObject({
        verdict: 'n/a',
        ratio: null,
        reference: null,
        requiresMechanism: 'unix-rendezvous',
      });
    expect(na[0]?.note).toBe(
      'not applicable: on-ffi did not go over the unix-rendezvous shortcut (unsupported on client, server and accepted sockets: linux has no SIO_LOOPBACK_FAST_PATH control code)',
    );
    expect(na.at(-1)?.note).toBe(
      'not applicable: on-napi did not go over the unix-rendezvous shortcut (client unsupported, server not recorded, accepted not recorded: linux has no SIO_LOOPBACK_FAST_PATH control code)',
    );
    // The HTTP scenarios did not run here: that is said before any status is looked at.
    for (const target of targets.filter((t) => t.mode === 'preload'))
      expect(target).toMatchObject({
        verdict: 'n/a',
        ratio: null,
        note: 'not measured: the scenario was not run',
      });
    // The targets against node:net are judged as before.
    expect(targets.filter((t) => t.verdict === 'pass')).toHaveLength(4);
    expect(targets.filter((t) => t.verdict === 'miss')).toHaveLength(2);
  });

  it('evaluate against unix, with the gain over node:net TCP, once every side reports it', () => {
    const byId = new Map(evaluateTargets(scenarios, enabledModes()).map((t) => [t.id, t]));
    const ffi1B = byId.get('on-ffi-unix-round-trip-1B');
    expect(ffi1B).toMatchObject({ verdict: 'pass', baseline: 'unix', mode: 'on-ffi' });
    expect(ffi1B?.ratio?.median).toBeCloseTo(1.02, 12);
    expect(ffi1B?.reference?.baseline).toBe('net');
    expect(ffi1B?.reference?.ratio?.median).toBeCloseTo(0.7242, 12);
    expect(ffi1B?.note).toBe(
      'met: 1.020 <= 1.03 (rounds ranged 1.020-1.020 over 3); 0.72× node:net TCP',
    );
    const throughput = byId.get('on-ffi-unix-throughput');
    expect(throughput?.verdict).toBe('pass');
    expect(throughput?.note).toMatch(/^met: 0\.990 >= 0\.97 .*; 1\.78× node:net TCP$/);
    expect(byId.get('on-ffi-unix-round-trip-4KiB')?.verdict).toBe('pass');
    const rate = byId.get('on-ffi-unix-connection-rate');
    expect(rate?.verdict).toBe('miss');
    expect(rate?.ratio?.median).toBeCloseTo(0.96 / 1.3, 12);
    expect(rate?.note).toMatch(/^MISSED: 0\.738 is not >= 0\.95 .*; 0\.96× node:net TCP$/);
    for (const id of ['round-trip-1B', 'round-trip-4KiB', 'throughput', 'connection-rate'])
      expect(byId.get(`on-napi-unix-${id}`)?.verdict).toBe('miss');
    expect(byId.get('on-napi-unix-round-trip-1B')?.ratio?.median).toBeCloseTo(1 / 0.71, 12);
    // The targets against node:net do not depend on the shortcut's state.
    expect(byId.get('on-ffi-connection-rate')?.ratio?.median).toBeCloseTo(0.96, 12);
  });

  it('stay N/A unless client, server and accepted all report it over unix-rendezvous', () => {
    const spec = shortcut[0] as TargetSpec;
    const enabled = enabledModes();
    const withFfi = (change: Partial<ModeResult>) =>
      enabled.map((m) => (m.id === 'on-ffi' ? { ...m, ...change } : m));
    expect(requirementProblem(spec, enabled)).toBeNull();
    const unsupported = fixtureModes().find((m) => m.id === 'on-ffi')?.accepted ?? null;
    expect(requirementProblem(spec, withFfi({ accepted: unsupported }))).toBe(
      'on-ffi did not go over the unix-rendezvous shortcut (client enabled (unix-rendezvous), server enabled (unix-rendezvous), accepted unsupported: linux has no SIO_LOOPBACK_FAST_PATH control code)',
    );
    expect(requirementProblem(spec, withFfi({ server: null }))).toContain('server not recorded');
    // Windows' mechanism is a fast path, but not the one these targets measure.
    const windows = evaluateTarget(spec, scenarios, enabledModes('sio-loopback-fast-path'));
    expect(windows).toMatchObject({ verdict: 'n/a', ratio: null });
    expect(windows.note).toContain(
      'enabled (sio-loopback-fast-path) on client, server and accepted sockets',
    );
    expect(
      evaluateTarget(spec, scenarios, withFfi({ unavailable: 'its server could not listen' })).note,
    ).toBe('not applicable: mode on-ffi did not run: its server could not listen');
    expect(evaluateTarget(spec, scenarios, []).note).toBe(
      'not applicable: mode on-ffi was not run',
    );
  });

  it('say the scenario was not run before looking at any status', () => {
    const spec = shortcut.find((t) => t.scenario === 'throughput') as TargetSpec;
    const withoutThroughput = scenarios.filter((s) => s.id !== 'throughput');
    for (const modes of [fixtureModes(), enabledModes()])
      expect(evaluateTarget(spec, withoutThroughput, modes)).toMatchObject({
        verdict: 'n/a',
        ratio: null,
        note: 'not measured: the scenario was not run',
      });
  });

  it('say so when the ceiling did not run, still showing the gain over node:net TCP', () => {
    const noUnix = scenarios.map((s) => ({
      ...s,
      series: s.series.filter((x) => x.id !== 'unix'),
    }));
    const target = evaluateTarget(shortcut[0] as TargetSpec, noUnix, enabledModes());
    expect(target).toMatchObject({ verdict: 'n/a', ratio: null });
    expect(target.note).toBe(
      'not measured: the baseline mode unix did not run; 0.72× node:net TCP',
    );
  });
});

describe('targets of the HTTP preload against the unix ceiling', () => {
  const scenarios = [...fixtureScenarios(), ...fixtureHttpScenarios()];
  const enabled = shortcutStatus('napi');
  const verdicts = (preload: ModeResult | null) =>
    new Map(
      evaluateTargets(scenarios, [...enabledModes(), ...(preload ? [preload] : [])])
        .filter((t) => t.mode === 'preload')
        .map((t) => [t.id, t]),
    );

  it('judge requests per second against the ceiling of the same round, the gain over TCP beside', () => {
    const byId = verdicts(preloadMode(enabled));
    const keepAlive = byId.get('preload-http-keep-alive');
    expect(keepAlive).toMatchObject({ verdict: 'pass', baseline: 'unix', metric: 'perSecond' });
    expect(keepAlive?.ratio?.median).toBeCloseTo(0.98, 12);
    expect(keepAlive?.reference?.baseline).toBe('net');
    expect(keepAlive?.reference?.ratio?.median).toBeCloseTo(1.47, 12);
    expect(keepAlive?.note).toBe(
      'met: 0.980 >= 0.97 (rounds ranged 0.980-0.980 over 3); 1.47× node:net TCP',
    );
    const fresh = byId.get('preload-http-new-connection');
    expect(fresh?.verdict).toBe('miss');
    expect(fresh?.note).toBe(
      'MISSED: 0.800 is not >= 0.97 (rounds ranged 0.800-0.800 over 3); 1.20× node:net TCP',
    );
  });

  it('read N/A unless every side of the preload reported the rendezvous', () => {
    const overTcp: StatusRecord = {
      requested: true,
      state: 'no-fast-peer',
      reason: 'accepted over TCP',
      mechanism: null,
      backend: 'napi',
      errorCode: null,
    };
    const accepted = verdicts({ ...preloadMode(enabled), accepted: overTcp });
    for (const target of accepted.values()) {
      expect(target).toMatchObject({ verdict: 'n/a', ratio: null, reference: null });
      expect(target.note).toBe(
        'not applicable: preload did not go over the unix-rendezvous shortcut (client enabled (unix-rendezvous), server enabled (unix-rendezvous), accepted no-fast-peer: accepted over TCP)',
      );
    }
    // The kill switch: the preload installs nothing, so every socket is Node's own.
    const disabled: StatusRecord = {
      ...overTcp,
      requested: false,
      state: 'disabled',
      reason: 'not requested',
      backend: null,
    };
    expect(verdicts(preloadMode(disabled)).get('preload-http-keep-alive')?.note).toBe(
      'not applicable: preload did not go over the unix-rendezvous shortcut (disabled on client, server and accepted sockets: not requested)',
    );
    expect(verdicts(preloadMode(null)).get('preload-http-keep-alive')?.note).toBe(
      'not applicable: preload did not go over the unix-rendezvous shortcut (not recorded on client, server and accepted sockets)',
    );
    const failed = { ...preloadMode(null), unavailable: 'its processes did not start: boom' };
    expect(verdicts(failed).get('preload-http-new-connection')?.note).toBe(
      'not applicable: mode preload did not run: its processes did not start: boom',
    );
    expect(verdicts(null).get('preload-http-keep-alive')?.note).toBe(
      'not applicable: mode preload was not run',
    );
  });

  it('read N/A on Windows, where the ceiling does not run and the mechanism is another', () => {
    const windows = scenarios.map((s) => ({
      ...s,
      series: s.series.filter((x) => x.id !== 'unix'),
    }));
    const [target] = evaluateTargets(windows, [
      preloadMode(shortcutStatus('napi', 'sio-loopback-fast-path')),
    ]).filter((t) => t.mode === 'preload');
    expect(target).toMatchObject({ verdict: 'n/a', ratio: null });
    expect(target?.note).toContain(
      'enabled (sio-loopback-fast-path) on client, server and accepted sockets',
    );
  });

  it('compare the preload with the ceiling, which exists on POSIX only', () => {
    expect(comparedWithCeiling('preload')).toBe(true);
    expect(httpModesFor('linux').map((m) => m.id)).toEqual(['net', 'preload', 'unix']);
    expect(httpModesFor('darwin').map((m) => m.id)).toEqual(['net', 'preload', 'unix']);
    expect(httpModesFor('win32').map((m) => m.id)).toEqual(['net', 'preload']);
  });
});

describe('what a side reports over many sockets', () => {
  const enabled = { ...shortcutStatus('napi'), error: null };
  const tcp = { ...enabled, state: 'no-fast-peer', reason: 'accepted over TCP', mechanism: null };

  it('is enabled only while every socket was, else the first socket that was not', () => {
    let kept = keptStatus(null, enabled);
    expect(kept).toMatchObject({ state: 'enabled', mechanism: 'unix-rendezvous' });
    kept = keptStatus(kept, enabled);
    expect(kept.state).toBe('enabled');
    kept = keptStatus(kept, tcp);
    expect(kept).toMatchObject({ state: 'no-fast-peer', reason: 'accepted over TCP' });
    expect(keptStatus(kept, enabled)).toBe(kept);
    expect(keptStatus(kept, { ...tcp, reason: 'a later reason' }).reason).toBe('accepted over TCP');
  });
});
