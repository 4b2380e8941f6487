/**
 * The table (one row per test, one column per mode) and the summary of a suite run.
 *
 * @module
 */
import type { Mode, Outcome } from './run-test.js';
import { type Class, classify, type TestResult } from './suite.js';

/** One run as a table cell: `pass`, `fail(1)`, `fail(SIGABRT)` or `timeout`. */
export function cell(outcome: Outcome): string {
  if (outcome.verdict !== 'fail') return outcome.verdict;
  return `fail(${outcome.signal ?? outcome.code ?? '?'})`;
}

/** The table: a header, then each test with every run of each mode (`/` between runs). */
export function formatTable(results: readonly TestResult[], modes: readonly Mode[]): string {
  const width = Math.max(4, ...results.map((result) => result.name.length)) + 2;
  const columns = modes.map((mode) => (mode === 'plain' ? 'plain' : `--${mode}`));
  const lines = [`${'test'.padEnd(width)}${columns.map((c) => c.padEnd(24)).join('')}`.trimEnd()];
  for (const result of results) {
    const cells = modes.map((mode) => (result.runs[mode] ?? []).map(cell).join('/').padEnd(24));
    lines.push(`${result.name.padEnd(width)}${cells.join('')}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/** The line of a failed run's output that says most about why (an error, an assertion). */
export function reasonOf(outcome: Outcome): string {
  const lines = outcome.tail
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const telling = lines.find((line) =>
    /^(\w*Error|AssertionError|Assertion failed|Uncaught|Mismatched|TypeError|RangeError)\b|ERR_|\bcode: '/.test(
      line,
    ),
  );
  return (telling ?? lines.at(-1) ?? '').slice(0, 200);
}

/** The tests of each class in the preload `mode`. */
export function classes(
  results: readonly TestResult[],
  mode: Exclude<Mode, 'plain'>,
): Record<Class, TestResult[]> {
  const sorted: Record<Class, TestResult[]> = {
    same: [],
    'fails-plainly': [],
    'preload-only-failure': [],
    'flaky-through-preload': [],
  };
  for (const result of results) sorted[classify(result, mode)].push(result);
  return sorted;
}

/** The summary: how many ran, passed plainly, passed through the preload, and the exceptions. */
export function formatSummary(
  results: readonly TestResult[],
  modes: readonly Mode[],
  heading: string,
): string {
  const passingPlainly = results.filter(
    (result) => result.runs.plain?.[0]?.verdict === 'pass',
  ).length;
  const lines = [heading, `tests run: ${results.length}`, `passing plainly: ${passingPlainly}`];
  for (const mode of modes) {
    if (mode === 'plain') continue;
    const sorted = classes(results, mode);
    const passing = results.filter((result) => result.runs[mode]?.[0]?.verdict === 'pass').length;
    lines.push(
      `passing through the preload (--${mode}): ${passing}`,
      `failing only through the preload (--${mode}): ${sorted['preload-only-failure'].length}`,
    );
    for (const result of sorted['preload-only-failure']) {
      const run = result.runs[mode]?.[0] as Outcome;
      lines.push(`  ${result.name} ${cell(run)}: ${reasonOf(run)}`);
    }
    const flaky = sorted['flaky-through-preload'];
    if (flaky.length > 0) {
      lines.push(
        `flaky through the preload (--${mode}), passing plainly every time: ${flaky.map((r) => r.name).join(', ')}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
