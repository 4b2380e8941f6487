/**
 * The `loopfast` command, run as a user runs it: the file `package.json` names as its `bin`,
 * started by Node in a child process with a fresh TMPDIR (so the rendezvous directory is the
 * scenario's own).
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  childEnv,
  NET_URL,
  removeScripts,
  runToEnd,
  stopAll,
  writeScript,
} from './support/agents.js';
import { dataOf, PACKAGE_DIR, startScript } from './support/preload.js';
import { freshTemp, removeTemps, userDirectory } from './support/rendezvous.js';

const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
const BIN = join(PACKAGE_DIR, manifest.bin.loopfast as string);
const REGISTER_URL = NET_URL.replace(/index\.js$/, 'register.js');

afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeTemps();
  removeScripts();
});

async function loopfast(
  args: readonly string[],
  tmp: string,
  env: Record<string, string | undefined> = {},
) {
  const { exit, stdout, stderr, proc } = await runToEnd(process.execPath, [BIN, ...args], {
    env: childEnv(tmp, { NODE_OPTIONS: undefined, ...env }),
    cwd: tmp,
  });
  return { code: exit.code, signal: exit.signal, stdout, stderr, messages: proc.messages };
}

interface Report {
  ok: boolean;
  platform: string;
  mechanism: string | null;
  checks: { name: string; level: string; ok: boolean; detail: string }[];
  roundTrip: { state: string; mechanism: string | null };
}

const check = (report: Report, name: string) => report.checks.find((each) => each.name === name);

interface Manifest {
  version: string;
}

/** The report's check lines as [level, name, detail]; the names are padded to one width. */
function linesOf(stdout: string): string[][] {
  return [...stdout.matchAll(/^ {2}(PASS|INFO|WARN|FAIL) {2}(.+?) {2,}(.*)$/gm)].map(
    ([, level, name, detail]) => [level as string, (name as string).trim(), detail as string],
  );
}

