/**
 * The command: parse the arguments, run, print the tables and verdicts, write the JSON and the
 * report. A missed target never changes the exit code; a failed measurement does (1), and so do
 * bad arguments (2).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { parseBenchArgs, USAGE, UsageError } from './config.js';
import { writeReport } from './html-report.js';
import { createProgress } from './progress.js';
import { runBench } from './runner.js';
import { formatText } from './text-report.js';

/** The streams the command writes to. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/**
 * Runs the bench CLI with `argv` (without `node` and the script) and resolves with the exit
 * code: 0 when every measurement ran (targets met or not), 1 when a measurement failed, 2 for
 * bad arguments.
 */
export async function main(
  argv: readonly string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`loopfast-bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { config } = parsed;
  const progress = createProgress(io.stderr, config.progress);
  if (config.progress !== 'off')
    io.stderr.write(
      `loopfast bench: ${config.preset} run, ${config.rounds} round${config.rounds === 1 ? '' : 's'}${config.preset === 'quick' ? ' (under a minute; --full for more)' : ''}\n`,
    );
  let result: Awaited<ReturnType<typeof runBench>>;
  try {
    result = await runBench(config, { onProgress: (event) => progress.update(event) });
  } finally {
    progress.done();
  }
  io.stdout.write(formatText(result));
  if (config.json !== null) {
    writeFileSync(config.json, `${JSON.stringify(result, null, 2)}\n`);
    io.stdout.write(`\nJSON written to ${config.json}\n`);
  }
  if (config.report !== null) {
    writeReport(result, config.report);
    io.stdout.write(`${config.json === null ? '\n' : ''}Report written to ${config.report}\n`);
  }
  return result.errors.length > 0 ? 1 : 0;
}
