import { defineConfig } from 'vitest/config';

// One config for the whole workspace: each package is a project, run from its own folder.
const projects = [
  ['@loopfast/core', 'packages/core'],
  ['@loopfast/ffi', 'packages/ffi'],
  ['@loopfast/napi', 'packages/napi'],
  ['@loopfast/net', 'packages/net'],
  ['@loopfast/conformance', 'packages/conformance'],
  ['@loopfast/bench', 'apps/bench'],
] as const;

export default defineConfig({
  test: {
    // Native sockets and descriptor counts want one process per test file, not shared threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: projects.map(([name, root]) => ({
      extends: true,
      test: { name, root, include: ['test/**/*.test.ts'] },
    })),
  },
});
