/**
 * Hand-written SVG charts for the report: a latency-by-percentile chart, horizontal bars with
 * min-max whiskers, and a target chart of ratios against their thresholds. Each returns a
 * complete `<svg>` element with its size, so the HTML report can inline it and the SVG report
 * can stack several.
 *
 * @module
 */
import { formatRatio, formatValue } from './format.js';
import type { MetricUnit } from './results.js';
import type { PercentilePoint } from './stats.js';

/** A finished chart. */
export interface Chart {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

/** Escapes text for SVG and HTML. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Colors per mode and backend: the baseline blue, loopfast modes warm, the ceiling grey. */
export const COLORS: Readonly<Record<string, string>> = {
  net: '#3b6ea8',
  off: '#e1812c',
  'on-ffi': '#3a923a',
  'on-napi': '#c03d3e',
  unix: '#7f7f7f',
  preload: '#8c5fb0',
  ffi: '#3a923a',
  napi: '#c03d3e',
};

/** The color of a mode or backend. */
export function colorOf(id: string): string {
  return COLORS[id] ?? '#555555';
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12"';

function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" ${FONT}><title>${escapeXml(title)}</title><rect width="${width}" height="${height}" fill="#ffffff"/>`;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

/** Where a percentile sits on a "nines" axis: 90 -> 1, 99 -> 2, 99.9 -> 3; 100 (the maximum) is put half a nine past the last finite one. */
export function ninesPosition(percentile: number, maxPosition: number): number {
  if (percentile >= 100) return maxPosition;
  return -Math.log10(1 - percentile / 100);
}

/** A latency tick label without needless zeros: `20 µs`, `5 ms`, `500 ns`. */
export function formatTick(ns: number): string {
  return formatValue(ns, 'ns').replace(/\.0+ /, ' ');
}

/** Ticks 1, 2, 5 times powers of ten within `[low, high]`. */
export function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  if (!(low > 0) || !(high > low)) return ticks;
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
    for (const step of [1, 2, 5]) {
      const value = step * 10 ** power;
      if (value >= low && value <= high) ticks.push(value);
    }
  }
  return ticks;
}

/** One line of a percentile chart. */
export interface PercentileSeries {
  readonly id: string;
  readonly label: string;
  readonly points: readonly PercentilePoint[];
}

/**
 * Latency by percentile, one line per mode: x on a "nines" scale (p50, p90, p99, p99.9, ...),
 * y logarithmic, so the median and the far tail read on one chart.
 */
export function percentileChart(title: string, series: readonly PercentileSeries[]): Chart {
  const width = 800;
  const height = 330;
  const left = 70;
  const right = 230;
  const top = 34;
  const bottom = 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const finiteNines = series.flatMap((s) =>
    s.points.filter((p) => p.percentile < 100).map((p) => ninesPosition(p.percentile, 0)),
  );
  const lastNine = Math.max(2, ...finiteNines);
  const maxX = lastNine + 0.6;
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => v > 0);
  const low = values.length > 0 ? Math.min(...values) / 1.25 : 1;
  const high = values.length > 0 ? Math.max(...values) * 1.25 : 10;
  const x = (position: number) => left + (position / maxX) * plotW;
  const y = (value: number) =>
    top +
    plotH -
    ((Math.log10(Math.max(value, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) *
      plotH;
  const parts: string[] = [svgOpen(width, height, title)];
  parts.push(text(left, 20, title, 'font-weight="600" font-size="14"'));
  // grid and y labels
  for (const tick of logTicks(low, high)) {
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#e4e4e4"/>`,
    );
    parts.push(text(left - 6, y(tick) + 4, formatTick(tick), 'text-anchor="end" fill="#444"'));
  }
  const xTicks: [number, string][] = [
    [50, 'p50'],
    [90, 'p90'],
    [99, 'p99'],
    [99.9, 'p99.9'],
    [99.99, 'p99.99'],
  ];
  for (const [p, label] of xTicks) {
    const position = ninesPosition(p, maxX);
    if (position > lastNine + 1e-9) continue;
    parts.push(
      `<line x1="${n(x(position))}" x2="${n(x(position))}" y1="${top}" y2="${top + plotH}" stroke="#e4e4e4"/>`,
    );
    parts.push(text(x(position), top + plotH + 16, label, 'text-anchor="middle" fill="#444"'));
  }
  parts.push(text(x(maxX), top + plotH + 16, 'max', 'text-anchor="middle" fill="#444"'));
  parts.push(
    text(
      left + plotW / 2,
      height - 8,
      'percentile of round trips (log scale of nines); latency on a log scale',
      'text-anchor="middle" fill="#666"',
    ),
  );
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  series.forEach((s, index) => {
    const color = colorOf(s.id);
    const coordinates = s.points.map(
      (p) => `${n(x(ninesPosition(p.percentile, maxX)))},${n(y(p.value))}`,
    );
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${coordinates.join(' ')}"/>`,
    );
    for (const p of s.points) {
      parts.push(
        `<circle cx="${n(x(ninesPosition(p.percentile, maxX)))}" cy="${n(y(p.value))}" r="2.5" fill="${color}"><title>${escapeXml(`${s.label}: p${p.percentile} ${formatValue(p.value, 'ns')}`)}</title></circle>`,
      );
    }
    const ly = top + 8 + index * 20;
    parts.push(`<rect x="${left + plotW + 14}" y="${ly}" width="14" height="4" fill="${color}"/>`);
    parts.push(text(left + plotW + 34, ly + 6, s.label));
  });
  parts.push('</svg>');
  return { svg: parts.join(''), width, height };
}

