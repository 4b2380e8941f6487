#!/usr/bin/env node
/**
 * The `loopfast-bench` executable. See `--help`.
 *
 * @module
 */
import { main } from './main.js';

// `loopfast-bench | head` closes stdout early: that is the reader's choice, not a failure, and
// the JSON and report files are still written.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`loopfast-bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
