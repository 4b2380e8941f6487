/**
 * `loopfast run -- <command...>`: runs a command with the preload in `NODE_OPTIONS`, so every
 * Node process it starts (and their children, `cluster` workers and worker threads) loads it.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The preload's file, as a URL `--import` takes from any working directory. */
export const REGISTER_URL: string = pathToFileURL(
  fileURLToPath(new URL('../register.js', import.meta.url)),
).href;

/**
 * `NODE_OPTIONS` with the preload added, unless it is there already (by this URL or by the
 * package's specifier), keeping what was there. The URL is quoted as `NODE_OPTIONS` allows.
 */
function withPreload(nodeOptions: string | undefined): string {
  const current = nodeOptions?.trim() ?? '';
  if (current.includes(REGISTER_URL) || current.includes('@loopfast/net/register')) return current;
  const flag = `--import=${JSON.stringify(REGISTER_URL)}`;
  return current === '' ? flag : `${current} ${flag}`;
}

/**
 * Runs `command` with `args` and the preload; resolves with the exit code the command gave, or
 * 128 + the signal number when a signal ended it (as a shell reports it). The signals a user
 * sends to `loopfast` (Ctrl-C, a `kill`) are passed on, so the command decides how to end.
 */
export function runWithPreload(command: string, args: readonly string[]): Promise<number> {
  const env = { ...process.env, NODE_OPTIONS: withPreload(process.env.NODE_OPTIONS) };
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(
    (signal) => [signal, forward(signal)] as const,
  );
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return new Promise((resolve) => {
    const done = (code: number) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(code);
    };
    child.once('error', (error) => {
      process.stderr.write(`loopfast run: cannot run ${command}: ${error.message}\n`);
      done(127);
    });
    child.once('exit', (code, signal) => {
      done(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
    });
  });
}
