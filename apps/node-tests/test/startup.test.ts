/**
 * The start-up measurement runs each variant as a whole process and prints medians, with the
 * differences from plain `node`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const startup = fileURLToPath(new URL('../dist/startup.js', import.meta.url));

describe.skipIf(!existsSync('/usr/bin/time'))('loopfast-startup', () => {
  it('prints the medians of each variant and the preload’s cost over plain node', () => {
    const run = spawnSync(process.execPath, [startup, '--pairs', '3'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('3 rounds; medians (wall, peak RSS):');
    expect(lines[1]).toMatch(/^node -e 0 +\d+\.\d ms {2}\d+\.\d MiB$/);
    expect(lines[2]).toMatch(
      /^node --import register -e 0 +\d+\.\d ms {2}\d+\.\d MiB {2}\([+-]\d+\.\d ms, [+-]\d+\.\d MiB\)$/,
    );
    expect(lines[3]).toMatch(/^node --require register -e 0 /);
  });
});
