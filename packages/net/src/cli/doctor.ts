/**
 * `loopfast doctor`: what this machine can do and why. Every check is a line that passes or
 * fails with its reason; the last one makes a real fast-path server and client in this process
 * and reports what the connection got, which is the answer to "does it work here".
 *
 * @module
 */
import { once } from 'node:events';
import { lstatSync } from 'node:fs';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_ENV, isKillSwitchOn, KILL_SWITCH_ENV } from '@loopfast/core';
import { chooseBackend } from '../backend-choice.js';
import { connectWith } from '../connect.js';
import { platformMechanism } from '../platforms.js';
import { unknownVariables } from '../preload/install.js';
import { clientDirectory, effectiveUid } from '../rendezvous-directory.js';
import { networkNamespace } from '../rendezvous-names.js';
import { createServerWith } from '../server.js';
import { type FastPathInfo, fastPathInfo } from '../status.js';

/** One line of the report. */
export interface Check {
  /** What was checked. */
  readonly name: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** What was found, and why it fails when it does. */
  readonly detail: string;
}

/** The whole report, as `--json` prints it. */
export interface DoctorReport {
  /** Whether a fast-path connection works in this process (the round trip passed). */
  readonly ok: boolean;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly node: string;
  /** The platform's mechanism, or `null` where loopfast knows none. */
  readonly mechanism: string | null;
  readonly checks: readonly Check[];
  /** What the round trip's client socket reported. */
  readonly roundTrip: Omit<FastPathInfo, 'error'> & { error: string | null };
}

type Env = Readonly<Record<string, string | undefined>>;

const MINIMUM_NODE: readonly [number, number] = [20, 19];

function nodeCheck(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1]);
  return {
    name: 'node',
    ok,
    detail: `${process.version} (needs ${MINIMUM_NODE.join('.')} or later)`,
  };
}

function backendCheck(name: 'napi' | 'ffi'): Check {
  const choice = chooseBackend(name);
  if (!choice.backend) return { name: `backend ${name}`, ok: false, detail: choice.reason };
  // Loading a package is not loading its native part: make and close one socket.
  try {
    choice.backend.closeSocket(choice.backend.createTcpSocket(4));
  } catch (error) {
    return {
      name: `backend ${name}`,
      ok: false,
      detail: `loaded, but its native part failed: ${(error as Error).message}`,
    };
  }
  return {
    name: `backend ${name}`,
    ok: true,
    detail: `loaded (version ${choice.backend.version}); a native socket was made and closed`,
  };
}

function chosenBackendCheck(env: Env): Check {
  const choice = chooseBackend('auto', env);
  const source = env[BACKEND_ENV] ? `${BACKEND_ENV}=${env[BACKEND_ENV]}` : `${BACKEND_ENV} unset`;
  return choice.backend
    ? { name: 'backend in use', ok: true, detail: `${choice.backend.name} (${source})` }
    : { name: 'backend in use', ok: false, detail: `none: ${choice.reason} (${source})` };
}

function killSwitchCheck(env: Env): Check {
  const on = isKillSwitchOn(env);
  const value = env[KILL_SWITCH_ENV];
  return {
    name: 'kill switch',
    ok: !on,
    detail: on
      ? `on (${KILL_SWITCH_ENV}=${value}): every fast-path request is disabled`
      : `off (${KILL_SWITCH_ENV} ${value === undefined ? 'unset' : `=${value}`})`,
  };
}

function environmentCheck(env: Env): Check {
  const unknown = unknownVariables(env);
  return unknown.length === 0
    ? { name: 'environment', ok: true, detail: 'no unknown LOOPFAST_ variables' }
    : { name: 'environment', ok: false, detail: `unknown, so ignored: ${unknown.join(', ')}` };
}

function permissionCheck(platform: NodeJS.Platform): Check {
  const permission = (process as { permission?: { has(scope: string): boolean } }).permission;
  if (typeof permission?.has !== 'function') {
    return { name: 'permission model', ok: true, detail: 'off' };
  }
  let addons: boolean;
  try {
    addons = permission.has('addon');
  } catch {
    addons = false;
  }
  const problems = [addons ? 'addons allowed' : 'native addons refused (add --allow-addons)'];
  // On Windows the socket is handed to Node through the tcp_wrap binding, which it refuses.
  if (platform === 'win32') problems.push("Node's tcp_wrap binding is refused");
  return {
    name: 'permission model',
    ok: addons && platform !== 'win32',
    detail: `on: ${problems.join('; ')}`,
  };
}

/** The directories a rendezvous may use, in the order loopfast tries them. */
function directoryCandidates(env: Env): string[] {
  const shared = join(tmpdir(), `loopfast-${effectiveUid()}`);
  return env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'loopfast'), shared] : [shared];
}

