import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One config for the whole workspace: each package is a project, run from its own folder. Roots
// are absolute, so a package's own `vitest run --root ../..` finds them from any directory.
const projects = [
  ['@loopfast/core', 'packages/core'],
  ['@loopfast/ffi', 'packages/ffi'],
  ['@loopfast/napi', 'packages/napi'],
  ['@loopfast/net', 'packages/net'],
  ['@loopfast/conformance', 'packages/conformance'],
  ['@loopfast/bench', 'apps/bench'],
  ['@loopfast/node-tests', 'apps/node-tests'],
] as const;

export default defineConfig({
  test: {
    // Native sockets and descriptor counts want one process per test file, not shared threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: projects.map(([name, root]) => ({
      extends: true,
      test: { name, root: fileURLToPath(new URL(`./${root}/`, import.meta.url)), include: ['test/**/*.test.ts'] },
    })),
  },
});