/** One bar: the median, with the min-max range over rounds as a whisker. */
export interface Bar {
  readonly id: string;
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Text after the value, such as the ratio against the baseline. */
  readonly note?: string;
}

/**
 * Horizontal bars of medians with min-max whiskers over rounds, and a dashed line at the first
 * bar (the baseline) so every other bar reads against it.
 */
export function barChart(
  title: string,
  unit: MetricUnit,
  bars: readonly Bar[],
  subtitle = '',
): Chart {
  const width = 760;
  const rowH = 30;
  const top = subtitle ? 48 : 34;
  const left = 200;
  const right = 210;
  const plotW = width - left - right;
  const height = top + bars.length * rowH + 34;
  const maxValue = Math.max(1e-9, ...bars.map((bar) => (Number.isFinite(bar.max) ? bar.max : 0)));
  const scale = (value: number) => left + (Math.max(0, value) / (maxValue * 1.08)) * plotW;
  const parts: string[] = [svgOpen(width, height, title)];
  parts.push(text(12, 20, title, 'font-weight="600" font-size="14"'));
  if (subtitle) parts.push(text(12, 38, subtitle, 'fill="#666"'));
  const plotBottom = top + bars.length * rowH;
  parts.push(`<line x1="${left}" x2="${left}" y1="${top - 4}" y2="${plotBottom}" stroke="#999"/>`);
  bars.forEach((bar, index) => {
    const yMid = top + index * rowH + rowH / 2;
    const color = colorOf(bar.id);
    parts.push(text(left - 8, yMid + 4, bar.label, 'text-anchor="end"'));
    if (!Number.isFinite(bar.median)) {
      parts.push(text(left + 6, yMid + 4, 'not measured', 'fill="#999"'));
      return;
    }
    parts.push(
      `<rect x="${left}" y="${n(yMid - 9)}" width="${n(scale(bar.median) - left)}" height="18" fill="${color}" fill-opacity="0.85"><title>${escapeXml(`${bar.label}: median ${formatValue(bar.median, unit)}, min ${formatValue(bar.min, unit)}, max ${formatValue(bar.max, unit)}`)}</title></rect>`,
    );
    parts.push(
      `<line x1="${n(scale(bar.min))}" x2="${n(scale(bar.max))}" y1="${n(yMid)}" y2="${n(yMid)}" stroke="#222" stroke-width="1.5"/>`,
    );
    for (const end of [bar.min, bar.max])
      parts.push(
        `<line x1="${n(scale(end))}" x2="${n(scale(end))}" y1="${n(yMid - 5)}" y2="${n(yMid + 5)}" stroke="#222" stroke-width="1.5"/>`,
      );
    parts.push(
      text(
        left + plotW + 12,
        yMid + 4,
        `${formatValue(bar.median, unit)}${bar.note ? `  ${bar.note}` : ''}`,
      ),
    );
  });
  const first = bars[0];
  if (first && Number.isFinite(first.median)) {
    const bx = scale(first.median);
    parts.push(
      `<line x1="${n(bx)}" x2="${n(bx)}" y1="${top - 4}" y2="${plotBottom}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(
    text(
      left,
      plotBottom + 20,
      'bar: median over rounds; whisker: min to max; dashed: the first row',
      'fill="#666"',
    ),
  );
  parts.push('</svg>');
  return { svg: parts.join(''), width, height };
}

/** One target on the target chart. */
export interface TargetMark {
  readonly label: string;
  readonly comparison: '<=' | '>=';
  readonly threshold: number;
  /** `null` when there is none: not measured, or not applicable. */
  readonly ratio: { readonly min: number; readonly median: number; readonly max: number } | null;
  readonly verdict: 'pass' | 'miss' | 'n/a';
}

/**
 * Each target's ratio (median dot, min-max whisker) on a common axis around 1, with its threshold
 * and the failing side shaded: a miss is as visible as a pass.
 */
export function targetChart(title: string, marks: readonly TargetMark[]): Chart {
  const rowH = 32;
  const top = 40;
  // Room for the longest label at about 6.2 px a character, so no description runs into the plot.
  const longest = Math.max(0, ...marks.map((mark) => [...mark.label].length));
  const left = Math.max(330, Math.ceil(longest * 6.2) + 20);
  const right = 90;
  const plotW = 340;
  const width = left + plotW + right;
  const height = top + marks.length * rowH + 40;
  const values = marks.flatMap((m) =>
    m.ratio ? [m.ratio.min, m.ratio.max, m.threshold] : [m.threshold],
  );
  const low = Math.min(0.9, ...values) - 0.02;
  const high = Math.max(1.1, ...values) + 0.02;
  const x = (value: number) => left + ((value - low) / (high - low)) * plotW;
  const parts: string[] = [svgOpen(width, height, title)];
  parts.push(text(12, 20, title, 'font-weight="600" font-size="14"'));
  const plotBottom = top + marks.length * rowH;
  const step =
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10].find((s) => (high - low) / s <= 10) ?? 20;
  for (let tick = Math.ceil(low / step) * step; tick <= high + 1e-9; tick += step) {
    parts.push(
      `<line x1="${n(x(tick))}" x2="${n(x(tick))}" y1="${top - 6}" y2="${plotBottom}" stroke="${Math.abs(tick - 1) < 1e-9 ? '#888' : '#eee'}"/>`,
    );
    parts.push(
      text(
        x(tick),
        plotBottom + 16,
        tick.toFixed(step < 0.1 ? 2 : 1),
        'text-anchor="middle" fill="#444"',
      ),
    );
  }
  marks.forEach((mark, index) => {
    const y0 = top + index * rowH;
    const yMid = y0 + rowH / 2;
    const failFrom = mark.comparison === '<=' ? x(mark.threshold) : left;
    const failTo = mark.comparison === '<=' ? left + plotW : x(mark.threshold);
    parts.push(
      `<rect x="${n(failFrom)}" y="${n(y0 + 3)}" width="${n(failTo - failFrom)}" height="${rowH - 6}" fill="#c03d3e" fill-opacity="0.08"/>`,
    );
    parts.push(
      `<line x1="${n(x(mark.threshold))}" x2="${n(x(mark.threshold))}" y1="${n(y0 + 3)}" y2="${n(y0 + rowH - 3)}" stroke="#c03d3e" stroke-width="2"/>`,
    );
    parts.push(text(left - 8, yMid + 4, mark.label, 'text-anchor="end"'));
    const badge =
      mark.verdict === 'pass'
        ? ['PASS', '#2e7d32']
        : mark.verdict === 'miss'
          ? ['MISS', '#c62828']
          : ['N/A', '#777'];
    parts.push(
      text(left + plotW + 12, yMid + 4, badge[0] as string, `font-weight="700" fill="${badge[1]}"`),
    );
    if (mark.ratio === null) {
      parts.push(text(left + 6, yMid + 4, 'no ratio: see the note', 'fill="#999"'));
      return;
    }
    const r = mark.ratio;
    parts.push(
      `<line x1="${n(x(r.min))}" x2="${n(x(r.max))}" y1="${n(yMid)}" y2="${n(yMid)}" stroke="#222" stroke-width="1.5"/>`,
    );
    parts.push(
      `<circle cx="${n(x(r.median))}" cy="${n(yMid)}" r="5" fill="${badge[1]}"><title>${escapeXml(`${mark.label}: ${formatRatio(r.median)} (rounds ${formatRatio(r.min)}-${formatRatio(r.max)}); target ${mark.comparison} ${mark.threshold}`)}</title></circle>`,
    );
  });
  parts.push(
    text(
      12,
      plotBottom + 34,
      'dot: median of per-round ratios; whisker: min to max over rounds; red line: the target; shaded: its missing side',
      'fill="#666"',
    ),
  );
  parts.push('</svg>');
  return { svg: parts.join(''), width, height };
}
