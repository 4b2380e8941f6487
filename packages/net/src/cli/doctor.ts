/**
 * `loopfast doctor`: what this machine can do and why. Every check is a line that passes, fails,
 * warns or informs, with its reason; the last one makes a real fast-path server and client in
 * this process and reports what the connection got, which is the answer to "does it work here".
 *
 * @module
 */
import { once } from 'node:events';
import type { AddressInfo, Server, Socket } from 'node:net';
import { BACKEND_ENV, KILL_SWITCH_ENV, killSwitchState } from '@loopfast/core';
import { type BackendChoice, chooseBackend } from '../backend-choice.js';
import { connectWith } from '../connect.js';
import { KILL_SWITCH_VALUES_TEXT, KNOWN_VARIABLES_TEXT, unknownVariables } from '../environment.js';
import type { CheckLevel } from '../mechanisms/mechanism.js';
import { platformMechanism } from '../route.js';
import { createServerWith } from '../server.js';
import { statuses } from '../status-catalog.js';
import { type FastPathInfo, fastPathInfo } from '../status-record.js';

export type { CheckLevel } from '../mechanisms/mechanism.js';

/** One line of the report. */
export interface Check {
  /** What was checked. */
  readonly name: string;
  /** How it came out. */
  readonly level: CheckLevel;
  /** Whether it did not fail (`level` is not `fail`). */
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

/** A check of `level`. */
function check(name: string, level: CheckLevel, detail: string): Check {
  return { name, level, ok: level !== 'fail', detail };
}

/** `pass` or `fail`. */
const passes = (ok: boolean): CheckLevel => (ok ? 'pass' : 'fail');

type Env = Readonly<Record<string, string | undefined>>;

const MINIMUM_NODE: readonly [number, number] = [20, 19];

function nodeCheck(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1]);
  return check('node', passes(ok), `${process.version} (needs ${MINIMUM_NODE.join('.')} or later)`);
}

const BACKENDS = ['napi', 'ffi'] as const;
type BackendName = (typeof BACKENDS)[number];

/** What loading one backend gave: it works, it is not installed, or it is installed and broken. */
interface BackendProbe {
  readonly name: BackendName;
  readonly outcome: 'works' | 'missing' | 'broken';
  readonly detail: string;
}

function probeBackend(name: BackendName): BackendProbe {
  const choice = chooseBackend(name);
  if (!choice.backend) {
    return { name, outcome: choice.error ? 'broken' : 'missing', detail: choice.reason };
  }
  // Loading a package is not loading its native part: make and close one socket.
  try {
    choice.backend.closeSocket(choice.backend.createTcpSocket(4));
  } catch (error) {
    return {
      name,
      outcome: 'broken',
      detail: `loaded, but its native part failed: ${(error as Error).message}`,
    };
  }
  return {
    name,
    outcome: 'works',
    detail: `loaded (version ${choice.backend.version}); a native socket was made and closed`,
  };
}

/** The install command that gives a machine with no backend one. */
const INSTALL_A_BACKEND =
  'npm install @loopfast/napi (or npm install @loopfast/ffi, which needs no compiler)';

/**
 * A line per backend and one for the backend in use (`choice`). One working backend is enough:
 * the other one, not installed, is information; installed and broken, it fails only if it is the
 * one used.
 */
function backendChecks(env: Env, choice: BackendChoice): Check[] {
  const probes = BACKENDS.map(probeBackend);
  const inUse = choice.backend?.name ?? null;
  const named = env[BACKEND_ENV]?.trim().toLowerCase();
  const checks = probes.map(({ name, outcome, detail }): Check => {
    const line = `backend ${name}`;
    if (outcome === 'works') return check(line, 'pass', detail);
    const working = probes.find((probe) => probe.outcome === 'works');
    if (outcome === 'missing') {
      if (named === name || !working) return check(line, 'fail', 'not installed');
      return check(
        line,
        'info',
        `not installed; optional, as ${working.name} works (npm install @loopfast/${name} adds it)`,
      );
    }
    return check(line, inUse === name ? 'fail' : 'warn', detail);
  });
  const source = env[BACKEND_ENV] ? `${BACKEND_ENV}=${env[BACKEND_ENV]}` : `${BACKEND_ENV} unset`;
  if (choice.backend) {
    checks.push(check('backend in use', 'pass', `${choice.backend.name} (${source})`));
  } else if (probes.every((probe) => probe.outcome === 'missing')) {
    checks.push(check('backend in use', 'fail', `none installed: ${INSTALL_A_BACKEND}`));
  } else {
    checks.push(check('backend in use', 'fail', `none: ${choice.reason} (${source})`));
  }
  return checks;
}

