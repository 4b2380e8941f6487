import { describe, expect, it } from 'vitest';
import {
  formatNs,
  formatRatioSummary,
  formatSpread,
  formatSummary,
  formatValue,
} from '../src/format.js';
import { renderHtml, renderSvg, reportCharts } from '../src/html-report.js';
import { progressLine } from '../src/progress.js';
import type { BenchResult } from '../src/results.js';
import { summarize } from '../src/stats.js';
import {
  barChart,
  escapeXml,
  formatTick,
  logTicks,
  ninesPosition,
  percentileChart,
  targetChart,
} from '../src/svg-charts.js';
import { evaluateTargets } from '../src/targets.js';
import { formatText, table } from '../src/text-report.js';
import {
  enabledModes,
  fixtureHttpScenarios,
  fixtureResult,
  preloadMode,
  shortcutStatus,
} from './fixture.js';

/** The fixture run with the HTTP scenarios and the preload, its every side over the rendezvous. */
function withHttp(): BenchResult {
  const base = fixtureResult([...enabledModes(), preloadMode(shortcutStatus('napi'))]);
  const scenarios = [...base.scenarios, ...fixtureHttpScenarios()];
  return { ...base, scenarios, targets: evaluateTargets(scenarios, base.modes) };
}

describe('number formats', () => {
  it('scales units for reading', () => {
    expect(formatNs(812)).toBe('812 ns');
    expect(formatNs(28_300)).toBe('28.3 µs');
    expect(formatNs(1_234_000)).toBe('1.23 ms');
    expect(formatValue(2.31e9, 'B/s')).toBe('2.31 GB/s');
    expect(formatValue(950e6, 'B/s')).toBe('950 MB/s');
    expect(formatValue(4210.4, '1/s')).toBe('4210/s');
    expect(formatValue(Number.NaN, 'ns')).toBe('-');
  });

  it("writes a summary as median [min-max] in the median's unit", () => {
    expect(formatSummary(summarize([27_000, 28_100, 30_200]), 'ns')).toBe('28.1 µs [27.0-30.2]');
    expect(formatSummary(summarize([5_000]), '1/s')).toBe('5000/s');
    expect(formatSummary(undefined, 'ns')).toBe('-');
    expect(formatRatioSummary(summarize([0.99, 1.004, 1.03]))).toBe('1.004 [0.990-1.030]');
    expect(formatSpread(0.0423)).toBe('4.2%');
  });
});

describe('text report', () => {
  const text = formatText(fixtureResult());

  it('starts with the machine, the versions and the run', () => {
    expect(text).toContain('Machine   Linux 6.1 x64, Test CPU (2 cores), 8.00 GiB RAM');
    expect(text).toContain('Node v20.20.0');
    expect(text).toContain('@loopfast/ffi 0.0.0 (koffi 3.3.4)');
    expect(text).toContain('quick, 7 rounds');
  });

  it("shows each mode's fast-path state and why a requested one is not in force", () => {
    expect(text).toMatch(
      /on-ffi\s+loopfast on \(ffi\)\s+unsupported \/ unsupported \/ unsupported/,
    );
    expect(text).toContain('on-ffi, on-napi: unsupported: linux has no SIO_LOOPBACK_FAST_PATH');
  });

  it('tables each scenario with median [min-max], noise and ratios', () => {
    expect(text).toMatch(/off\s+22\.1 µs \[20\.1-24\.1\].*1\.005 \[1\.004-1\.006\]/);
    expect(text).toContain('(baseline)');
    expect(text).toContain('noise');
  });

  it('adds the fast-path-on modes against the unix ceiling where it ran', () => {
    expect(text).toMatch(
      /ratio = mode \/ net in the same round; vs unix = mode \/ unix, the ceiling\)/,
    );
    expect(text).toMatch(/p99 ratio\s+p50 vs unix\n/);
    // on-ffi's round trip at 1.02 of unix; off and net get no such ratio; unix marks itself.
    expect(text).toMatch(/on-ffi .*0\.724 \[0\.714-0\.734\]\s+1\.020 \[1\.020-1\.020\]\n/);
    expect(text).toMatch(/ off .*1\.005 \[1\.004-1\.006\]\n/);
    expect(text).toMatch(/unix .*\(ceiling\)\n/);
    expect(text).toMatch(/connections\/s vs unix\n/);
    // The call-cost scenario has no ceiling and no such column.
    expect(text).toMatch(/ns per call ratio\n/);
  });

  it('states every verdict with its baseline, misses in capitals', () => {
    expect(text).toMatch(/PASS {2}fast path off vs node:net, round trip p50, 1 B +vs net {3}met/);
    expect(text).toMatch(
      /MISS {2}fast path off vs node:net, round trip p50, 4 KiB +vs net {3}MISSED: 1\.050/,
    );
    expect(text).toMatch(/PASS {2}fast path off vs node:net, connection setup p50 +vs net {3}met/);
    expect(text).toMatch(
      /N\/A {3}loopfast \(ffi backend\) vs node:net Unix socket, round trip p50, 1 B +vs unix {2}not applicable: on-ffi did not go over the unix-rendezvous shortcut \(unsupported on client, server and accepted sockets: linux has no SIO_LOOPBACK_FAST_PATH control code\)\n/,
    );
    expect(text).not.toContain('POSIX Unix-socket shortcut targets');
    expect(text).toContain('Targets (median of paired per-round ratios: mode / the baseline');
    expect(text).toContain('4 met, 2 MISSED, 10 not applicable');
  });

  it('judges the shortcut targets against unix once it is enabled, with the gain beside', () => {
    const enabled = formatText(fixtureResult(enabledModes()));
    expect(enabled).toMatch(
      /on-ffi\s+loopfast on \(ffi\)\s+enabled \/ enabled \/ enabled \(mechanism: unix-rendezvous\)\n/,
    );
    expect(enabled).toMatch(
      /PASS {2}loopfast \(ffi backend\) vs node:net Unix socket, streaming throughput +vs unix {2}met: 0\.990 >= 0\.97 \(rounds ranged 0\.990-0\.990 over 3\); 1\.78× node:net TCP\n/,
    );
    expect(enabled).toMatch(
      /MISS {2}loopfast \(napi backend\) vs node:net Unix socket, connection rate +vs unix {2}MISSED: 0\.692 is not >= 0\.95 .*; 0\.90× node:net TCP\n/,
    );
    expect(enabled).toContain('7 met, 7 MISSED, 2 not applicable');
  });

  it('aligns columns', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', 'e'],
      ]),
    ).toBe('  a    bb  c\n  ccc  d   e');
  });
});

