/**
 * `@loopfast/bench`: the benchmark behind the `loopfast-bench` command, as a library: run it,
 * format its results, and the statistics it rests on.
 *
 * @packageDocumentation
 */
export {
  type BenchConfig,
  FULL,
  parseBenchArgs,
  QUICK,
  type ScenarioGroup,
  UsageError,
} from './config.js';
export { renderHtml, renderSvg, writeReport } from './html-report.js';
export { main } from './main.js';
export {
  type AnyModeId,
  BASELINE,
  CEILING,
  HTTP_MODES,
  type HttpModeId,
  type HttpModeSpec,
  MODES,
  type ModeId,
  type ModeSpec,
  PRELOAD,
} from './modes.js';
export type {
  BenchResult,
  ReferenceRatio,
  ScenarioResult,
  SeriesResult,
  TargetResult,
  Verdict,
} from './results.js';
export { type ProgressEvent, runBench } from './runner.js';
export * from './stats.js';
export { baselineOf, evaluateTargets, TARGETS, type TargetSpec } from './targets.js';
export { formatText } from './text-report.js';
