/**
 * `--json` and `--report` name files written after a run that takes a minute or more: a path
 * that cannot be written is a usage error (exit code 2), found before anything is measured.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputPathProblem, outputPathProblems } from '../src/config.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The full default run measures for about a minute: a 15 s limit proves nothing was measured.
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: number | string }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build @loopfast/bench first (pnpm build)`);
  dir = mkdtempSync(join(tmpdir(), 'loopfast-bench-paths-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('output paths', () => {
  it('accepts a new file in an existing directory, and an existing file', () => {
    expect(outputPathProblem(join(dir, 'new.json'), '--json')).toBeNull();
    const existing = join(dir, 'existing.html');
    writeFileSync(existing, 'old');
    expect(outputPathProblem(existing, '--report')).toBeNull();
    expect(outputPathProblems({ json: null, report: null })).toEqual([]);
  });

  it('names a missing directory, a directory given as the file, and a file given as a directory', () => {
    const missing = join(dir, 'no-such-dir', 'out.json');
    expect(outputPathProblem(missing, '--json')).toBe(
      `--json ${missing}: the directory ${join(dir, 'no-such-dir')} does not exist`,
    );
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(outputPathProblem(folder, '--report')).toBe(
      `--report ${folder}: is a directory, not a file name`,
    );
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(outputPathProblem(join(file, 'out.json'), '--json')).toBe(
      `--json ${join(file, 'out.json')}: ${file} is not a directory`,
    );
    expect(outputPathProblems({ json: missing, report: folder })).toHaveLength(2);
  });

  it('the CLI refuses them with exit code 2 before measuring, without a stack trace', async () => {
    const missing = join(dir, 'no-such-dir', 'report.html');
    const started = performance.now();
    // A full default run otherwise: --progress would print the run's header before measuring.
    const { code, stdout, stderr } = await run(['--report', missing, '--progress']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `loopfast-bench: --report ${missing}: the directory ${join(dir, 'no-such-dir')} does not exist\nNothing was measured.\n`,
    );
    expect(stderr).not.toContain('loopfast bench:');
    expect(existsSync(missing)).toBe(false);
    // Generous: a run that measured would take a minute.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('reports both flags at once', async () => {
    const folder = join(dir, 'out-dir');
    mkdirSync(folder);
    const missing = join(dir, 'gone', 'out.json');
    const { code, stderr } = await run(['--json', missing, '--report', folder]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--json ${missing}: the directory`);
    expect(stderr).toContain(`--report ${folder}: is a directory`);
  });
});