describe('progress', () => {
  it('shows a bar, the percentage, the scenario, the round, the mode and the elapsed time', () => {
    const event = {
      step: 21,
      total: 84,
      scenario: 'Ping-pong',
      round: 3,
      rounds: 7,
      series: 'on-napi',
      elapsedMs: 65_400,
    };
    expect(progressLine(event, 8)).toBe('[##......]  25%  Ping-pong · round 3/7 · on-napi · 1:05');
    expect(progressLine({ ...event, round: 0 }, 8)).toContain('· warm-up ·');
  });
});

describe('charts', () => {
  it('place percentiles on a nines axis and ticks on 1-2-5', () => {
    expect(ninesPosition(90, 5)).toBeCloseTo(1, 12);
    expect(ninesPosition(99.9, 5)).toBeCloseTo(3, 9);
    expect(ninesPosition(100, 4.6)).toBe(4.6);
    expect(logTicks(15, 600)).toEqual([20, 50, 100, 200, 500]);
    expect(logTicks(0, 10)).toEqual([]);
    expect([20_000, 50_000, 2_000_000, 500].map(formatTick)).toEqual([
      '20 µs',
      '50 µs',
      '2 ms',
      '500 ns',
    ]);
  });

  it('escape text', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
    const chart = barChart('<title>', 'ns', [
      { id: 'net', label: 'x & y', median: 1, min: 1, max: 1 },
    ]);
    expect(chart.svg).toContain('x &amp; y');
    expect(chart.svg).not.toContain('<title><title>');
  });

  it('draw one line per mode, one bar per row, one mark per target', () => {
    const points = [
      { percentile: 50, value: 20_000 },
      { percentile: 99, value: 40_000 },
      { percentile: 100, value: 90_000 },
    ];
    const lines = percentileChart('t', [
      { id: 'net', label: 'net', points },
      { id: 'off', label: 'off', points },
    ]);
    expect(lines.svg.match(/<polyline/g)).toHaveLength(2);
    const bars = barChart('t', 'B/s', [
      { id: 'net', label: 'net', median: 2e9, min: 1.9e9, max: 2.1e9 },
      { id: 'off', label: 'off', median: Number.NaN, min: Number.NaN, max: Number.NaN },
    ]);
    expect(bars.svg.match(/<rect x="200"/g)).toHaveLength(1);
    expect(bars.svg).toContain('not measured');
    const marks = targetChart('t', [
      {
        label: 'a',
        comparison: '<=',
        threshold: 1.02,
        ratio: { min: 1, median: 1.01, max: 1.03 },
        verdict: 'pass',
      },
      { label: 'b', comparison: '>=', threshold: 0.95, ratio: null, verdict: 'n/a' },
    ]);
    expect(marks.svg.match(/<circle/g)).toHaveLength(1);
    expect(marks.svg).toContain('PASS');
    expect(marks.svg).toContain('N/A');
  });
});

