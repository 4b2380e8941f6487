/**
 * Child processes for the rendezvous tests. An agent is a Node process that loads the built
 * `@loopfast/net` (the `dist` a user would run) and runs snippets of JavaScript sent over its
 * stdin, answering each with one JSON line; it can also announce events of its own. Every
 * process started here is tracked and killed by {@link stopAll}, and each has a kill timer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const netDist = dirname(require.resolve('@loopfast/net'));
const conformanceDist = dirname(require.resolve('@loopfast/conformance'));

/** The built `@loopfast/net`, as a child process imports it. */
export const NET_URL = pathToFileURL(join(netDist, 'index.js')).href;
/** Conformance's descriptor helpers (the module alone: the package index imports vitest). */
export const DESCRIPTORS_URL = pathToFileURL(join(conformanceDist, 'descriptors.js')).href;
/** undici, which `@loopfast/net` does not depend on: resolved through `@loopfast/conformance`. */
export const UNDICI_URL = pathToFileURL(
  createRequire(join(conformanceDist, 'index.js')).resolve('undici'),
).href;

/** How a child process ended. */
/** Address properties as an agent reports them (`(undefined)` for undefined). */
export interface AgentAddresses {
  readonly remoteAddress: string;
  readonly remotePort: number | string;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number | string;
  readonly localFamily: string;
  readonly address: { address: string; family: string; port: number | string };
}

/** `fastPathInfo` as an agent reports it (the error reduced to its fields). */
export interface AgentInfo {
  readonly requested: boolean;
  readonly state: string;
  readonly mechanism: string | null;
  readonly reason: string;
  readonly error: { code: string; message: string } | null;
  readonly backend: string | null;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A JSON line a child process printed. */
export type Message = Record<string, unknown> & { event?: string; data?: unknown };

const live = new Set<Proc>();

/**
 * A tracked child process whose stdout lines are JSON messages (other lines are kept in
 * `stdout` only). Killed with SIGKILL after `killAfterMs` whatever happens.
 */
export class Proc {
  readonly child: ChildProcess;
  readonly messages: Message[] = [];
  stdout = '';
  stderr = '';
  spawnError: Error | null = null;
  readonly exited: Promise<Exit>;
  #exit: Exit | null = null;
  readonly #wakers = new Set<() => void>();