/** Each check loopfast makes of a directory, spelt out (the package stops at the first failure). */
function describeDirectory(path: string): { ok: boolean; detail: string } {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: missing,
      detail: missing
        ? `${path}: not there yet (the first fast-path server creates it, mode 0700)`
        : `${path}: cannot inspect it: ${(error as Error).message}`,
    };
  }
  const uid = effectiveUid();
  const mode = stats.mode & 0o777;
  const parts: [boolean, string][] = [
    [!stats.isSymbolicLink(), stats.isSymbolicLink() ? 'a symbolic link' : 'not a symbolic link'],
    [stats.isDirectory(), stats.isDirectory() ? 'a directory' : 'not a directory'],
    [stats.uid === uid, `owned by uid ${stats.uid}${stats.uid === uid ? '' : `, not ${uid}`}`],
    [mode === 0o700, `mode 0${mode.toString(8)}${mode === 0o700 ? '' : ', not 0700'}`],
  ];
  const ok = parts.every(([passed]) => passed);
  return {
    ok,
    detail: `${path}: ${parts.map(([passed, text]) => `${passed ? '' : 'FAILS: '}${text}`).join(', ')}`,
  };
}

function rendezvousChecks(env: Env, platform: NodeJS.Platform): Check[] {
  const checks: Check[] = [];
  const ns = networkNamespace(platform);
  checks.push(
    ns instanceof Error
      ? { name: 'network namespace', ok: false, detail: ns.message }
      : { name: 'network namespace', ok: true, detail: ns === '' ? 'not applicable' : ns },
  );
  const candidates = directoryCandidates(env);
  candidates.forEach((path, index) => {
    const described = describeDirectory(path);
    checks.push({ name: `rendezvous directory ${index + 1}`, ...described });
  });
  const found = clientDirectory(env);
  checks.push(
    found.path === null
      ? { name: 'rendezvous directory in use', ok: false, detail: found.failure }
      : { name: 'rendezvous directory in use', ok: true, detail: found.path },
  );
  return checks;
}

/** A fast-path server and client in this process, one exchange; the client's status. */
async function roundTrip(env: Env, timeoutMs: number): Promise<FastPathInfo> {
  const defaults = { loopbackFastPath: true, optionPolicy: 'allow' as const, env };
  const server: Server = createServerWith(defaults, [(socket: Socket) => socket.end('ok')]);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const socket = connectWith(defaults, [{ port, host: '127.0.0.1' }]);
  const timer = setTimeout(() => socket.destroy(new Error('no answer in time')), timeoutMs);
  try {
    socket.resume();
    await once(socket, 'end');
    return fastPathInfo(socket);
  } finally {
    clearTimeout(timer);
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Runs every check. */
export async function doctor(env: Env = process.env): Promise<DoctorReport> {
  const platform = process.platform;
  const mechanism = platformMechanism(platform)?.name ?? null;
  const checks: Check[] = [
    {
      name: 'platform',
      ok: mechanism !== null,
      detail:
        mechanism === null
          ? `${platform} ${process.arch}: loopfast knows no fast path here`
          : `${platform} ${process.arch}: mechanism ${mechanism}`,
    },
    nodeCheck(),
    backendCheck('napi'),
    backendCheck('ffi'),
    chosenBackendCheck(env),
    killSwitchCheck(env),
    environmentCheck(env),
    permissionCheck(platform),
  ];
  if (mechanism === 'unix-rendezvous') checks.push(...rendezvousChecks(env, platform));
  let info: FastPathInfo;
  try {
    info = await roundTrip(env, 5000);
  } catch (error) {
    info = {
      requested: true,
      state: 'failed',
      mechanism: null,
      reason: `the round trip failed: ${(error as Error).message}`,
      error: error as Error,
      backend: null,
    };
  }
  const ok = info.state === 'enabled';
  checks.push({
    name: 'round trip',
    ok,
    detail: ok
      ? `a fast-path client and server in this process: enabled (${info.mechanism}, ${info.backend})`
      : `a fast-path client and server in this process: ${info.state}: ${info.reason}`,
  });
  return {
    ok,
    platform,
    arch: process.arch,
    node: process.version,
    mechanism,
    checks,
    roundTrip: { ...info, error: info.error ? info.error.message : null },
  };
}

/** The report as lines of text. */
export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = ['loopfast doctor', ''];
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(width)}  ${check.detail}`);
  }
  lines.push(
    '',
    report.ok
      ? `Result: PASS: loopback connections between processes that opt in take the fast path (${report.mechanism}).`
      : 'Result: FAIL: connections work, over the normal path; the FAIL lines above say why.',
  );
  return `${lines.join('\n')}\n`;
}
