#!/usr/bin/env node
/**
 * The `loopfast` command (`npx @loopfast/net ...`): `doctor [--json]`, `run -- <command...>`,
 * `--version` and `--help`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { doctor, formatReport } from './doctor.js';
import { runWithPreload } from './run.js';

const USAGE = `Usage: loopfast <command>   (npx @loopfast/net <command> in a project that installed it)
  loopfast doctor [--json]        what this machine can do for the fast path, and why
  loopfast run -- <command...>    run a command with the preload (@loopfast/net/register)
                                  in NODE_OPTIONS, so every Node process it starts uses it
  loopfast --version, -v          the version of @loopfast/net
  loopfast --help, -h             this text
`;

/** The version in the package's manifest. */
function version(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'doctor') {
    if (rest.some((arg) => arg === '--help' || arg === '-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const unknown = rest.filter((arg) => arg !== '--json');
    if (unknown.length > 0) {
      process.stderr.write(`loopfast doctor: unknown option ${unknown[0]}\n${USAGE}`);
      return 2;
    }
    const report = await doctor();
    process.stdout.write(
      rest.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
    );
    return report.ok ? 0 : 1;
  }
  if (command === 'run') {
    const args = rest[0] === '--' ? rest.slice(1) : rest;
    const [program, ...programArgs] = args;
    if (program === undefined) {
      process.stderr.write(`loopfast run: no command given\n${USAGE}`);
      return 2;
    }
    return runWithPreload(program, programArgs);
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(
    `${command === undefined ? 'loopfast: no command given' : `loopfast: unknown command ${command}`}\n${USAGE}`,
  );
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
