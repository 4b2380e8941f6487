/**
 * The frameworks' runner against a small suite of its own that prints a mocha spec summary: its
 * server takes real connections (from its own process and from a child it starts, which gets
 * `NODE_OPTIONS` too), one test fails only through the preload, and a second suite prints its
 * summary and never exits. The preload is the real one (`@loopfast/net/register`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FrameworkSuite,
  failingOnlyThroughPreload,
  formatDifferences,
  formatRuns,
  nodeOptions,
  parseMochaSummary,
  runFrameworkSuite,
  type SuiteRun,
} from '../src/frameworks.js';

const tree = mkdtempSync(join(tmpdir(), 'loopfast-frameworks-test-'));
const register = createRequire(import.meta.url).resolve('@loopfast/net/register');
const settings = { node: process.execPath, register, timeoutMs: 60_000, graceMs: 2000 };

const SUITE = `'use strict';
const http = require('node:http');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const preloaded = net.connect.name === 'preloadConnect';
const server = http.createServer((req, res) => res.end('ok'));
const get = (port) => new Promise((resolve, reject) =>
  http.get({ port, host: '127.0.0.1', agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  for (let i = 0; i < 3; i++) await get(port);
  // A process the suite starts connects too (async: this process must accept meanwhile).
  await new Promise((resolve) => require('node:child_process').execFile(process.execPath,
    ['-e', 'require("node:http").get({ port: ' + port + ', host: "127.0.0.1", agent: false }, (r) => r.resume())'],
    resolve));
  server.close();
  console.log('\\n  suite\\n    \\u2714 serves');
  if (preloaded) console.log('    1) knows nothing of loopfast');
  else console.log('    \\u2714 knows nothing of loopfast');
  console.log('\\n\\n  ' + (preloaded ? 1 : 2) + ' passing (5ms)');
  console.log('  1 pending');
  if (preloaded) {
    console.log('  1 failing\\n\\n  1) suite\\n       knows nothing of loopfast:\\n\\n      Error: preloaded\\n      at x\\n');
    process.exitCode = 1;
  }
});
`;

// Accepts one connection, prints its summary, and stays (its server is never closed).
const HANGS = `const server = require('node:net').createServer().listen(0, '127.0.0.1', () => {
  require('node:net').connect(server.address().port, '127.0.0.1', () => console.log('\\n  1 passing (1ms)\\n'));
});
`;

const suite = (name: string, file: string): FrameworkSuite => ({
  name,
  script: (root) => join(root, file),
  args: [],
});

beforeAll(() => {
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'suite.js'), SUITE);
  writeFileSync(join(tree, 'hangs.js'), HANGS);
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe("reading a mocha spec report's summary", () => {
  it('counts, and each failure by its title over several lines with its first error line', () => {
    const summary = parseMochaSummary(
      [
        '  app',
        '    ✔ works',
        '    1) breaks',
        '',
        '  41 passing (8s)',
        '  2 pending',
        '  2 failing',
        '',
        '  1) app',
        '       .get()',
        '         breaks:',
        '     Error: expected 200 "OK", got 404 "Not Found"',
        '      at Test._assertStatus (x.js:1:1)',
        '',
        '  2) ws',
        '       closes:',
        '',
        '      Uncaught AssertionError [ERR_ASSERTION]: 2 !== 1',
      ].join('\n'),
    );
    expect(summary).toEqual({
      passing: 41,
      failing: 2,
      pending: 2,
      failures: [
        { title: 'app .get() breaks', reason: 'Error: expected 200 "OK", got 404 "Not Found"' },
        { title: 'ws closes', reason: 'Uncaught AssertionError [ERR_ASSERTION]: 2 !== 1' },
      ],
    });
    expect(parseMochaSummary('Error: Cannot find module\n').passing).toBeNull();
  });

  it('quotes the preload and the counter for NODE_OPTIONS', () => {
    expect(nodeOptions('plain', '/r/register.js')).toMatch(
      /^--import "[^"]+count-connections\.js"$/,
    );
    expect(nodeOptions('require', '/a b/"r".js')).toMatch(
      /^--require "\/a b\/\\"r\\"\.js" --import /,
    );
  });
});

describe('a suite, plainly and through the preload', () => {
  let runs: SuiteRun[];
  beforeAll(async () => {
    runs = [];
    for (const mode of ['plain', 'require', 'import'] as const) {
      runs.push(await runFrameworkSuite(suite('own', 'suite.js'), tree, mode, settings));
    }
  }, 120_000);

  it('counts every connection its servers accepted, and those over the rendezvous', () => {
    const [plain, required, imported] = runs as [SuiteRun, SuiteRun, SuiteRun];
    expect(plain.code, plain.tail).toBe(0);
    expect(plain.summary).toMatchObject({ passing: 2, failing: 0, pending: 1 });
    expect(plain.count).toMatchObject({ connections: 4, fastPath: 0, processes: 1 });
    for (const run of [required, imported]) {
      expect(run.code, run.tail).toBe(1);
      expect(run.summary).toMatchObject({ passing: 1, failing: 1 });
      // The child's connection too: NODE_OPTIONS gave it the preload.
      expect(run.count).toMatchObject({ connections: 4, fastPath: 4, reasons: [] });
    }
  });

  it('names the tests failing only through the preload, and prints a table', () => {
    const [plain, required] = runs as [SuiteRun, SuiteRun];
    expect(failingOnlyThroughPreload(required, plain)).toEqual([
      { title: 'suite knows nothing of loopfast', reason: 'Error: preloaded' },
    ]);
    expect(formatRuns(runs)).toMatch(/^own\s+--require\s+1\s+1\s+1\s+1\s+4\s+4\s/m);
    expect(formatDifferences(runs)).toContain(
      'own --import: failing only through the preload: 1\n  suite knows nothing of loopfast\n    Error: preloaded',
    );
  });

  it('kills a run that printed its summary and does not exit, and says so', async () => {
    const run = await runFrameworkSuite(suite('hangs', 'hangs.js'), tree, 'plain', settings);
    expect(run).toMatchObject({ hung: true, timedOut: false, code: null });
    expect(run.summary.passing).toBe(1);
    // Counted as it came, so the killed run still has it.
    expect(run.count.connections).toBe(1);
    expect(run.ms).toBeGreaterThanOrEqual(2000);
  });
});

describe('the command', () => {
  const cli = fileURLToPath(new URL('../dist/frameworks-cli.js', import.meta.url));

  it('exits 2 without a suite, or with one it does not know', () => {
    expect(spawnSync(process.execPath, [cli], { encoding: 'utf8' }).status).toBe(2);
    const unknown = spawnSync(process.execPath, [cli, `mocha=${tree}`], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('mocha=');
  });

  it('says what to do when the tree has no devDependencies installed', () => {
    const run = spawnSync(process.execPath, [cli, `express=${tree}`], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("install the suite's devDependencies first");
  });
});
