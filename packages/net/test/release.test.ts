/**
 * The release flow of RELEASING.md: `changeset version`, run on a copy of the workspace's
 * manifests and pending changesets (the repository's own stay untouched), writes a CHANGELOG.md
 * for each public package that carries every pending changeset naming it, bumps its version, and
 * leaves the private packages alone.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './readme-blocks.js';

const PUBLIC = ['core', 'ffi', 'napi', 'net'];
const PRIVATE = ['packages/conformance', 'packages/conformance/lanes', 'apps/bench'];
const changesetBin = createRequire(join(repoRoot, 'package.json')).resolve(
  '@changesets/cli/bin.js',
);

const work = mkdtempSync(join(tmpdir(), 'loopfast-release-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A pending changeset: the packages it names and the first line of its summary. */
function pending(): { packages: string[]; firstLine: string }[] {
  const folder = join(repoRoot, '.changeset');
  return readdirSync(folder)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => {
      const [, front = '', body = ''] =
        /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readFileSync(join(folder, file), 'utf8')) ?? [];
      const packages = [...front.matchAll(/^"(@loopfast\/\w+)": (?:patch|minor|major)$/gm)].map(
        ([, name]) => name as string,
      );
      return { packages, firstLine: body.trim().split('\n')[0] as string };
    });
}

describe('changeset version', () => {
  it('writes a CHANGELOG.md per public package with each of its changesets; private packages keep their version', () => {
    const changesets = pending();
    expect(changesets.length).toBeGreaterThan(0);
    cpSync(join(repoRoot, '.changeset'), join(work, '.changeset'), { recursive: true });
    for (const file of ['package.json', 'pnpm-workspace.yaml']) {
      cpSync(join(repoRoot, file), join(work, file));
    }
    const folders = [...PUBLIC.map((name) => `packages/${name}`), ...PRIVATE];
    for (const folder of folders) {
      mkdirSync(join(work, folder), { recursive: true });
      cpSync(join(repoRoot, folder, 'package.json'), join(work, folder, 'package.json'));
    }
    execFileSync(process.execPath, [changesetBin, 'version'], { cwd: work, stdio: 'pipe' });

    const version = (folder: string, root = work) =>
      (JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { version: string })
        .version;
    for (const name of PUBLIC) {
      const changelog = join(work, 'packages', name, 'CHANGELOG.md');
      expect(existsSync(changelog), name).toBe(true);
      const text = readFileSync(changelog, 'utf8');
      const bumped = version(`packages/${name}`);
      expect(bumped).not.toBe(version(`packages/${name}`, repoRoot));
      expect(text.startsWith(`# @loopfast/${name}\n\n## ${bumped}\n`)).toBe(true);
      const own = changesets.filter((changeset) =>
        changeset.packages.includes(`@loopfast/${name}`),
      );
      expect(own.length, name).toBeGreaterThan(0);
      for (const { firstLine } of own) expect(text, name).toContain(firstLine);
    }
    for (const folder of PRIVATE) {
      expect(version(folder)).toBe(version(folder, repoRoot));
      expect(existsSync(join(work, folder, 'CHANGELOG.md'))).toBe(false);
    }
    // The changesets were consumed in the copy; the repository's are all still there.
    expect(readdirSync(join(work, '.changeset')).filter((file) => file.endsWith('.md'))).toEqual(
      [],
    );
    expect(pending()).toHaveLength(changesets.length);
  }, 60_000);
});
