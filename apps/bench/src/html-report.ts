/**
 * The report a person would rather look at than read: one self-contained HTML file (inline CSS,
 * inline SVG, no scripts, nothing fetched) with the verdicts on top, a side-by-side matrix of
 * ratios, the charts, the tables, and the machine. A `.svg` name gets the charts alone, stacked.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { formatRatio, formatRatioSummary, formatSpread, formatSummary } from './format.js';
import { CEILING, comparedWithCeiling, modeLabel } from './modes.js';
import {
  type BenchResult,
  ceilingRatio,
  hasCeiling,
  type ModeResult,
  type ScenarioResult,
  type TargetResult,
} from './results.js';
import type { Summary } from './stats.js';
import {
  barChart,
  type Chart,
  colorOf,
  escapeXml,
  percentileChart,
  targetChart,
} from './svg-charts.js';
import { ceilingCell, environmentLines, mechanismText } from './text-report.js';

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
        "Targets: ratio against each target's baseline in the same round",
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
    } else if (scenario.id.startsWith('http-')) {
      const { unit, bars } = seriesBars(scenario, 'perSecond');
      charts.push({
        heading: scenario.title,
        chart: barChart(scenario.title, unit, bars, PAIRED_HIGHER),
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

/** The baseline a target divides by, as `unix (node:net Unix socket)`. */
function baselineCell(target: TargetResult): string {
  if (target.baseline === null) return '-';
  const mode = modeLabel(target.baseline);
  return `<code>${escapeXml(target.baseline)}</code> (${escapeXml(mode)})`;
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
        `<tr><td class="${VERDICT_CLASS[t.verdict]}">${VERDICT_TEXT[t.verdict]}</td><td>${escapeXml(t.description)}</td><td>${baselineCell(t)}</td><td class="num">${t.ratio ? formatRatioSummary(t.ratio) : '-'}</td><td class="num">${t.comparison && t.threshold !== null ? `${t.comparison === '<=' ? '≤' : '≥'} ${t.threshold}` : '-'}</td><td>${escapeXml(t.note)}</td></tr>`,
    )
    .join('');
  return `<section><h2>Targets</h2>${headline}${chart}<table><tr><th>verdict</th><th>target</th><th>baseline</th><th>ratio median [min-max]</th><th>needs</th><th>in words</th></tr>${rows}</table><p class="note">A target is judged on the median of the per-round ratios, each a mode divided by the target's baseline measured in the same round. The Unix-socket shortcut's targets divide by the ${escapeXml(CEILING)} mode and apply only when client, server and accepted sockets all reported the shortcut enabled; beside their verdict is the same mode's gain over node:net TCP. This machine is shared: when the round range straddles the threshold, the verdict is within the run's noise.</p></section>`;
}

/** A headline figure of the matrix: one scenario's metric, and which way is better. */
interface MatrixColumn {
  readonly scenario: string;
  readonly key: string;
  readonly label: string;
  readonly better: 'lower' | 'higher';
}

const MATRIX_COLUMNS: readonly MatrixColumn[] = [
  { scenario: 'pingpong-1B', key: 'p50', label: 'round trip 1 B (p50)', better: 'lower' },
  { scenario: 'pingpong-4KiB', key: 'p50', label: 'round trip 4 KiB (p50)', better: 'lower' },
  { scenario: 'throughput', key: 'bytesPerSecond', label: 'throughput', better: 'higher' },
  { scenario: 'connection-rate', key: 'perSecond', label: 'connections/s', better: 'higher' },
  { scenario: 'connection-rate', key: 'setupP50', label: 'setup (p50)', better: 'lower' },
  { scenario: 'http-keep-alive', key: 'perSecond', label: 'HTTP keep-alive', better: 'higher' },
  {
    scenario: 'http-new-connection',
    key: 'perSecond',
    label: 'HTTP new connection',
    better: 'higher',
  },
  { scenario: 'http-fetch', key: 'perSecond', label: 'HTTP fetch', better: 'higher' },
];

/** A ratio cell, shaded when it is more than 2% better or worse than 1. */
function ratioCell(ratio: Summary | null | undefined, better: 'lower' | 'higher'): string {
  if (!ratio) return '<td class="num">-</td>';
  const good = better === 'lower' ? ratio.median < 0.98 : ratio.median > 1.02;
  const bad = better === 'lower' ? ratio.median > 1.02 : ratio.median < 0.98;
  return `<td class="num ${good ? 'better' : bad ? 'worse' : ''}">${formatRatio(ratio.median)}</td>`;
}

/**
 * The side-by-side matrix: each mode's headline ratios against node:net, shaded better or worse;
 * then, where the ceiling ran, the fast-path-on modes against it.
 */
