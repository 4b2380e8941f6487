/**
 * Every JavaScript example of the READMEs and of the API guide runs as written, in a project of its own (the
 * workspace's built packages installed as a user's would be), and exits by itself within a time
 * limit: an example that leaves a server open fails here. What each prints is checked where it
 * says what the reader should see.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, type Example, examplesOf, linkProject } from './readme-blocks.js';

const TIME_LIMIT_MS = 15_000;
const posix = process.platform !== 'win32';

let project: string;
let runtime: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'loopfast-readme-run-'));
  linkProject(project);
  // A rendezvous directory of the examples' own (0700, as mkdtemp makes it).
  runtime = mkdtempSync(join(tmpdir(), 'loopfast-readme-runtime-'));
});
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(runtime, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one example as an ES module; a process still alive at the time limit is killed. */
function runExample(example: Example): Promise<Outcome> {
  const file = join(project, `${example.name}.mjs`);
  writeFileSync(file, example.code);
  const {
    NODE_PATH: _storePath,
    NODE_DEBUG: _debug,
    LOOPFAST_BACKEND: _backend,
    LOOPFAST_DISABLE: _disable,
    ...env
  } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd: project,
      env: { ...env, XDG_RUNTIME_DIR: runtime },
      timeout: TIME_LIMIT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * The API guide's HTTP example, and net's copy: one reply through FastPathAgent, one through
 * fetch, both over the fast path.
 */
function httpAndFetch(stdout: string): void {
  const via = posix ? 'via unix-rendezvous\n' : 'via sio-loopback-fast-path\n';
  expect(stdout).toBe(`${via}${via}\n`);
}

/** The API guide's backend example, and the backends' copies. */
function backendsDirectly(stdout: string): void {
  if (posix) expect(stdout).toMatch(/^EOPNOTSUPP ioctl EOPNOTSUPP \(\d+\): /);
  expect(stdout).toMatch(/SO_RCVBUF \d+\n$/);
}

/** What an example prints where the README tells the reader what to expect. */
const EXPECTED: Record<string, (stdout: string) => void> = {
  'README.md#Quick start': (stdout) => {
    expect(stdout).toContain('hello\n');
    expect(stdout).toContain("requested: true,\n  state: 'enabled'");
    expect(stdout).toContain(posix ? "mechanism: 'unix-rendezvous'" : 'sio-loopback-fast-path');
  },
  'docs/api.md#HTTP and fetch': httpAndFetch,
  'docs/api.md#Backends directly: napi and ffi': backendsDirectly,
  'packages/net/README.md#Example': (stdout) => expect(stdout).toBe('enabled\nhello\n'),
  'packages/ffi/README.md#Example': (stdout) => expect(stdout).toBe('ffi enabled\n'),
  'packages/napi/README.md#Example': (stdout) => expect(stdout).toBe('napi enabled\n'),
  'packages/net/README.md#HTTP and fetch': httpAndFetch,
  'packages/ffi/README.md#Calling the backend directly': backendsDirectly,
  'packages/napi/README.md#Calling the backend directly': backendsDirectly,
  'packages/core/README.md#Example': (stdout) => {
    const lines = stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['98000010', 'true false', 'WSAEOPNOTSUPP']);
    expect(lines[3]).toMatch(/^IP_TTL .* TCP_BSDURGENT$/);
  },
};

describe('the README examples', () => {
  it('are found: the main README has its quick start, the API guide two, each public package its own', () => {
    expect(examplesOf('README.md').map((example) => example.heading)).toEqual(['Quick start']);
    expect(examplesOf('docs/api.md').map((example) => example.heading)).toEqual([
      'HTTP and fetch',
      'Backends directly: napi and ffi',
    ]);
    const headings = (name: string) =>
      examplesOf(`packages/${name}/README.md`).map((example) => example.heading);
    expect(headings('core')).toEqual(['Example']);
    expect(headings('net')).toEqual(['Example', 'HTTP and fetch']);
    for (const name of ['ffi', 'napi']) {
      expect(headings(name)).toEqual(['Example', 'Calling the backend directly']);
    }
    // Every example has its expected output written down.
    expect(
      allExamples()
        .map((example) => `${example.readme}#${example.heading}`)
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const example of allExamples()) {
    it(
      `${example.readme}, "${example.heading}" (line ${example.line}) runs as written and exits`,
      async () => {
        const outcome = await runExample(example);
        // Killed at the time limit: the example leaves something open (a server, a socket).
        expect(outcome.signal, `still running after ${TIME_LIMIT_MS} ms`).toBeNull();
        expect(outcome.code, outcome.stderr).toBe(0);
        // No warning and no error output: on this platform nothing in the examples warns.
        expect(outcome.stderr).toBe('');
        EXPECTED[`${example.readme}#${example.heading}`]?.(outcome.stdout);
      },
      TIME_LIMIT_MS + 5_000,
    );
  }
});
