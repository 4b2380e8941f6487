/**
 * Processes started with the preload, for the preload, framework and command tests: each runs a
 * script (written with `writeScript`) with `--import @loopfast/net/register` (or `--require`),
 * from the package's own directory, so the specifier resolves as it does for a user who has the
 * package installed. Servers announce `{ event: 'listening', data: { port } }` on stdout.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, type Message, Proc, runToEnd } from './agents.js';

/** The package's directory (where `@loopfast/net/register` resolves by self-reference). */
export const PACKAGE_DIR: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How the preload is given to a process. */
export type PreloadFlag = 'import' | 'require' | 'none';

/** The command-line flags for a preload way. */
export function preloadArgs(flag: PreloadFlag): string[] {
  if (flag === 'none') return [];
  return [`--${flag}`, '@loopfast/net/register'];
}

/** Options of a process started by {@link startScript} or {@link runScript}. */
export interface ScriptOptions {
  /** The TMPDIR of the scenario (the rendezvous directory goes below it). */
  readonly tmp: string;
  /** How the preload is loaded (`import` by default). */
  readonly preload?: PreloadFlag;
  /** Variables to set (a value) or remove (`undefined`). */
  readonly env?: Record<string, string | undefined>;
  /** Arguments after the script. */
  readonly args?: readonly string[];
  /** Node's own flags, before the preload's. */
  readonly nodeArgs?: readonly string[];
}

function spawnArgs(script: string, options: ScriptOptions): [string[], NodeJS.ProcessEnv] {
  return [
    [
      ...(options.nodeArgs ?? []),
      ...preloadArgs(options.preload ?? 'import'),
      script,
      ...(options.args ?? []),
    ],
    childEnv(options.tmp, { NODE_OPTIONS: undefined, ...options.env }),
  ];
}

/** Starts a long-running script (a server); waits for its `listening` event; returns its port. */
export async function startScript(
  script: string,
  options: ScriptOptions,
): Promise<{ proc: Proc; port: number }> {
  const [args, env] = spawnArgs(script, options);
  const proc = new Proc(process.execPath, args, { env, cwd: PACKAGE_DIR });
  try {
    const { port } = await proc.event<{ port: number }>('listening', 20_000);
    return { proc, port };
  } catch (error) {
    await proc.kill();
    throw error;
  }
}

/** Runs a script to its end; returns its JSON messages, its output and how it ended. */
export async function runScript(
  script: string,
  options: ScriptOptions,
): Promise<{ messages: Message[]; stdout: string; stderr: string; code: number | null }> {
  const [args, env] = spawnArgs(script, options);
  const { exit, stdout, stderr, proc } = await runToEnd(process.execPath, args, {
    env,
    cwd: PACKAGE_DIR,
  });
  return { messages: proc.messages, stdout, stderr, code: exit.code };
}

/** The `data` of the one message of `event` a script printed; throws with its output if none. */
export function dataOf<T>(
  run: { messages: Message[]; stdout: string; stderr: string; code: number | null },
  event: string,
): T {
  const found = run.messages.find((message) => message.event === event);
  if (!found) {
    throw new Error(
      `no ${event} (exit ${run.code})\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-3000)}`,
    );
  }
  return found.data as T;
}
