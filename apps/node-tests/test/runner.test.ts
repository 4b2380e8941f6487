/**
 * The runner against a small tree laid out as Node's (`test/parallel`), whose tests check what
 * Node's runner guarantees them (their `// Flags:`, a temp dir of their own) and which fail in
 * known ways: plainly, only through the preload, through the preload only once, or by hanging
 * past the limit. The preload is the real one (`@loopfast/net/register`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classes, formatSummary, formatTable } from '../src/report.js';
import { classify, runSuite, type TestResult } from '../src/suite.js';
import { flagsOf, selectTests } from '../src/tests.js';

const root = mkdtempSync(join(tmpdir(), 'loopfast-node-tests-'));
const testDir = join(root, 'test');
const parallel = join(testDir, 'parallel');
const register = createRequire(import.meta.url).resolve('@loopfast/net/register');

const FILES: Record<string, string> = {
  // Exits 0 only with both of its flags.
  'test-net-flags.js': `'use strict';
// Flags: --expose-internals --no-warnings
const ok = ['--expose-internals', '--no-warnings'].every((flag) => process.execArgv.includes(flag));
process.exit(ok ? 0 : 1);
`,
  // Exits 0 only in a temp dir of its own: a marker left by another run would be there.
  'test-net-tmpdir.mjs': `import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.env.NODE_TEST_DIR;
const marker = join(dir, 'marker');
if (!dir || existsSync(marker) || !/^[01]$/.test(process.env.TEST_THREAD_ID)) process.exit(1);
writeFileSync(marker, '');
`,
  // Fails whenever the preload has replaced net.connect.
  'test-net-preload-only.js': `process.exit(require('node:net').connect.name === 'preloadConnect' ? 1 : 0);
`,
  // Fails through the preload the first time only (a file beside it remembers).
  'test-net-flaky.js': `const fs = require('node:fs');
const seen = __filename + '.seen';
if (require('node:net').connect.name === 'preloadConnect' && !fs.existsSync(seen)) {
  fs.writeFileSync(seen, '');
  throw new Error('first time through the preload');
}
`,
  'test-http-fails.js': `console.error('Error: plainly broken'); process.exit(3);
`,
  'test-http-hangs.js': `setInterval(() => {}, 1000);
`,
  // Not a net or http test: not selected by default.
  'test-fs-other.js': `process.exit(1);
`,
  'fixture-net-helper.json': '{}',
};

beforeAll(() => {
  mkdirSync(parallel, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(parallel, name), text);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('choosing tests', () => {
  it("reads a // Flags: line as Node's harness does", () => {
    expect(
      flagsOf("// Copyright\n'use strict';\n// Flags: --expose-gc  --no-warnings\r\n"),
    ).toEqual(['--expose-gc', '--no-warnings']);
    expect(flagsOf('// Flags: none here\n')).toEqual([]);
    expect(flagsOf(`${' '.repeat(1500)}// Flags: --expose-gc\n`)).toEqual([]);
  });

  it('selects the net and http tests of test/parallel, with their flags', () => {
    const tests = selectTests(testDir, ['test-net-*', 'test-http-*']);
    expect(tests.map((test) => test.name)).toEqual([
      'test-http-fails',
      'test-http-hangs',
      'test-net-flags',
      'test-net-flaky',
      'test-net-preload-only',
      'test-net-tmpdir',
    ]);
    expect(tests.find((test) => test.name === 'test-net-flags')?.flags).toEqual([
      '--expose-internals',
      '--no-warnings',
    ]);
  });
});

describe('a run, plainly and through the preload', () => {
  let results: TestResult[];
  beforeAll(async () => {
    results = await runSuite(selectTests(testDir, ['test-net-*', 'test-http-*']), {
      node: process.execPath,
      register,
      modes: ['plain', 'require', 'import'],
      parallel: 2,
      timeoutMs: 3000,
      confirm: 1,
    });
  }, 60_000);

  const byName = (name: string) => results.find((result) => result.name === name) as TestResult;

  it('classifies each test in each preload mode', () => {
    const classOf = (name: string) => [
      classify(byName(name), 'require'),
      classify(byName(name), 'import'),
    ];
    expect(classOf('test-net-flags')).toEqual(['same', 'same']);
    expect(classOf('test-net-tmpdir')).toEqual(['same', 'same']);
    expect(classOf('test-net-preload-only')).toEqual([
      'preload-only-failure',
      'preload-only-failure',
    ]);
    expect(classOf('test-http-fails')).toEqual(['fails-plainly', 'fails-plainly']);
    expect(classOf('test-http-hangs')).toEqual(['fails-plainly', 'fails-plainly']);
    // The first preloaded run (whichever mode came first) failed, every other run passed.
    expect(classOf('test-net-flaky').sort()).toEqual(['flaky-through-preload', 'same']);
  });

  it('confirms a failure only through the preload by running it again, each way', () => {
    const runs = byName('test-net-preload-only').runs;
    expect(runs.plain?.map((run) => run.verdict)).toEqual(['pass', 'pass']);
    expect(runs.require?.map((run) => run.verdict)).toEqual(['fail', 'fail']);
    expect(byName('test-net-flags').runs.require).toHaveLength(1);
    const hang = byName('test-http-hangs').runs.plain?.[0];
    expect(hang?.verdict).toBe('timeout');
    expect(hang?.ms).toBeGreaterThanOrEqual(3000);
    expect(byName('test-http-fails').runs.plain?.[0]).toMatchObject({ verdict: 'fail', code: 3 });
  });

  it('prints a table and a summary naming the failures only through the preload', () => {
    const table = formatTable(results, ['plain', 'require', 'import']);
    expect(table).toMatch(/^test\s+plain\s+--require\s+--import\n/);
    expect(table).toMatch(/test-net-preload-only\s+pass\/pass\s+fail\(1\)\/fail\(1\)/);
    expect(table).toMatch(/test-http-hangs\s+timeout\s+timeout\s+timeout/);
    const summary = formatSummary(results, ['plain', 'require', 'import'], 'heading');
    expect(summary).toContain('tests run: 6\npassing plainly: 4\n');
    expect(summary).toContain('failing only through the preload (--require): 1\n');
    expect(summary).toContain('  test-net-preload-only fail(1): ');
    expect(classes(results, 'import')['preload-only-failure'].map((r) => r.name)).toEqual([
      'test-net-preload-only',
    ]);
  });
});

describe('the command', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

  it('exits 1 when a test fails only through the preload, and prints the summary', () => {
    const run = spawnSync(
      process.execPath,
      [cli, testDir, '--pattern', 'test-net-preload-only', '--pattern', 'test-net-flags'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('tests run: 2\npassing plainly: 2\n');
    expect(run.stdout).toContain('failing only through the preload (--require): 1\n');
    expect(run.stdout).not.toContain('--import');
  });

  it('exits 0 when nothing fails only through the preload; 2 without a tree', () => {
    expect(
      execFileSync(process.execPath, [cli, testDir, '--pattern', 'test-net-flags'], {
        encoding: 'utf8',
      }),
    ).toContain('failing only through the preload (--require): 0\n');
    expect(spawnSync(process.execPath, [cli], { encoding: 'utf8' }).status).toBe(2);
  });
});
