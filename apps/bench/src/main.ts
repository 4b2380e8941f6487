/**
 * The command: parse the arguments, check that the output files can be written, run, print the
 * tables and verdicts, write the JSON and the report. A missed target never changes the exit
 * code; a failed measurement does (1), and so do bad arguments and unwritable output files (2).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { outputPathProblems, parseBenchArgs, USAGE, UsageError } from './config.js';
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
 * bad arguments or an output file that cannot be written.
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
  const problems = outputPathProblems(config);
  if (problems.length > 0) {
    for (const problem of problems) io.stderr.write(`loopfast-bench: ${problem}\n`);
    io.stderr.write('Nothing was measured.\n');
    return 2;
  }
  const progress = createProgress(io.stderr, config.progress);
  if (config.progress !== 'off')
    io.stderr.write(
      `loopfast bench: ${config.preset} run, ${config.rounds} round${config.rounds === 1 ? '' : 's'}${config.preset === 'quick' ? ' (about a minute and a half; --full for more)' : ''}\n`,
    );
  let result: Awaited<ReturnType<typeof runBench>>;
  try {
    result = await runBench(config, { onProgress: (event) => progress.update(event) });
  } finally {
    progress.done();
  }
  io.stdout.write(formatText(result));
  // Checked before measuring, a file can still fail to be written (the directory removed
  // meanwhile, a full disk): say so plainly, keep going with the other file, and exit with 2.
  let unwritten = false;
  const write = (flag: string, path: string, writeFile: () => void, done: string) => {
    try {
      writeFile();
      io.stdout.write(done);
    } catch (error) {
      unwritten = true;
      io.stderr.write(`loopfast-bench: ${flag} ${path}: ${(error as Error).message}\n`);
    }
  };
  if (config.json !== null) {
    const json = config.json;
    write(
      '--json',
      json,
      () => writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`),
      `\nJSON written to ${json}\n`,
    );
  }
  if (config.report !== null) {
    const report = config.report;
    write(
      '--report',
      report,
      () => writeReport(result, report),
      `${config.json === null ? '\n' : ''}Report written to ${report}\n`,
    );
  }
  if (result.errors.length > 0) return 1;
  return unwritten ? 2 : 0;
}
