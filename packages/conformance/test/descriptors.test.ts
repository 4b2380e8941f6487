import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDescriptors, settleDescriptorCount } from '../src/index.js';

describe.runIf(process.platform === 'linux')('openDescriptors', () => {
  it('lists a descriptor while open and not after, without counting its own directory handle', () => {
    const fd = openSync(join(tmpdir(), `loopfast-descriptor-${process.pid}`), 'w');
    expect(openDescriptors('/proc/self/fd')).toContain(fd);
    const count = openDescriptors('/proc/self/fd').length;
    closeSync(fd);
    // The listing itself now takes the number just freed; it must not show up as still open.
    expect(openDescriptors('/proc/self/fd')).not.toContain(fd);
    expect(openDescriptors('/proc/self/fd').length).toBe(count - 1);
  });

  it('settles on the expected count, or reports the count it saw', async () => {
    const now = openDescriptors('/proc/self/fd').length;
    expect(await settleDescriptorCount('/proc/self/fd', now)).toBe(now);
    expect(await settleDescriptorCount('/proc/self/fd', now + 5, 100)).toBe(now);
  });
});
