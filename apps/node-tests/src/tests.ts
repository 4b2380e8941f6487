/**
 * Which of Node's tests to run, and how Node's own runner would start each: the files of a
 * source tree's `test/parallel` whose names match the patterns, and the flags each file asks
 * for on its `// Flags:` line.
 *
 * @module
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** The patterns run when none are given: Node's own tests of `node:net` and `node:http`. */
export const DEFAULT_PATTERNS: readonly string[] = ['test-net-*', 'test-http-*'];

/** One test file of the tree. */
export interface TestFile {
  /** The file name without its extension, as Node's runner names the test (`test-net-pipe`). */
  readonly name: string;
  /** The file's absolute path. */
  readonly path: string;
  /** The flags from its `// Flags:` line (none when it has none). */
  readonly flags: readonly string[];
}

const TEST_EXTENSION = /\.(js|mjs|cjs)$/;

/** A file-name pattern (`*` for any run of characters) as a regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

/**
 * The flags a test file asks for: the words after `// Flags:` (starting with `--`) within the
 * file's first 1500 bytes, where a licence header may come first. The same rule as Node's test
 * harness (`test/common`), which refuses to run a test started without them.
 */
export function flagsOf(source: string): string[] {
  const match = /\/\/ Flags:\s+(--[^\r\n]*)/.exec(source.slice(0, 1500));
  return match?.[1] ? match[1].split(/\s+/).filter(Boolean) : [];
}

function readHead(path: string): string {
  const buffer = Buffer.alloc(1500);
  const fd = openSync(path, 'r');
  try {
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The tests of `<testDir>/parallel` whose names match one of `patterns`, sorted by name. */
export function selectTests(testDir: string, patterns: readonly string[]): TestFile[] {
  const directory = join(testDir, 'parallel');
  const matchers = patterns.map(patternToRegExp);
  return readdirSync(directory)
    .filter((file) => TEST_EXTENSION.test(file))
    .map((file) => ({ file, name: file.replace(TEST_EXTENSION, '') }))
    .filter(({ name }) => matchers.some((matcher) => matcher.test(name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ file, name }) => {
      const path = join(directory, file);
      return { name, path, flags: flagsOf(readHead(path)) };
    });
}
