/**
 * The report a person would rather look at than read: one self-contained HTML file (inline CSS,
 * inline SVG, no scripts, nothing fetched) with the verdicts on top, a side-by-side matrix of
 * ratios, the charts, the tables, and the machine. A `.svg` name gets the charts alone, stacked.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { formatRatio, formatRatioSummary, formatSpread, formatSummary } from './format.js';
import type { BenchResult, ScenarioResult, SeriesResult } from './results.js';
import {
  barChart,
  type Chart,
  colorOf,
  escapeXml,
  percentileChart,
  targetChart,
} from './svg-charts.js';
import { environmentLines } from './text-report.js';

/** A chart with the heading it goes under. */
export interface ReportChart {
  readonly heading: string;
  readonly chart: Chart;
}

function seriesBars(scenario: ScenarioResult, key: string) {
  const unit = scenario.metrics.find((metric) => metric.key === key)?.unit ?? 'ns';
  return {
    unit,
    bars: scenario.series.map((series) => {
      const summary = series.summary[key];
      const ratio = series.ratio?.[key];
      return {
        id: series.id,
        label: series.label,
        median: summary?.median ?? Number.NaN,
        min: summary?.min ?? Number.NaN,
        max: summary?.max ?? Number.NaN,
        note: ratio
          ? `×${formatRatio(ratio.median)}`
          : series.id === scenario.baseline
            ? 'baseline'
            : '',
      };
    }),
  };
}

const PAIRED_HIGHER = 'higher is better; ×: median of per-round ratios against node:net';
const PAIRED_LOWER = 'lower is better; ×: median of per-round ratios against node:net';