  constructor(
    command: string,
    args: readonly string[],
    options: {
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      uid?: number;
      gid?: number;
      killAfterMs?: number;
    } = {},
  ) {
    const { killAfterMs = 60_000, ...spawnOptions } = options;
    this.child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    timer.unref();
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        this.#line(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // A closed stdin is how a test lets an agent end; writes after that must not throw.
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise<Exit>((resolve) => {
      const finish = (exit: Exit) => {
        if (this.#exit) return;
        this.#exit = exit;
        clearTimeout(timer);
        live.delete(this);
        resolve(exit);
        this.#wake();
      };
      this.child.once('error', (error) => {
        this.spawnError = error;
        if (this.child.pid === undefined) finish({ code: null, signal: null });
      });
      this.child.once('close', (code, signal) => finish({ code, signal }));
    });
  }

  /** Whether the process has ended (and its output is complete). */
  get ended(): boolean {
    return this.#exit !== null;
  }

  #line(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    this.messages.push(message as Message);
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Resolves with the first message (seen so far or later) that `test` accepts. */
  waitFor(test: (message: Message) => boolean, what: string, timeoutMs = 15_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(test);
        if (found) {
          done();
          resolve(found);
        } else if (this.#exit) {
          done();
          reject(new Error(`${this.describe()} ended before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.describe()}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(check);
      };
      this.#wakers.add(check);
      check();
    });
  }

  /** The `data` of the first event called `name`. */
  async event<T = unknown>(name: string, timeoutMs?: number): Promise<T> {
    const message = await this.waitFor((m) => m.event === name, `event ${name}`, timeoutMs);
    return message.data as T;
  }

  /** Every event called `name` so far. */
  events<T = unknown>(name: string): T[] {
    return this.messages.filter((m) => m.event === name).map((m) => m.data as T);
  }

  /** Closes the process's stdin. */
  end(): void {
    this.child.stdin?.end();
  }

  /** Sends `signal` (SIGKILL by default) and waits for the end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.exited;
  }

  /** A label with the output so far, for error messages. */
  describe(): string {
    const exit = this.#exit ? ` (exit ${this.#exit.code ?? this.#exit.signal})` : '';
    const spawnError = this.spawnError ? `\nspawn: ${this.spawnError.message}` : '';
    return `process ${this.child.pid}${exit}${spawnError}\nstderr: ${this.stderr.slice(-4000)}`;
  }
}

/** Runs a command to its end and returns its output. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  options: ConstructorParameters<typeof Proc>[2] = {},
): Promise<{ exit: Exit; stdout: string; stderr: string; proc: Proc }> {
  const proc = new Proc(command, args, { killAfterMs: 20_000, ...options });
  proc.end();
  const exit = await proc.exited;
  return { exit, stdout: proc.stdout, stderr: proc.stderr, proc };
}

/** Kills every process still running and waits for each (for `afterEach`). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.kill('SIGKILL')));
}

/** Kills processes known only by pid (a cluster's workers), ignoring those already gone. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** What a snippet answered: its value, or the error it threw. */
interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { message: string; code?: string; stack?: string };
}

const AGENT = `
import * as lf from ${JSON.stringify(NET_URL)};
import * as nodeNet from 'node:net';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDescriptors, settleDescriptorCount } from ${JSON.stringify(DESCRIPTORS_URL)};

const backend = process.env.TEST_AGENT_BACKEND || undefined;
const L = lf.createLoopfast(backend ? { backend } : {});
const FAST = backend ? { loopbackFastPath: true, backend } : { loopbackFastPath: true };
const undici = process.env.TEST_AGENT_UNDICI
  ? (await import(process.env.TEST_AGENT_UNDICI)).default
  : null;
const send = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const emit = (event, data = null) => send({ event, data });
const U = '(undefined)';
const shown = (value) => (value === undefined ? U : value);
const errorOf = (error) =>
  error == null
    ? null
    : {
        name: error.name,
        ctor: error.constructor?.name,
        message: error.message,
        code: shown(error.code),
        errno: shown(error.errno),
        syscall: shown(error.syscall),
        address: shown(error.address),
        port: shown(error.port),
        keys: Object.keys(error).sort(),
      };
const info = (target) => {
  const found = lf.fastPathInfo(target);
  return { ...found, error: errorOf(found.error) };
};
const addresses = (socket) => {
  const address = socket.address();
  return {
    remoteAddress: shown(socket.remoteAddress),
    remotePort: shown(socket.remotePort),
    remoteFamily: shown(socket.remoteFamily),
    localAddress: shown(socket.localAddress),
    localPort: shown(socket.localPort),
    localFamily: shown(socket.localFamily),
    address: { address: shown(address.address), family: shown(address.family), port: shown(address.port) },
  };
};
const fds = () => openDescriptors('/proc/self/fd').length;
const settleFds = (expected) => settleDescriptorCount('/proc/self/fd', expected, 5000);
const pattern = (size, seed) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17 + (i >>> 9)) & 0xff;
  return bytes;
};
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
/** Reads a socket to its close: bytes, hash, text (first 1 MiB), errors, hadError. */
const drain = (socket) =>
  new Promise((resolve) => {
    const hash = crypto.createHash('sha256');
    const kept = [];
    let bytes = 0;
    const errors = [];
    socket.on('data', (data) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      hash.update(chunk);
      if (bytes < 1 << 20) kept.push(chunk);
      bytes += chunk.length;
    });
    socket.on('error', (error) => errors.push(errorOf(error)));
    socket.once('close', (hadError) =>
      resolve({ bytes, hash: hash.digest('hex'), text: Buffer.concat(kept).toString(), errors, hadError }),
    );
  });
const listen = async (server, ...args) => {
  server.listen(...args);
  await once(server, 'listening');
  return server.address().port;
};
const closeServer = (server) => new Promise((resolve) => server.close(() => resolve()));
const get = (options) =>
  new Promise((resolve, reject) => {
    const request = http.get(options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, text, socket: request.socket }));
    });
    request.on('error', reject);
  });
const state = {};
const scope = { lf, L, FAST, backend, nodeNet, http, fs, path, crypto, once, sleep, undici, emit,
  errorOf, info, addresses, fds, settleFds, pattern, sha256, drain, listen, closeServer, get, state, U };
const names = Object.keys(scope);
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

process.on('uncaughtException', (error) => {
  emit('uncaught', { ...errorOf(error), stack: error?.stack });
  process.exitCode = 70;
});
process.on('warning', (warning) => emit('warning', { name: warning.name, code: warning.code, message: warning.message }));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, code } = JSON.parse(line);
  let run;
  try {
    run = new AsyncFunction(...names, code);
  } catch (error) {
    send({ id, ok: false, error: { message: String(error?.message), stack: error?.stack } });
    return;
  }
  run(...names.map((name) => scope[name])).then(
    (value) => send({ id, ok: true, value: value === undefined ? null : value }),
    (error) => send({ id, ok: false, error: { ...errorOf(error), stack: error?.stack } }),
  );
});
lines.on('close', () => emit('stdin-closed'));
emit('ready', {
  pid: process.pid,
  uid: process.getuid(),
  euid: process.geteuid(),
  ns: fs.readlinkSync('/proc/self/ns/net'),
  tmpdir: (await import('node:os')).tmpdir(),
});
`;

/** Options for {@link startAgent}. */
export interface AgentOptions {
  /** The agent's TMPDIR (a fresh directory per scenario). */
  readonly tmp: string;
  /** `'ffi'` or `'napi'`: bound as the backend of `L` and `FAST`; the package default otherwise. */
  readonly backend?: string;
  /** Variables to set (a value) or remove (`undefined`) on top of the cleaned environment. */
  readonly env?: Record<string, string | undefined>;
  /** Run as this user (root only). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** A command the agent is started through, such as `unshare --net ...`; `node agent` follows. */
  readonly prefix?: readonly string[];
  /** Make undici importable as `undici`. */
  readonly undici?: boolean;
}

/** A Node process that runs the JavaScript snippets it is sent. */
export class Agent extends Proc {
  #next = 1;
  /** What the agent announced at start (pid, uid, network namespace, tmpdir). */
  ready!: { pid: number; uid: number; euid: number; ns: string; tmpdir: string };

  /**
   * Runs `code` as the body of an async function in the agent and resolves with what it returns
   * (JSON). In scope: `lf` (the package), `L` (`createLoopfast` with the backend), `FAST`
   * (`{ loopbackFastPath: true, backend }`), `nodeNet`, `http`, `fs`, `path`, `crypto`, `once`,
   * `sleep`, `undici`, `emit`, `errorOf`, `info`, `addresses`, `fds`, `settleFds`, `pattern`,
   * `sha256`, `drain`, `listen`, `closeServer`, `get`, and `state` (kept between snippets).
   */
  async run<T = unknown>(code: string, timeoutMs = 20_000): Promise<T> {
    const id = this.#next++;
    this.child.stdin?.write(`${JSON.stringify({ id, code })}\n`);
    const answer = (await this.waitFor(
      (m) => (m as unknown as Answer).id === id,
      `an answer to snippet ${id}`,
      timeoutMs,
    )) as unknown as Answer;
    if (!answer.ok) {
      const error = new Error(
        `snippet ${id} failed in the agent: ${answer.error?.message}\n${answer.error?.stack ?? ''}`,
      );
      Object.assign(error, { code: answer.error?.code });
      throw error;
    }
    return answer.value as T;
  }

  /** Exceptions nobody caught in the agent, and process warnings it emitted. */
  troubles(): unknown[] {
    return [...this.events('uncaught'), ...this.events('warning')];
  }
}

let agentFile: string | null = null;

/** The environment of a child: the test's, without what would leak into the scenario. */
/** Variables every child process of the running test file gets; see {@link setChildDefaults}. */
const childDefaults: Record<string, string> = {};

/**
 * Gives every child process the test file starts these variables (a file that tests the file
 * rendezvous sets `LOOPFAST_RENDEZVOUS=file` once, at its top); a child's own `env` still wins.
 */
export function setChildDefaults(defaults: Record<string, string>): void {
  Object.assign(childDefaults, defaults);
}

export function childEnv(tmp: string, extra: Record<string, string | undefined> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  // Package runners set NODE_PATH to their whole store; a user's process resolves normally.
  for (const name of [
    'NODE_PATH',
    'XDG_RUNTIME_DIR',
    'LOOPFAST_DISABLE',
    'LOOPFAST_BACKEND',
    'LOOPFAST_RENDEZVOUS',
    'NODE_DEBUG',
  ]) {
    delete env[name];
  }
  for (const [name, value] of Object.entries({ ...childDefaults, ...extra })) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Starts an agent and waits until it is ready. */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const file = agentScript();
  const env = childEnv(options.tmp, {
    ...(options.backend ? { TEST_AGENT_BACKEND: options.backend } : {}),
    ...(options.undici ? { TEST_AGENT_UNDICI: UNDICI_URL } : {}),
    ...options.env,
  });
  const [command = process.execPath, ...args] = [...(options.prefix ?? []), process.execPath, file];
  const agent = new Agent(command, args, {
    env,
    cwd: dirname(file),
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  try {
    agent.ready = await agent.event('ready', 20_000);
  } catch (error) {
    await agent.kill();
    throw error;
  }
  return agent;
}

/** A directory for this test file's scripts, readable by every user (other users run agents). */
export const scriptsDirectory: string = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'loopfast-rendezvous-scripts-'));
  chmodSync(dir, 0o755);
  return dir;
})();

/** Writes a script into {@link scriptsDirectory}, readable by all; returns its path. */
export function writeScript(name: string, text: string): string {
  const file = join(scriptsDirectory, name);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

function agentScript(): string {
  agentFile ??= writeScript('agent.mjs', AGENT);
  return agentFile;
}

/** Removes the scripts directory (for `afterAll`). */
export function removeScripts(): void {
  rmSync(scriptsDirectory, { recursive: true, force: true });
  agentFile = null;
}
