import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('CommonJS consumers', () => {
  it('can require() the built package (Node >= 20.19 loads ESM through require)', () => {
    const entry = createRequire(import.meta.url).resolve('@loopfast/core');
    const dir = mkdtempSync(join(tmpdir(), 'loopfast-cjs-'));
    try {
      const script = join(dir, 'consumer.cjs');
      writeFileSync(
        script,
        `const core = require(${JSON.stringify(entry)});\n` +
          'process.stdout.write(JSON.stringify([core.SIO_LOOPBACK_FAST_PATH, typeof core.isLoopbackAddress]));\n',
      );
      const out = execFileSync(process.execPath, [script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(JSON.parse(out)).toEqual([0x98000010, 'function']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
