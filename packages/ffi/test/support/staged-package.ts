import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const requireHere = createRequire(join(PACKAGE_DIR, 'package.json'));

/** A fresh build of this package installed in a scratch `node_modules`, for child processes. */
export interface StagedPackage {
  /** A project folder whose `node_modules` has @loopfast/ffi, @loopfast/core and koffi. */
  readonly withKoffi: string;
  /** The same, without koffi: nothing on the resolution path can provide it. */
  readonly withoutKoffi: string;
  /** Runs an ES module script in `project` with plain `node`; returns its exit status and output. */
  run(project: string, script: string): { status: number | null; stdout: string; stderr: string };
  /** Removes everything. */
  dispose(): void;
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}

/**
 * Compiles `src/` with the build config into a scratch folder (never touching `dist/`) and lays
 * out two projects that import it as `@loopfast/ffi`, one where koffi resolves and one where it
 * cannot.
 */
export function stagePackage(): StagedPackage {
  const root = mkdtempSync(join(tmpdir(), 'loopfast-ffi-stage-'));
  const build = join(root, 'build');
  execFileSync(
    process.execPath,
    [
      requireHere.resolve('typescript/bin/tsc'),
      '-p',
      join(PACKAGE_DIR, 'tsconfig.build.json'),
      '--outDir',
      join(build, 'dist'),
      '--declaration',
      'false',
      '--declarationMap',
      'false',
      '--sourceMap',
      'false',
    ],
    { stdio: 'pipe' },
  );
  copyFileSync(join(PACKAGE_DIR, 'package.json'), join(build, 'package.json'));
  const core = realpathSync(join(PACKAGE_DIR, 'node_modules/@loopfast/core'));
  const koffi = realpathSync(join(PACKAGE_DIR, 'node_modules/koffi'));

  const project = (name: string, withKoffi: boolean): string => {
    const dir = join(root, name);
    // A copy, not a link: Node resolves from a module's real path, and koffi must be looked up
    // from inside each project.
    cpSync(build, join(dir, 'node_modules/@loopfast/ffi'), { recursive: true });
    link(core, join(dir, 'node_modules/@loopfast/core'));
    if (withKoffi) link(koffi, join(dir, 'node_modules/koffi'));
    return dir;
  };
  const withKoffi = project('with-koffi', true);
  const withoutKoffi = project('without-koffi', false);

  return {
    withKoffi,
    withoutKoffi,
    run(dir, script) {
      const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
      writeFileSync(file, script);
      const { NODE_PATH: _ignored, ...env } = process.env;
      const child = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env });
      return { status: child.status, stdout: child.stdout, stderr: child.stderr };
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