describe('HTML and SVG reports', () => {
  const result = fixtureResult();

  it('has charts for targets, latency distributions, throughput, connections and call cost', () => {
    expect(reportCharts(result).map((c) => c.heading)).toEqual([
      'Targets',
      'title of pingpong-1B',
      'title of pingpong-4KiB',
      'title of throughput',
      'title of connection-rate',
      'Connection setup latency',
      'title of call-cost',
    ]);
  });

  it('is one self-contained HTML document with the verdicts, the states and the machine', () => {
    const html = renderHtml(result);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link |src="http|href="http/);
    expect(html.match(/<svg /g)?.length).toBe(7);
    expect(html).toContain('2 targets MISSED in this run (4 met).');
    expect(html).toContain(
      '<td class="miss">MISS</td><td>fast path off vs node:net, round trip p50, 4 KiB</td><td><code>net</code> (node:net TCP)</td>',
    );
    expect(html).toContain(
      '<td class="na">N/A</td><td>loopfast (ffi backend) vs node:net Unix socket, round trip p50, 1 B</td><td><code>unix</code> (node:net Unix socket)</td><td class="num">-</td><td class="num">≤ 1.03</td><td>not applicable: on-ffi did not go over the unix-rendezvous shortcut',
    );
    expect(html).toContain('<b>unsupported</b>');
    expect(html).toContain('Test CPU');
    expect(html).toContain('ceiling &lt;&amp;&gt;');
  });

  it('shows the fast-path-on modes against the unix ceiling beside the ratios to node:net', () => {
    const html = renderHtml(result);
    const ceiling = html.slice(html.indexOf('<h2>Fast path on: ratio to the node:net Unix socket'));
    expect(ceiling).toMatch(/^<h2>Fast path on: ratio to the node:net Unix socket ceiling<\/h2>/);
    const table = ceiling.slice(0, ceiling.indexOf('</table>'));
    expect(table.match(/<tr><td>/g)).toHaveLength(2);
    expect(table).toContain('loopfast on (napi)');
    expect(table).not.toContain('loopfast off');
    // round trip 1 B 1.020, 4 KiB 1.000, throughput 0.990, connections/s 0.738, setup p50 1.597,
    // next to the state the mode reported, so a reader sees whether the shortcut carried them.
    expect(table).toMatch(
      /loopfast on \(ffi\)<\/td><td>unsupported<\/td><td class="num ">1\.020<\/td><td class="num ">1\.000<\/td><td class="num ">0\.990<\/td><td class="num worse">0\.738<\/td><td class="num worse">1\.597<\/td>/,
    );
    expect(html).toContain('<th>p50 vs unix</th><th>samples</th>');
    expect(html).toContain('<td class="num">(ceiling)</td>');
  });

  it('as SVG, stacks the charts under the verdict lines in one document', () => {
    const svg = renderSvg(result);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<svg /g)?.length).toBe(8);
    expect(svg).toContain(
      'MISS  fast path off vs node:net, round trip p50, 4 KiB (vs net): MISSED',
    );
    expect(svg).toContain(
      'N/A  loopfast (napi backend) vs node:net Unix socket, connection rate (vs unix): not applicable',
    );
    expect(svg).toContain("Targets: ratio against each target's baseline in the same round");
    // nested charts each get their own y offset
    const offsets = [...svg.matchAll(/<svg x="0" y="(\d+)"/g)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(7);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
  });
});

describe('the HTTP scenarios in the reports', () => {
  const result = withHttp();

  it('list the preload with its status, table requests/s against net and the ceiling', () => {
    const text = formatText(result);
    expect(text).toMatch(
      /preload\s+loopfast preload \(HTTP\)\s+enabled \/ enabled \/ enabled \(mechanism: unix-rendezvous\)\n/,
    );
    expect(text).toMatch(/requests\/s ratio\s+requests\/s vs unix\n/);
    expect(text).toMatch(/preload .*1\.470 \[1\.470-1\.470\]\s+0\.980 \[0\.980-0\.980\]\n/);
    expect(text).toMatch(
      /PASS {2}loopfast preload \(both processes\) vs http over a Unix socket, keep-alive requests\/s +vs unix {2}met: 0\.980 >= 0\.97 .*; 1\.47× node:net TCP\n/,
    );
    // fetch has no ceiling: its gain over TCP is its ratio column.
    const fetch = text.slice(text.indexOf('title of http-fetch'));
    expect(fetch).toMatch(/requests\/s ratio\n/);
    expect(fetch).toMatch(/preload .*1\.100 \[1\.100-1\.100\]\n/);
  });

  it('chart them and add them to the side-by-side matrix and the ceiling table', () => {
    expect(reportCharts(result).map((c) => c.heading)).toContain('title of http-new-connection');
    const html = renderHtml(result);
    expect(html).toContain(
      '<th>HTTP keep-alive</th><th>HTTP new connection</th><th>HTTP fetch</th>',
    );
    const ceiling = html.slice(html.indexOf('<h2>Fast path on: ratio to the node:net Unix socket'));
    const table = ceiling.slice(0, ceiling.indexOf('</table>'));
    expect(table).toMatch(
      /loopfast preload \(HTTP\)<\/td><td>enabled \(mechanism: unix-rendezvous\)<\/td>(<td class="num">-<\/td>){5}<td class="num ">0\.980<\/td><td class="num worse">0\.800<\/td><td class="num">-<\/td>/,
    );
  });
});
