#!/usr/bin/env node
/**
 * Packs the four public packages, as they would be published, into one folder (`packed/` unless
 * a folder is named): `pnpm pack` in each, which turns the `workspace:` ranges into versions.
 * `pnpm pack:all` builds first; this script packs what is built. It ends with the command that
 * installs the tarballs into a project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC = ['core', 'ffi', 'napi', 'net'];
const root = fileURLToPath(new URL('..', import.meta.url));
const destination = resolve(process.argv[2] ?? join(root, 'packed'));

for (const name of PUBLIC) {
  if (!existsSync(join(root, 'packages', name, 'dist', 'index.js'))) {
    process.stderr.write(`packages/${name} is not built: run \`pnpm build\` first\n`);
    process.exit(1);
  }
}
// Tarballs of an earlier version would otherwise sit beside the new ones.
rmSync(destination, { recursive: true, force: true });
mkdirSync(destination, { recursive: true });
const tarballs = PUBLIC.map((name) => {
  const output = execFileSync('pnpm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: join(root, 'packages', name),
    encoding: 'utf8',
  });
  return JSON.parse(output).filename;
});
const shown = relative(process.cwd(), destination) || '.';
process.stdout.write(
  `${tarballs.map((file) => `${join(shown, basename(file))}\n`).join('')}\n` +
    `Install them into a project (core, net and at least one backend) with:\n` +
    `  npm install ${tarballs.map((file) => `./${basename(file)}`).join(' ')}\n` +
    `run in ${shown}, or with these paths from anywhere else.\n`,
);
