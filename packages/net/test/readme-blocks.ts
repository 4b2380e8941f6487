/**
 * The examples of the READMEs, as a user copies them: every fenced `js` block of the main README,
 * of the API guide it links (`docs/api.md`) and of each public package's README. Shared by the
 * test that runs them and the one that compiles them as TypeScript.
 */
import { mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const netRoot = join(repoRoot, 'packages', 'net');
const requireFromNet = createRequire(join(netRoot, 'package.json'));
const requireFromRoot = createRequire(join(repoRoot, 'package.json'));

/** The READMEs whose examples must hold, relative to the repository's root. */
export const READMES = [
  'README.md',
  'packages/core/README.md',
  'packages/ffi/README.md',
  'packages/napi/README.md',
  'packages/net/README.md',
] as const;

/** The pages under `docs/` that the main README links, relative to the repository's root. */
export const GUIDES = [
  'docs/api.md',
  'docs/how-it-works.md',
  'docs/security.md',
  'docs/benchmarks.md',
  'docs/development.md',
] as const;

/** One fenced code block. */
export interface Example {
  /** The README, relative to the repository's root. */
  readonly readme: string;
  /** The nearest heading above the block. */
  readonly heading: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  /** The block's text. */
  readonly code: string;
  /** A name for files and test titles: the README's directory, the heading, the line. */
  readonly name: string;
}

/** Every fenced block of `readme` whose language is `language`. */
export function examplesOf(readme: string, language = 'js'): Example[] {
  const lines = readFileSync(join(repoRoot, readme), 'utf8').split('\n');
  const found: Example[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const title = /^#{1,6}\s+(.*)$/.exec(line);
    if (title) heading = title[1] as string;
    const fence = /^```(\S*)/.exec(line);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) {
      body.push(lines[i] as string);
    }
    if (fence[1] !== language) continue;
    const where = dirname(readme) === '.' ? 'root' : (dirname(readme).split('/').pop() as string);
    const slug = heading
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    found.push({
      readme,
      heading,
      line: start + 1,
      code: `${body.join('\n')}\n`,
      name: `${where}-${slug}-line${start + 1}`,
    });
  }
  return found;
}

/** Every `js` example of every README and guide. */
export function allExamples(): Example[] {
  return [...READMES, ...GUIDES].flatMap((readme) => examplesOf(readme));
}

/** Which undici a project gets as `undici`: the devDependency (7) or its alias `undici6`. */
export type UndiciVersion = 'undici' | 'undici6';

/**
 * Makes `dir` a project where the examples' imports resolve as they would for a user who ran
 * `npm install @loopfast/net @loopfast/napi @loopfast/ffi undici`: its `node_modules` links to
 * the workspace's packages (built), to undici (6 or 7) and to Node's types.
 */
export function linkProject(dir: string, undici: UndiciVersion = 'undici'): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@loopfast'), { recursive: true });
  mkdirSync(join(modules, '@types'), { recursive: true });
  for (const name of ['core', 'ffi', 'napi', 'net']) {
    symlinkSync(join(repoRoot, 'packages', name), join(modules, '@loopfast', name), 'dir');
  }
  const undiciRoot = dirname(realpathSync(requireFromNet.resolve(`${undici}/package.json`)));
  symlinkSync(undiciRoot, join(modules, 'undici'), 'dir');
  const nodeTypes = dirname(realpathSync(requireFromRoot.resolve('@types/node/package.json')));
  symlinkSync(nodeTypes, join(modules, '@types', 'node'), 'dir');
}

/** The TypeScript compiler the workspace builds with (5.9). */
export const tscPath: string = requireFromRoot.resolve('typescript/bin/tsc');

/** The version of the undici a project links. */
export function undiciVersionOf(undici: UndiciVersion): string {
  return (requireFromNet(`${undici}/package.json`) as { version: string }).version;
}

/** `file` relative to the repository, for messages. */
export function fromRoot(file: string): string {
  return relative(repoRoot, file);
}
