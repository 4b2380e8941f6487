#!/usr/bin/env node
/**
 * The package's install script. Installed into a project (the package inside a node_modules
 * folder), it runs node-gyp-build, which uses the prebuilt binary for this platform or compiles
 * the addon. In the loopfast repository itself it does nothing: the workspace's build (which
 * `pnpm install` runs) compiles the addon once per platform, and a compile here would be a
 * second one for this platform.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!/[\\/]node_modules[\\/]/.test(root)) {
  process.stdout.write(
    '@loopfast/napi: in the loopfast repository; the build compiles the addon\n',
  );
  process.exit(0);
}
const require = createRequire(import.meta.url);
const result = spawnSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
