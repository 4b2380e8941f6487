/**
 * Runs a set of Node's tests in each mode with bounded parallelism, and classifies each test:
 * a test that fails through the preload but passes plainly is run again (plainly and through
 * the preload, `confirm` more times) so a flaky test is told from one the preload breaks.
 *
 * @module
 */
import { type Mode, type Outcome, type RunSettings, runTest } from './run-test.js';
import type { TestFile } from './tests.js';

/** Every run of one test in one mode: the first, then the confirmations. */
export type Runs = readonly Outcome[];

/** One test's runs in each mode asked for. */
export interface TestResult {
  readonly name: string;
  readonly flags: readonly string[];
  readonly runs: Partial<Record<Mode, Runs>>;
}

/** How a test fared through the preload in one mode, against its plain runs. */
export type Class =
  /** Passes plainly and through the preload. */
  | 'same'
  /** Fails plainly (at least once): not a question the preload can answer. */
  | 'fails-plainly'
  /** Passes plainly every time, fails through the preload every time. */
  | 'preload-only-failure'
  /** Passes plainly every time, and through the preload only sometimes. */
  | 'flaky-through-preload';

/** The class of `result` in the preload `mode`. */
export function classify(result: TestResult, mode: Exclude<Mode, 'plain'>): Class {
  const plain = result.runs.plain ?? [];
  const preloaded = result.runs[mode] ?? [];
  if (plain.length === 0 || plain.some((run) => run.verdict !== 'pass')) return 'fails-plainly';
  if (preloaded.every((run) => run.verdict === 'pass')) return 'same';
  return preloaded.some((run) => run.verdict === 'pass')
    ? 'flaky-through-preload'
    : 'preload-only-failure';
}

/** What a suite run needs. */
export interface SuiteSettings extends RunSettings {
  /** The modes to run, `plain` first. */
  readonly modes: readonly Mode[];
  /** How many tests run at once. */
  readonly parallel: number;
  /** How many more times a test failing only through the preload is run, each way. */
  readonly confirm: number;
  /** Called after each run, for progress. */
  readonly onRun?: (test: TestFile, mode: Mode, outcome: Outcome) => void;
}

interface Job {
  readonly test: TestFile;
  readonly mode: Mode;
  readonly result: { runs: Partial<Record<Mode, Outcome[]>> };
}

/** Runs `jobs` with at most `parallel` at once; each worker keeps its slot number. */
async function drain(jobs: Job[], settings: SuiteSettings): Promise<void> {
  let next = 0;
  const worker = async (slot: number) => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      const outcome = await runTest(job.test, job.mode, slot, settings);
      const runs = job.result.runs[job.mode] ?? [];
      runs.push(outcome);
      job.result.runs[job.mode] = runs;
      settings.onRun?.(job.test, job.mode, outcome);
    }
  };
  await Promise.all(Array.from({ length: settings.parallel }, (_, slot) => worker(slot)));
}

/** Runs every test in every mode, then the confirmations; results in the tests' order. */
export async function runSuite(
  tests: readonly TestFile[],
  settings: SuiteSettings,
): Promise<TestResult[]> {
  const results = tests.map((test) => ({
    name: test.name,
    flags: test.flags,
    runs: {} as Partial<Record<Mode, Outcome[]>>,
  }));
  await drain(
    tests.flatMap((test, index) =>
      settings.modes.map((mode) => ({ test, mode, result: results[index] as Job['result'] })),
    ),
    settings,
  );
  for (let round = 0; round < settings.confirm; round++) {
    const again: Job[] = [];
    tests.forEach((test, index) => {
      const result = results[index] as TestResult & Job['result'];
      const suspect = settings.modes.filter(
        (mode) => mode !== 'plain' && classify(result, mode) === 'preload-only-failure',
      );
      if (suspect.length === 0) return;
      for (const mode of ['plain' as const, ...suspect]) again.push({ test, mode, result });
    });
    if (again.length === 0) break;
    await drain(again, settings);
  }
  return results;
}