describe('loopfast doctor', () => {
  it('is a Node script (shebang), named by package.json', () => {
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('passes on this machine and says why, line by line', async () => {
    const tmp = freshTemp('cli');
    const { code, stdout } = await loopfast(['doctor'], tmp);
    expect(code).toBe(0);

    const version = (
      JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Manifest
    ).version;
    const backend = `loaded (version ${version}); a native socket was made and closed`;
    expect(linesOf(stdout)).toEqual([
      ['PASS', 'platform', `${process.platform} ${process.arch}: mechanism unix-rendezvous`],
      ['PASS', 'node', `${process.version} (needs 20.19 or later)`],
      ['PASS', 'backend napi', backend],
      ['PASS', 'backend ffi', backend],
      ['PASS', 'backend in use', 'napi (LOOPFAST_BACKEND unset)'],
      ['PASS', 'kill switch', 'off (LOOPFAST_DISABLE unset)'],
      ['PASS', 'environment', 'no unknown LOOPFAST_ variables'],
      ['PASS', 'permission model', 'off'],
      ['PASS', 'network namespace', expect.stringMatching(/^\d+$/)],
      ['PASS', 'rendezvous place', 'the abstract socket namespace (LOOPFAST_RENDEZVOUS unset)'],
      [
        'PASS',
        'TCP tables',
        'read through sock_diag (napi backend): a client finds the listener TCP would reach',
      ],
      [
        'PASS',
        'round trip',
        'a fast-path client and server in this process: enabled (unix-rendezvous, napi)',
      ],
    ]);
    expect(stdout.startsWith('loopfast doctor\n\n')).toBe(true);
    expect(
      stdout.endsWith(
        '\n\nResult: PASS: loopback connections between processes that opt in take the fast path (unix-rendezvous).\n',
      ),
    ).toBe(true);
  });

  it('says what the kill switch is, for every kind of value', async () => {
    const tmp = freshTemp('cli');
    const cases: [string | undefined, string, string][] = [
      [undefined, 'PASS', 'off (LOOPFAST_DISABLE unset)'],
      ['', 'PASS', 'off (LOOPFAST_DISABLE empty)'],
      ['0', 'PASS', 'off (LOOPFAST_DISABLE=0)'],
      [
        'maybe',
        'WARN',
        'off, but LOOPFAST_DISABLE=maybe is not a value loopfast knows (1, true, yes, on turn it on; 0, false, no, off or empty leave it off)',
      ],
      ['Yes', 'FAIL', 'on (LOOPFAST_DISABLE=Yes): every fast-path request is disabled'],
    ];
    for (const [value, level, detail] of cases) {
      const { stdout } = await loopfast(['doctor'], tmp, { LOOPFAST_DISABLE: value });
      expect(linesOf(stdout).find(([, name]) => name === 'kill switch')).toEqual([
        level,
        'kill switch',
        detail,
      ]);
    }
  });

  it('--json gives the same report for scripts', async () => {
    const tmp = freshTemp('cli');
    const { code, stdout } = await loopfast(['doctor', '--json'], tmp, { LOOPFAST_BACKEND: 'ffi' });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report).toMatchObject({
      ok: true,
      platform: process.platform,
      mechanism: 'unix-rendezvous',
    });
    expect(report.roundTrip).toMatchObject({
      state: 'enabled',
      mechanism: 'unix-rendezvous',
      backend: 'ffi',
    });
    expect(check(report, 'backend in use')).toEqual({
      name: 'backend in use',
      level: 'pass',
      ok: true,
      detail: 'ffi (LOOPFAST_BACKEND=ffi)',
    });
  });

  it('fails, exit 1, with the kill switch on', async () => {
    const tmp = freshTemp('cli');
    const { code, stdout } = await loopfast(['doctor', '--json'], tmp, { LOOPFAST_DISABLE: '1' });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(check(report, 'kill switch')?.ok).toBe(false);
    expect(report.roundTrip.state).toBe('disabled');
  });

  it('names the check a squatted rendezvous directory fails', async () => {
    const tmp = freshTemp('cli');
    const directory = userDirectory(tmp);
    mkdirSync(directory);
    chmodSync(directory, 0o755);
    const { code, stdout } = await loopfast(['doctor'], tmp, { LOOPFAST_RENDEZVOUS: 'file' });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^ {2}PASS {2}rendezvous place {2,}socket files \(LOOPFAST_RENDEZVOUS=file\)$/m,
    );
    expect(stdout).toMatch(/^ {2}FAIL {2}rendezvous directory 1 .* has mode 0755, not 0700$/m);
    expect(stdout).toMatch(/^ {2}FAIL {2}round trip .*failed/m);
    expect(stdout).toMatch(/^Result: FAIL/m);
  });

  it('with the file rendezvous, names each directory as the package checks it, the parent included', async () => {
    const tmp = freshTemp('cli');
    const directories = (stdout: string) =>
      linesOf(stdout).filter(([, name]) => name?.startsWith('rendezvous directory'));
    const first = await loopfast(['doctor'], tmp, { LOOPFAST_RENDEZVOUS: 'file' });
    expect(first.code).toBe(0);
    expect(directories(first.stdout)).toEqual([
      [
        'PASS',
        'rendezvous directory 1',
        `${userDirectory(tmp)}: not there yet (the first fast-path server creates it, mode 0700)`,
      ],
      ['PASS', 'rendezvous directory in use', userDirectory(tmp)],
    ]);
    // The first run's server made it.
    const second = await loopfast(['doctor'], tmp, { LOOPFAST_RENDEZVOUS: 'file' });
    expect(directories(second.stdout)).toEqual([
      [
        'PASS',
        'rendezvous directory 1',
        `${userDirectory(tmp)}: trusted (this user's, mode 0700, not a symbolic link, in a parent no other user can rename it in)`,
      ],
      ['PASS', 'rendezvous directory in use', userDirectory(tmp)],
    ]);
    // A temp directory any user may rename entries in: the package refuses it, and doctor says so.
    const open = freshTemp('cli-open');
    chmodSync(open, 0o777);
    const refused = await loopfast(['doctor'], open, { LOOPFAST_RENDEZVOUS: 'file' });
    expect(refused.code).toBe(1);
    expect(linesOf(refused.stdout).find(([, name]) => name === 'rendezvous directory 1')).toEqual([
      'FAIL',
      'rendezvous directory 1',
      `${open} lets other users rename what it holds (owner uid 0, mode 0777, not sticky)`,
    ]);
    expect(
      linesOf(refused.stdout).find(([, name]) => name === 'rendezvous directory in use'),
    ).toEqual([
      'FAIL',
      'rendezvous directory in use',
      `${userDirectory(open)}, which no fast-path server can use`,
    ]);
  });

  it('warns of a misspelt LOOPFAST_ variable, naming the ones loopfast reads; the fast path still works', async () => {
    const tmp = freshTemp('cli');
    const { code, stdout } = await loopfast(['doctor'], tmp, { LOOPFAST_BAKEND: 'ffi' });
    expect(code).toBe(0);
    expect(linesOf(stdout).find(([, name]) => name === 'environment')).toEqual([
      'WARN',
      'environment',
      'unknown, so ignored: LOOPFAST_BAKEND (loopfast reads LOOPFAST_BACKEND, LOOPFAST_DISABLE and LOOPFAST_RENDEZVOUS)',
    ]);
  });

  it('says which backend LOOPFAST_BACKEND names when it names none', async () => {
    const tmp = freshTemp('cli');
    const { code, stdout } = await loopfast(['doctor'], tmp, { LOOPFAST_BACKEND: 'rust' });
    expect(code).toBe(1);
    expect(linesOf(stdout).find(([, name]) => name === 'backend in use')).toEqual([
      'FAIL',
      'backend in use',
      'none: LOOPFAST_BACKEND=rust names no backend (use napi, ffi or auto) (LOOPFAST_BACKEND=rust)',
    ]);
  });

  it('refuses an unknown option or command with exit 2 and the usage', async () => {
    const tmp = freshTemp('cli');
    for (const args of [['doctor', '--jsn'], ['docter'], []]) {
      const { code, stderr } = await loopfast(args, tmp);
      expect(code).toBe(2);
      expect(stderr).toContain('Usage:');
    }
  });
});