function killSwitchCheck(env: Env): Check {
  const value = env[KILL_SWITCH_ENV];
  const state = killSwitchState(value);
  if (state === 'on') {
    return check(
      'kill switch',
      'fail',
      `on (${KILL_SWITCH_ENV}=${value}): every fast-path request is disabled`,
    );
  }
  if (state === 'unknown') {
    return check(
      'kill switch',
      'warn',
      `off, but ${KILL_SWITCH_ENV}=${value} is not a value loopfast knows (${KILL_SWITCH_VALUES_TEXT})`,
    );
  }
  const setting =
    value === undefined
      ? `${KILL_SWITCH_ENV} unset`
      : value === ''
        ? `${KILL_SWITCH_ENV} empty`
        : `${KILL_SWITCH_ENV}=${value}`;
  return check('kill switch', 'pass', `off (${setting})`);
}

function environmentCheck(env: Env): Check {
  const unknown = unknownVariables(env);
  return unknown.length === 0
    ? check('environment', 'pass', 'no unknown LOOPFAST_ variables')
    : check(
        'environment',
        'warn',
        `unknown, so ignored: ${unknown.join(', ')} (loopfast reads ${KNOWN_VARIABLES_TEXT})`,
      );
}

function permissionCheck(): Check {
  const permission = (process as { permission?: { has(scope: string): boolean } }).permission;
  if (typeof permission?.has !== 'function') {
    return check('permission model', 'pass', 'off');
  }
  let addons: boolean;
  try {
    addons = permission.has('addon');
  } catch {
    addons = false;
  }
  return check(
    'permission model',
    passes(addons),
    `on: ${addons ? 'addons allowed' : 'native addons refused (add --allow-addons)'}`,
  );
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
  const choice = chooseBackend('auto', env);
  const checks: Check[] = [
    check(
      'platform',
      passes(mechanism !== null),
      mechanism === null
        ? `${platform} ${process.arch}: loopfast knows no fast path here`
        : `${platform} ${process.arch}: mechanism ${mechanism}`,
    ),
    nodeCheck(),
    ...backendChecks(env, choice),
    killSwitchCheck(env),
    environmentCheck(env),
    permissionCheck(),
  ];
  for (const found of platformMechanism(platform)?.doctorChecks(env, choice.backend ?? null) ??
    []) {
    checks.push(check(found.name, found.level, found.detail));
  }
  let info: FastPathInfo;
  try {
    info = await roundTrip(env, 5000);
  } catch (error) {
    info = statuses.roundTripFailed(error as Error);
  }
  const ok = info.state === 'enabled';
  checks.push(
    check(
      'round trip',
      passes(ok),
      ok
        ? `a fast-path client and server in this process: enabled (${info.mechanism}, ${info.backend})`
        : `a fast-path client and server in this process: ${info.state}: ${info.reason}`,
    ),
  );
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
  for (const line of report.checks) {
    lines.push(`  ${line.level.toUpperCase()}  ${line.name.padEnd(width)}  ${line.detail}`);
  }
  lines.push(
    '',
    report.ok
      ? `Result: PASS: loopback connections between processes that opt in take the fast path (${report.mechanism}).`
      : 'Result: FAIL: connections work, over the normal path; the FAIL lines above say why.',
  );
  return `${lines.join('\n')}\n`;
}
