/**
 * Importing the backend must not load the addon (so `import` never throws); the first call does.
 * Kept alone in its file: vitest runs each file in a fresh process, so nothing else has loaded
 * the addon yet.
 */
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

/** The native modules Node has loaded into this process so far. */
function loadedAddons(): string[] {
  return Object.keys(require.cache).filter((file) => file.endsWith('.node'));
}

describe('lazy loading', () => {
  it('import loads nothing native; the first call loads the addon from this package', async () => {
    expect(loadedAddons()).toEqual([]);
    const { backend } = await import('../src/index.js');
    expect(backend.name).toBe('napi');
    expect(loadedAddons()).toEqual([]);

    const socket = backend.createTcpSocket(4);
    backend.closeSocket(socket);
    const addons = loadedAddons();
    expect(addons).toHaveLength(1);
    const root = new URL('..', import.meta.url).pathname;
    expect(addons[0]?.startsWith(root)).toBe(true);
    expect(addons[0]).toMatch(new RegExp(`\\${sep}(build\\${sep}Release|prebuilds)\\${sep}`));
  });
});