/** Every chart of a run, in report order. */
export function reportCharts(result: BenchResult): ReportChart[] {
  const charts: ReportChart[] = [];
  const judged = result.targets.filter((target) => target.threshold !== null);
  if (judged.length > 0)
    charts.push({
      heading: 'Targets',
      chart: targetChart(
        'Targets: ratio against node:net in the same round',
        judged.map((target) => ({
          label: target.description,
          comparison: target.comparison ?? '<=',
          threshold: target.threshold ?? 1,
          ratio: target.ratio,
          verdict: target.verdict,
        })),
      ),
    });
  for (const scenario of result.scenarios) {
    if (scenario.id.startsWith('pingpong')) {
      charts.push({
        heading: scenario.title,
        chart: percentileChart(
          `${scenario.title}: latency distribution, all rounds pooled`,
          scenario.series
            .filter((series) => series.distribution !== null && series.distribution.length > 0)
            .map((series) => ({
              id: series.id,
              label: series.label,
              points: series.distribution ?? [],
            })),
        ),
      });
    } else if (scenario.id === 'throughput') {
      const { unit, bars } = seriesBars(scenario, 'bytesPerSecond');
      charts.push({
        heading: scenario.title,
        chart: barChart(scenario.title, unit, bars, PAIRED_HIGHER),
      });
    } else if (scenario.id === 'connection-rate') {
      const rate = seriesBars(scenario, 'perSecond');
      charts.push({
        heading: scenario.title,
        chart: barChart(
          'Connection rate (connect, one exchange, close)',
          rate.unit,
          rate.bars,
          PAIRED_HIGHER,
        ),
      });
      const setup = seriesBars(scenario, 'setupP50');
      charts.push({
        heading: 'Connection setup latency',
        chart: barChart(
          'Connection setup latency, p50 (connect() to the connect event)',
          setup.unit,
          setup.bars,
          PAIRED_LOWER,
        ),
      });
    } else if (scenario.id === 'call-cost') {
      const { unit, bars } = seriesBars(scenario, 'nsPerCall');
      charts.push({
        heading: scenario.title,
        chart: barChart(
          'Backend call cost: ns per getSocketOption(SO_RCVBUF)',
          unit,
          bars,
          'lower is better; ×: median of per-round ratios against ffi',
        ),
      });
    }
  }
  return charts;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f6f4;color:#1d1d1d}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px}
.sub{color:#555;margin:0 0 16px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px 16px;margin:14px 0}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#fafafa;font-weight:600}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
td.id{white-space:nowrap}
.pass{color:#2e7d32;font-weight:700}.miss{color:#c62828;font-weight:700}.na{color:#777;font-weight:700}
.better{background:#e8f5e9}.worse{background:#fdecea}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.chart{overflow-x:auto;margin:8px 0}
pre{font-size:12px;white-space:pre-wrap;margin:0}
.note{color:#555;font-size:13px}
`;

const VERDICT_CLASS = { pass: 'pass', miss: 'miss', 'n/a': 'na' } as const;
const VERDICT_TEXT = { pass: 'PASS', miss: 'MISS', 'n/a': 'N/A' } as const;

function swatch(id: string): string {
  return `<span class="swatch" style="background:${colorOf(id)}"></span>`;
}

function targetsSection(result: BenchResult, chart: string): string {
  const missed = result.targets.filter((t) => t.verdict === 'miss').length;
  const passed = result.targets.filter((t) => t.verdict === 'pass').length;
  const headline =
    missed > 0
      ? `<p class="miss">${missed} target${missed === 1 ? '' : 's'} MISSED in this run (${passed} met).</p>`
      : `<p class="pass">Every measured target met (${passed}).</p>`;
  const rows = result.targets
    .map(
      (t) =>
        `<tr><td class="${VERDICT_CLASS[t.verdict]}">${VERDICT_TEXT[t.verdict]}</td><td>${escapeXml(t.description)}</td><td class="num">${t.ratio ? formatRatioSummary(t.ratio) : '-'}</td><td class="num">${t.comparison && t.threshold !== null ? `${t.comparison === '<=' ? '≤' : '≥'} ${t.threshold}` : '-'}</td><td>${escapeXml(t.note)}</td></tr>`,
    )
    .join('');
  return `<section><h2>Targets</h2>${headline}${chart}<table><tr><th>verdict</th><th>target</th><th>ratio median [min-max]</th><th>needs</th><th>in words</th></tr>${rows}</table><p class="note">A target is judged on the median of the per-round ratios, each a mode divided by node:net measured in the same round. This machine is shared: when the round range straddles the threshold, the verdict is within the run's noise.</p></section>`;
}

/** The side-by-side matrix: each mode's headline ratios against node:net, shaded better or worse. */
function matrixSection(result: BenchResult): string {
  const all: { scenario: string; key: string; label: string; better: 'lower' | 'higher' }[] = [
    { scenario: 'pingpong-1B', key: 'p50', label: 'round trip 1 B (p50)', better: 'lower' },
    { scenario: 'pingpong-4KiB', key: 'p50', label: 'round trip 4 KiB (p50)', better: 'lower' },
    { scenario: 'throughput', key: 'bytesPerSecond', label: 'throughput', better: 'higher' },
    { scenario: 'connection-rate', key: 'perSecond', label: 'connections/s', better: 'higher' },
    { scenario: 'connection-rate', key: 'setupP50', label: 'setup (p50)', better: 'lower' },
  ];
  const columns = all.filter((column) => result.scenarios.some((s) => s.id === column.scenario));
  const seriesOf = (scenario: string, mode: string): SeriesResult | undefined =>
    result.scenarios.find((s) => s.id === scenario)?.series.find((s) => s.id === mode);
  const rows = result.modes
    .map((mode) => {
      const state = mode.unavailable
        ? 'not run'
        : mode.client
          ? mode.client.state
          : 'n/a (node:net)';
      const cells = columns
        .map((column) => {
          const series = seriesOf(column.scenario, mode.id);
          if (mode.id === 'net') return '<td class="num">1 (baseline)</td>';
          const ratio = series?.ratio?.[column.key];
          if (!ratio) return '<td class="num">-</td>';
          const good = column.better === 'lower' ? ratio.median < 0.98 : ratio.median > 1.02;
          const bad = column.better === 'lower' ? ratio.median > 1.02 : ratio.median < 0.98;
          return `<td class="num ${good ? 'better' : bad ? 'worse' : ''}">${formatRatio(ratio.median)}</td>`;
        })
        .join('');
      return `<tr><td>${swatch(mode.id)}${escapeXml(mode.label)}</td><td>${escapeXml(state)}</td>${cells}</tr>`;
    })
    .join('');
  return `<section><h2>Side by side: ratio to node:net TCP</h2><table><tr><th>mode</th><th>fast path (client)</th>${columns.map((c) => `<th>${escapeXml(c.label)}</th>`).join('')}</tr>${rows}</table><p class="note">Median of per-round ratios. Green: more than 2% better than node:net; red: more than 2% worse. For latency lower is better, for rates higher. The Unix-socket row is the ceiling a Unix-domain shortcut could reach on this machine.</p></section>`;
}

function modesSection(result: BenchResult): string {
  const side = (status: { state: string; reason: string } | null) =>
    status === null ? '-' : `<b>${escapeXml(status.state)}</b>`;
  const rows = result.modes
    .map(
      (mode) =>
        `<tr><td>${swatch(mode.id)}<code>${mode.id}</code></td><td>${escapeXml(mode.description)}</td><td>${mode.unavailable ? `not run: ${escapeXml(mode.unavailable)}` : `${side(mode.client)} / ${side(mode.server)} / ${side(mode.accepted)}`}</td><td>${escapeXml(mode.client?.reason ?? '')}</td></tr>`,
    )
    .join('');
  return `<section><h2>Modes and fast-path status</h2><table><tr><th>mode</th><th>what</th><th>fastPathInfo: client / server / accepted</th><th>reason (client)</th></tr>${rows}</table></section>`;
}

function scenarioTable(scenario: ScenarioResult): string {
  const ratioMetrics = scenario.metrics.filter((m) => m.key !== 'p999');
  const head = `<tr><th>mode</th>${scenario.metrics.map((m) => `<th>${escapeXml(m.label)}</th>`).join('')}<th>noise</th>${ratioMetrics.map((m) => `<th>${escapeXml(m.label)} ratio</th>`).join('')}<th>samples</th></tr>`;
  const rows = scenario.series
    .map((series) => {
      const primary = scenario.metrics[0];
      const spread = primary ? series.summary[primary.key]?.spread : undefined;
      const failed = series.error
        ? ` <span class="miss">failed: ${escapeXml(series.error)}</span>`
        : '';
      const values = scenario.metrics
        .map(
          (m) => `<td class="num">${escapeXml(formatSummary(series.summary[m.key], m.unit))}</td>`,
        )
        .join('');
      const ratios = ratioMetrics
        .map(
          (m) =>
            `<td class="num">${series.id === scenario.baseline ? 'baseline' : escapeXml(formatRatioSummary(series.ratio?.[m.key]))}</td>`,
        )
        .join('');
      return `<tr><td class="id">${swatch(series.id)}${escapeXml(series.id)}${failed}</td>${values}<td class="num">${spread === undefined ? '-' : formatSpread(spread)}</td>${ratios}<td class="num">${series.samples}</td></tr>`;
    })
    .join('');
  return `<table>${head}${rows}</table><p class="note">Figures: median [min-max] over rounds. Ratios: median [min-max] of the per-round ratios against ${escapeXml(scenario.baseline)} (paired by round, so they can differ from the ratio of the medians). Noise: (max - min) / median of the first figure. Method: ${escapeXml(scenario.method)}.</p>`;
}

/** The whole run as one self-contained HTML document. */
export function renderHtml(result: BenchResult): string {
  const charts = reportCharts(result);
  const chartsFor = (headings: string[]) =>
    charts
      .filter((c) => headings.includes(c.heading))
      .map((c) => `<div class="chart">${c.chart.svg}</div>`)
      .join('');
  const scenarioSections = result.scenarios
    .map((scenario) => {
      const headings = [
        scenario.title,
        ...(scenario.id === 'connection-rate' ? ['Connection setup latency'] : []),
      ];
      return `<section><h2>${escapeXml(scenario.title)}</h2>${chartsFor(headings)}${scenarioTable(scenario)}</section>`;
    })
    .join('');
  const failures =
    result.errors.length > 0
      ? `<section><h2 class="miss">Failures</h2><ul>${result.errors.map((e) => `<li>${escapeXml(e)}</li>`).join('')}</ul></section>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>loopfast bench ${escapeXml(result.startedAt)}</title><style>${CSS}</style></head>
<body><main>
<h1>loopfast bench</h1>
<p class="sub">${escapeXml(result.config.preset)} run, ${result.config.rounds} rounds of ${result.config.slices} turns per mode, ${escapeXml(result.startedAt)}, ${result.wallSeconds.toFixed(1)} s. Client and server in separate processes; the modes take turns in alternating order within every round; each figure is the median over rounds with its min and max.</p>
${targetsSection(result, chartsFor(['Targets']))}
${matrixSection(result)}
${modesSection(result)}
${scenarioSections}
${failures}
<section><h2>Machine</h2><pre>${escapeXml(environmentLines(result).join('\n'))}</pre></section>
</main></body></html>
`;
}

/** The charts alone, stacked into one SVG document, with a title line and the verdicts. */
export function renderSvg(result: BenchResult): string {
  const charts = reportCharts(result);
  const width = Math.max(760, ...charts.map((c) => c.chart.width));
  const lines = [
    `loopfast bench, ${result.config.preset}, ${result.startedAt}`,
    ...result.targets.map((t) => `${VERDICT_TEXT[t.verdict]}  ${t.description}: ${t.note}`),
  ];
  let y = 14 + lines.length * 18;
  const header = lines
    .map(
      (line, i) =>
        `<text x="12" y="${24 + i * 18}"${i === 0 ? ' font-weight="600" font-size="15"' : ''}>${escapeXml(line)}</text>`,
    )
    .join('');
  const body = charts
    .map((c) => {
      const placed = c.chart.svg.replace('<svg ', `<svg x="0" y="${y}" `);
      y += c.chart.height + 12;
      return placed;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, sans-serif" font-size="12"><rect width="${width}" height="${y}" fill="#f6f6f4"/>${header}${body}</svg>
`;
}

/** Writes the report to `file`: SVG for a `.svg` name, HTML otherwise. */
export function writeReport(result: BenchResult, file: string): void {
  writeFileSync(file, file.toLowerCase().endsWith('.svg') ? renderSvg(result) : renderHtml(result));
}
