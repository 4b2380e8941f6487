/**
 * The documents a contributor and a user read stay true to the code: the error-code table of
 * ARCHITECTURE.md names every code the sources define, source comments point only to files in
 * the repository, relative links resolve, and README headings keep their words in the API
 * reference's table of contents (typedoc drops code spans there).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { READMES, repoRoot } from './readme-blocks.js';

/** Every file under `dir` (relative to the repository) whose name matches `pattern`. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  const root = join(repoRoot, dir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist', 'build', 'prebuilds', '.cache'].includes(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const PACKAGE_DIRS = [
  'packages/core',
  'packages/ffi',
  'packages/napi',
  'packages/net',
  'packages/conformance',
  'apps/bench',
];
const sources = (folders: string[]) =>
  PACKAGE_DIRS.flatMap((dir) =>
    folders.flatMap((folder) => filesUnder(join(dir, folder), /\.(ts|mts|cts|mjs|cjs|js|cc|h)$/)),
  );
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

describe('ARCHITECTURE.md', () => {
  const architecture = read('ARCHITECTURE.md');

  it('its one table of error codes names every code the sources define', () => {
    const literals = new Set<string>();
    const environment = new Set<string>();
    for (const file of sources(['src'])) {
      const text = read(file);
      for (const [, code] of text.matchAll(/'((?:ERR_)?LOOPFAST_[A-Z_]+)'/g))
        literals.add(code as string);
      for (const [, name] of text.matchAll(/_ENV = '(LOOPFAST_[A-Z_]+)'/g))
        environment.add(name as string);
    }
    // Environment variables are not codes; the rest must be in the table.
    const codes = [...literals].filter((code) => !environment.has(code)).sort();
    expect(codes).toContain('ERR_LOOPFAST_BACKEND_UNAVAILABLE');
    expect(codes).toContain('LOOPFAST_UNKNOWN_BACKEND');
    const table = architecture.slice(
      architecture.indexOf('## Error codes'),
      architecture.indexOf('## Adding a backend'),
    );
    expect(codes.filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });

  it('names files that exist', () => {
    const paths = [...architecture.matchAll(/`((?:packages|apps)\/[\w./<>-]+)`/g)]
      .map(([, path]) => path as string)
      .filter((path) => !path.includes('<'));
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });
});

describe('sources', () => {
  it('point to no document outside the repository', () => {
    const offenders = sources(['src', 'test', 'scripts', 'lanes']).filter((file) =>
      /DESIGN\.md|STYLE\.md|\bseeds\//.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the READMEs and ARCHITECTURE.md', () => {
  const documents = [...READMES, 'ARCHITECTURE.md'];

  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const document of documents) {
      for (const [, target] of read(document).matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = (target as string).split('#')[0] as string;
        if (path === '' || /^[a-z]+:/.test(path)) continue;
        const resolved = join(repoRoot, dirname(document), path);
        if (!existsSync(resolved)) broken.push(`${document}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('have headings without code spans, which the API reference would drop from its contents', () => {
    const coded = documents.flatMap((document) => {
      let fenced = false;
      return read(document)
        .split('\n')
        .filter((line) => {
          if (line.startsWith('```')) fenced = !fenced;
          return !fenced && /^#{1,6} .*`/.test(line);
        })
        .map((line) => `${document}: ${line}`);
    });
    expect(coded).toEqual([]);
  });

  it('the README names the API docs command and where it writes, and the script exists', () => {
    const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    // `pnpm docs` is pnpm's own command (it opens a package's npm page), so the script is not
    // called that.
    expect(manifest.scripts.docs).toBeUndefined();
    expect(manifest.scripts['docs:build']).toBe('typedoc');
    expect(manifest.scripts.test).toContain(' docs:build ');
    expect(read('turbo.json')).toContain('"//#docs:build"');
    expect(read('README.md')).toMatch(/pnpm docs:build +# .*docs-site\//);
    const typedoc = JSON.parse(read('typedoc.json')) as { out: string };
    expect(typedoc.out).toBe('docs-site');
  });
});