function matrixSection(result: BenchResult): string {
  const columns = MATRIX_COLUMNS.filter((column) =>
    result.scenarios.some((s) => s.id === column.scenario),
  );
  const scenarioOf = (id: string): ScenarioResult | undefined =>
    result.scenarios.find((s) => s.id === id);
  const head = `<tr><th>mode</th><th>fast path (client)</th>${columns.map((c) => `<th>${escapeXml(c.label)}</th>`).join('')}</tr>`;
  const stateOf = (mode: ModeResult) =>
    mode.unavailable
      ? 'not run'
      : mode.client
        ? `${mode.client.state}${mechanismText(mode)}`
        : 'n/a (node:net)';
  const rows = result.modes
    .map((mode) => {
      const cells = columns
        .map((column) => {
          if (mode.id === 'net') return '<td class="num">1 (baseline)</td>';
          const series = scenarioOf(column.scenario)?.series.find((s) => s.id === mode.id);
          return ratioCell(series?.ratio?.[column.key], column.better);
        })
        .join('');
      return `<tr><td>${swatch(mode.id)}${escapeXml(mode.label)}</td><td>${escapeXml(stateOf(mode))}</td>${cells}</tr>`;
    })
    .join('');
  const ceilingRan = result.scenarios.some(hasCeiling);
  const ceilingRows = ceilingRan
    ? result.modes
        .filter((mode) => comparedWithCeiling(mode.id))
        .map((mode) => {
          const cells = columns
            .map((column) => {
              const scenario = scenarioOf(column.scenario);
              const ratio = scenario ? ceilingRatio(scenario, mode.id, column.key) : null;
              return ratioCell(ratio, column.better);
            })
            .join('');
          return `<tr><td>${swatch(mode.id)}${escapeXml(mode.label)}</td><td>${escapeXml(stateOf(mode))}</td>${cells}</tr>`;
        })
        .join('')
    : '';
  const ceilingTable = ceilingRan
    ? `<h2>Fast path on: ratio to the ${escapeXml(modeLabel(CEILING))} ceiling</h2><table>${head}${ceilingRows}</table><p class="note">The same ratios with the ${escapeXml(CEILING)} mode of the same round as the divisor: about 1 where the Unix-socket shortcut carries the connection, far from it where the mode is still TCP.</p>`
    : '';
  return `<section><h2>Side by side: ratio to node:net TCP</h2><table>${head}${rows}</table><p class="note">Median of per-round ratios. Green: more than 2% better than node:net; red: more than 2% worse. For latency lower is better, for rates higher. The Unix-socket row is the ceiling a Unix-domain shortcut could reach on this machine.</p>${ceilingTable}</section>`;
}

function modesSection(result: BenchResult): string {
  const side = (status: { state: string; reason: string } | null) =>
    status === null ? '-' : `<b>${escapeXml(status.state)}</b>`;
  const rows = result.modes
    .map(
      (mode) =>
        `<tr><td>${swatch(mode.id)}<code>${mode.id}</code></td><td>${escapeXml(mode.description)}</td><td>${mode.unavailable ? `not run: ${escapeXml(mode.unavailable)}` : `${side(mode.client)} / ${side(mode.server)} / ${side(mode.accepted)}${escapeXml(mechanismText(mode))}`}</td><td>${escapeXml(mode.client?.reason ?? '')}</td></tr>`,
    )
    .join('');
  return `<section><h2>Modes and fast-path status</h2><table><tr><th>mode</th><th>what</th><th>fastPathInfo: client / server / accepted</th><th>reason (client)</th></tr>${rows}</table></section>`;
}

function scenarioTable(scenario: ScenarioResult): string {
  const ratioMetrics = scenario.metrics.filter((m) => m.key !== 'p999');
  const primaryLabel = scenario.metrics[0]?.label;
  const ceiling = primaryLabel !== undefined && hasCeiling(scenario);
  const ceilingHead = ceiling ? `<th>${escapeXml(`${primaryLabel} vs ${CEILING}`)}</th>` : '';
  const head = `<tr><th>mode</th>${scenario.metrics.map((m) => `<th>${escapeXml(m.label)}</th>`).join('')}<th>noise</th>${ratioMetrics.map((m) => `<th>${escapeXml(m.label)} ratio</th>`).join('')}${ceilingHead}<th>samples</th></tr>`;
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
      const toCeiling = ceiling
        ? `<td class="num">${escapeXml(ceilingCell(scenario, series.id))}</td>`
        : '';
      return `<tr><td class="id">${swatch(series.id)}${escapeXml(series.id)}${failed}</td>${values}<td class="num">${spread === undefined ? '-' : formatSpread(spread)}</td>${ratios}${toCeiling}<td class="num">${series.samples}</td></tr>`;
    })
    .join('');
  const ceilingNote = ceiling
    ? ` The last ratio divides the fast-path-on modes by ${escapeXml(CEILING)}, the ceiling, in the same round.`
    : '';
  return `<table>${head}${rows}</table><p class="note">Figures: median [min-max] over rounds. Ratios: median [min-max] of the per-round ratios against ${escapeXml(scenario.baseline)} (paired by round, so they can differ from the ratio of the medians).${ceilingNote} Noise: (max - min) / median of the first figure. Method: ${escapeXml(scenario.method)}.</p>`;
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
    ...result.targets.map(
      (t) =>
        `${VERDICT_TEXT[t.verdict]}  ${t.description}${t.baseline === null ? '' : ` (vs ${t.baseline})`}: ${t.note}`,
    ),
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