describe('loopfast --version and --help', () => {
  it('--version and -v print the version of @loopfast/net', async () => {
    const tmp = freshTemp('cli');
    const { version } = JSON.parse(
      readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'),
    ) as Manifest;
    for (const flag of ['--version', '-v']) {
      expect(await loopfast([flag], tmp)).toMatchObject({
        code: 0,
        stdout: `${version}\n`,
        stderr: '',
      });
    }
  });

  it('--help and -h print the usage, naming every command and npx @loopfast/net', async () => {
    const tmp = freshTemp('cli');
    for (const args of [['--help'], ['-h'], ['doctor', '--help']]) {
      const { code, stdout, stderr } = await loopfast(args, tmp);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(/^Usage: loopfast <command> {3}\(npx @loopfast\/net <command> /);
      for (const command of [
        'doctor [--json]',
        'run -- <command...>',
        '--version, -v',
        '--help, -h',
      ]) {
        expect(stdout).toContain(`  loopfast ${command} `);
      }
    }
  });
});

/** Reports what the preload did in this process and connects to a server. */
const PROBE = writeScript(
  'cli-probe.mjs',
  `
import http from 'node:http';
import net from 'node:net';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
const port = Number(process.argv[2]);
if (port) {
  http.get({ host: '127.0.0.1', port }, (response) => {
    const socket = response.socket;
    response.resume();
    response.on('end', () => {
      const info = fastPathInfo(socket);
      process.stdout.write(JSON.stringify({ event: 'probe', data: {
        connect: net.connect.name, state: info.state, mechanism: info.mechanism, options: process.env.NODE_OPTIONS,
      } }) + '\\n');
    });
  });
} else {
  process.stdout.write(JSON.stringify({ event: 'probe', data: { connect: net.connect.name, options: process.env.NODE_OPTIONS } }) + '\\n');
}
`,
);

const SERVER = writeScript(
  'cli-server.mjs',
  `
import http from 'node:http';
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(JSON.stringify({ event: 'listening', data: { port: server.address().port } }) + '\\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
);

describe('loopfast run', () => {
  it('runs a command with the preload in NODE_OPTIONS, keeping what was there', async () => {
    const tmp = freshTemp('cli');
    const { port } = await startScript(SERVER, { tmp });
    const run = await loopfast(['run', '--', process.execPath, PROBE, String(port)], tmp, {
      NODE_OPTIONS: '--max-http-header-size=20000',
    });
    expect(run.code, run.stderr).toBe(0);
    const probe = dataOf<{ connect: string; mechanism: string; options: string }>(run, 'probe');
    expect(probe.connect).toBe('preloadConnect');
    expect(probe.mechanism).toBe('unix-rendezvous');
    expect(probe.options).toMatch(/^--max-http-header-size=20000 --import=".*register\.js"$/);
  });

  it('does not add the preload twice', async () => {
    const tmp = freshTemp('cli');
    const options = `--import=${JSON.stringify(REGISTER_URL)}`;
    const run = await loopfast(['run', process.execPath, PROBE], tmp, { NODE_OPTIONS: options });
    expect(dataOf<{ options: string; connect: string }>(run, 'probe')).toEqual({
      options,
      connect: 'preloadConnect',
    });
  });

  it('gives the exit code of the command, and 128 + the signal that ended it', async () => {
    const tmp = freshTemp('cli');
    expect(
      (await loopfast(['run', '--', process.execPath, '-e', 'process.exit(7)'], tmp)).code,
    ).toBe(7);
    const killed = await loopfast(
      ['run', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGTERM')"],
      tmp,
    );
    expect(killed.code).toBe(143);
  });

  it('says so when there is no command, or it cannot be run', async () => {
    const tmp = freshTemp('cli');
    const none = await loopfast(['run', '--'], tmp);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no command given');
    const missing = await loopfast(['run', '--', join(tmp, 'no-such-command')], tmp);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('cannot run');
  });
});
