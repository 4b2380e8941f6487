/**
 * What `npm install` gives a user: each public package packed as it would be published (by the
 * script of `pnpm pack:all`: `pnpm pack`, which turns `workspace:` ranges into versions), its
 * file list and manifest, and
 * the four tarballs installed with npm into fresh projects outside the workspace (once with
 * install scripts, once with `--ignore-scripts`), where a small program connects with each
 * backend. Dependencies the packages do not carry (koffi, node-gyp-build, node-addon-api) come
 * from the npm registry, as for a user.
 *
 * Needs `pnpm build` first (turbo's `test` task depends on `build`).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix as posixPath } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Example, examplesOf, repoRoot } from './readme-blocks.js';

const run = promisify(execFile);
const PUBLIC = ['core', 'ffi', 'napi', 'net'] as const;
type PackageName = (typeof PUBLIC)[number];
const posix = process.platform === 'linux' || process.platform === 'darwin';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  private?: boolean;
  types?: string;
  bin?: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Environment for npm and the user's programs: no store-wide NODE_PATH, no loopfast overrides. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {
    NODE_PATH: _storePath,
    NODE_DEBUG: _debug,
    LOOPFAST_BACKEND: _backend,
    LOOPFAST_DISABLE: _disable,
    ...env
  } = process.env;
  // What pnpm's script runner exports about itself and the package it runs in; a user's npm has
  // none of it. npm settings a machine has in its environment (a registry mirror, a proxy, a
  // cache) stay.
  for (const key of Object.keys(env)) {
    if (
      /^(npm_(lifecycle|package)_|npm_(command|execpath|node_execpath)$|pnpm_)/i.test(key) ||
      /^npm_config_(user_agent|verify_deps_before_run|node_gyp)$/i.test(key)
    ) {
      delete env[key];
    }
  }
  return { ...env, ...extra };
}

/**
 * The targets of a README's links: inline links and images, reference definitions and HTML
 * `href` / `src`, outside code blocks and code spans.
 */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [
    ...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
    ...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm),
    ...prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g),
  ].map(([, target]) => target as string);
}

// POSIX only: the Windows lane (Wine) has neither pnpm nor npm and tar to pack and install with.
describe.runIf(posix)('the published packages', () => {
  let work: string;
  const tarballs = new Map<PackageName, string>();
  const files = new Map<PackageName, string[]>();
  const manifests = new Map<PackageName, Manifest>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'loopfast-packages-'));
    const packed = join(work, 'tarballs');
    mkdirSync(packed);
    // What `pnpm pack:all` runs once the packages are built: one tarball each, in one folder.
    const output = execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts', 'pack-all.mjs'), packed],
      {
        encoding: 'utf8',
        env: userEnv(),
      },
    );
    const tarballOf = (name: PackageName) => {
      const { version } = JSON.parse(
        readFileSync(join(repoRoot, 'packages', name, 'package.json'), 'utf8'),
      ) as Manifest;
      return `loopfast-${name}-${version}.tgz`;
    };
    const written = readdirSync(packed).sort();
    expect(written).toEqual(PUBLIC.map(tarballOf));
    expect(output).toContain(`npm install ${written.map((file) => `./${file}`).join(' ')}\n`);
    for (const name of PUBLIC) {
      const filename = join(packed, tarballOf(name));
      tarballs.set(name, filename);
      const list = execFileSync('tar', ['-tzf', filename], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.replace(/^package\//, ''));
      files.set(name, list);
      manifests.set(
        name,
        JSON.parse(
          execFileSync('tar', ['-xzOf', filename, 'package/package.json'], { encoding: 'utf8' }),
        ) as Manifest,
      );
    }
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe.each(PUBLIC)('@loopfast/%s', (name) => {
    it('carries its README and the LICENSE, the compiled code and its sources; nothing else', () => {
      const list = files.get(name) as string[];
      expect(list).toContain('package.json');
      expect(list).toContain('README.md');
      expect(list).toContain('LICENSE');
      expect(list).toContain('dist/index.js');
      expect(list).toContain('dist/index.d.ts');
      const license = execFileSync(
        'tar',
        ['-xzOf', tarballs.get(name) as string, 'package/LICENSE'],
        { encoding: 'utf8' },
      );
      expect(license).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
      expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the loopfast contributors\n/);
      const readme = execFileSync(
        'tar',
        ['-xzOf', tarballs.get(name) as string, 'package/README.md'],
        { encoding: 'utf8' },
      );
      expect(readme.startsWith(`# @loopfast/${name}\n`)).toBe(true);
      expect(readme).toContain('## Install');
      expect(readme).toContain(`npm install`);
      // Read on npmjs.com or in node_modules, where the repository is not around it: a relative
      // link must name a file the tarball holds, any other must be an https address.
      const broken = linksOf(readme).filter((target) => {
        if (target.startsWith('#')) return false;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          return !target.startsWith('https://') || target.includes('../');
        }
        const path = posixPath.normalize(decodeURI(target.split('#')[0] as string));
        return (
          path.startsWith('../') ||
          !list.some((file) => file === path || file.startsWith(`${path.replace(/\/$/, '')}/`))
        );
      });
      expect(broken).toEqual([]);

      // No tests, build logs or trees, dependencies, caches or editor files.
      const unwanted = list.filter(
        (file) =>
          /(^|\/)(test|tests|node_modules|build|\.turbo|coverage)\//.test(file) ||
          /\.(log|tsbuildinfo|o|obj)$/.test(file) ||
          /(^|\/)\./.test(file),
      );
      expect(unwanted).toEqual([]);
      // Only what `files` names, plus what npm always adds.
      const tops = [...new Set(list.map((file) => file.split('/')[0]))].sort();
      const allowed = ['LICENSE', 'README.md', 'dist', 'package.json', 'src'];
      if (name === 'napi') allowed.push('binding.gyp', 'prebuilds', 'scripts');
      if (name === 'net') allowed.push('bin');
      expect(tops).toEqual(allowed.sort());
      // Every compiled module comes from a source that still exists: no stale build output.
      const sources = new Set(list.filter((file) => file.startsWith('src/')));
      const stale = list
        .filter((file) => /^dist\/.*\.js$/.test(file))
        .filter((file) => !sources.has(file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')));
      expect(stale).toEqual([]);
    });

    it('declares MIT, exports its entry and ./package.json, and has no workspace: ranges', () => {
      const manifest = manifests.get(name) as Manifest;
      const list = new Set(files.get(name));
      expect(manifest.name).toBe(`@loopfast/${name}`);
      expect(manifest.license).toBe('MIT');
      // Where npm's page links: the repository (this package's folder), its README, the issues.
      expect(manifest.repository).toEqual({
        type: 'git',
        url: 'git+https://github.com/loopfast/loopfast.git',
        directory: `packages/${name}`,
      });
      expect(manifest.homepage).toBe(
        `https://github.com/loopfast/loopfast/tree/main/packages/${name}#readme`,
      );
      expect(manifest.bugs).toEqual({ url: 'https://github.com/loopfast/loopfast/issues' });
      expect(manifest.private).toBeUndefined();
      // The entry and ./package.json as every package has them; any other export (a subpath)
      // and any bin must point at a file the tarball holds.
      expect(manifest.exports['.']).toEqual({
        types: './dist/index.d.ts',
        default: './dist/index.js',
      });
      expect(manifest.exports['./package.json']).toBe('./package.json');
      const targets = Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      );
      const bins = Object.values(manifest.bin ?? {});
      for (const target of [...targets, ...bins]) {
        expect(list.has(target.replace(/^\.\//, '')), target).toBe(true);
      }
      expect(list.has((manifest.types as string).replace(/^\.\//, ''))).toBe(true);
      const ranges = { ...manifest.dependencies, ...manifest.peerDependencies };
      expect(Object.values(ranges).filter((range) => range.startsWith('workspace:'))).toEqual([]);
      if (name !== 'core')
        expect(manifest.dependencies?.['@loopfast/core']).toBe(`^${manifest.version}`);
    });
  });

  /**
   * A user's program: a server and a client on 127.0.0.1 with each backend, through the
   * rendezvous; `require` of every package's package.json from CommonJS.
   */
  const PROGRAM = `import { once } from 'node:events';
import { createRequire } from 'node:module';
import { backend as ffi } from '@loopfast/ffi';
import { backend as napi } from '@loopfast/napi';
import { createLoopfast } from '@loopfast/net';

const require = createRequire(import.meta.url);
const versions = ['core', 'ffi', 'napi', 'net'].map((name) => require('@loopfast/' + name + '/package.json').version);
const results = {};
for (const backend of [ffi, napi]) {
  const { connect, createServer, fastPathInfo } = createLoopfast({ backend, loopbackFastPath: true });
  const server = createServer((socket) => socket.end('pong from ' + backend.name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({ port: server.address().port, host: '127.0.0.1' });
  let reply = '';
  client.setEncoding('utf8');
  client.on('data', (chunk) => { reply += chunk; });
  await once(client, 'close');
  const { state, mechanism } = fastPathInfo(client);
  results[backend.name] = { reply, state, mechanism, server: fastPathInfo(server).state };
  server.close();
}
process.stdout.write(JSON.stringify({ versions, results }));
`;

  /** A fresh npm project with the tarballs of `names` installed; returns its directory. */
  async function install(
    label: string,
    flags: string[],
    names: readonly PackageName[] = PUBLIC,
  ): Promise<string> {
    const dir = join(work, label);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `loopfast-user-${label}`, private: true, type: 'module' }, null, 2)}\n`,
    );
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        ...flags,
        ...names.map((name) => tarballs.get(name) as string),
      ],
      { cwd: dir, env: userEnv(), timeout: 120_000 },
    );
    writeFileSync(join(dir, 'program.mjs'), PROGRAM);
    return dir;
  }

  it('install with npm in fresh projects (with and without install scripts) and connect with each backend', async () => {
    const projects = await Promise.all([
      install('scripts', []),
      install('ignore-scripts', ['--ignore-scripts']),
    ]);
    for (const dir of projects) {
      // Installed from the tarballs, outside the workspace: nothing resolves back into it.
      expect(existsSync(join(dir, 'node_modules', '@loopfast', 'net', 'README.md'))).toBe(true);
      const runtime = mkdtempSync(join(work, 'runtime-'));
      const { stdout, stderr } = await run(process.execPath, ['program.mjs'], {
        cwd: dir,
        env: userEnv({ XDG_RUNTIME_DIR: runtime }),
        timeout: 30_000,
      });
      expect(stderr).toBe('');
      const { versions, results } = JSON.parse(stdout) as {
        versions: string[];
        results: Record<string, Record<string, string>>;
      };
      expect(versions).toEqual(PUBLIC.map((name) => (manifests.get(name) as Manifest).version));
      for (const backend of ['ffi', 'napi']) {
        expect(results[backend]).toEqual({
          reply: `pong from ${backend}`,
          state: 'enabled',
          mechanism: 'unix-rendezvous',
          server: 'enabled',
        });
      }
      // The napi addon came from the package's prebuilt binary: no compiler ran.
      expect(existsSync(join(dir, 'node_modules', '@loopfast', 'napi', 'build'))).toBe(false);
    }
  }, 180_000);

  /** `npx @loopfast/net doctor`, as the README says, in `dir`: the exit code and the lines. */
  async function doctorIn(
    dir: string,
  ): Promise<{ code: number; lines: string[][]; result: string }> {
    let code = 0;
    let stdout: string;
    // A temp directory of its own, holding the rendezvous directory as a server makes it.
    const tmp = mkdtempSync(join(work, 'tmp-'));
    mkdirSync(join(tmp, `loopfast-${process.geteuid?.() ?? 0}`), { mode: 0o700 });
    const { XDG_RUNTIME_DIR: _runtime, ...env } = userEnv({ TMPDIR: tmp });
    try {
      ({ stdout } = await run('npx', ['@loopfast/net', 'doctor'], {
        cwd: dir,
        env,
        timeout: 60_000,
      }));
    } catch (error) {
      ({ stdout } = error as { stdout: string });
      code = (error as { code: number }).code;
    }
    const lines = [...stdout.matchAll(/^ {2}(PASS|INFO|WARN|FAIL) {2}(.+?) {2,}(.*)$/gm)].map(
      ([, level, name, detail]) => [level as string, (name as string).trim(), detail as string],
    );
    return { code, lines, result: /^Result: (\w+)/m.exec(stdout)?.[1] ?? '' };
  }

  it('npx @loopfast/net doctor passes with one backend (the other is INFO), and with none names the install command', async () => {
    const [both, napiOnly, ffiOnly, none] = await Promise.all([
      install('doctor-both', []),
      install('doctor-napi', [], ['core', 'napi', 'net']),
      install('doctor-ffi', [], ['core', 'ffi', 'net']),
      install('doctor-none', [], ['core', 'net']),
    ]);
    const loaded = expect.stringMatching(
      /^loaded \(version [\d.]+\); a native socket was made and closed$/,
    );
    const backends = (lines: string[][]) =>
      lines.filter(([, name = '']) => name.startsWith('backend') || name === 'round trip');
    const enabled = (backend: string) =>
      `a fast-path client and server in this process: enabled (unix-rendezvous, ${backend})`;

    const withBoth = await doctorIn(both);
    expect(withBoth).toMatchObject({ code: 0, result: 'PASS' });
    expect(withBoth.lines.filter(([level]) => level !== 'PASS')).toEqual([]);
    expect(backends(withBoth.lines)).toEqual([
      ['PASS', 'backend napi', loaded],
      ['PASS', 'backend ffi', loaded],
      ['PASS', 'backend in use', 'napi (LOOPFAST_BACKEND unset)'],
      ['PASS', 'round trip', enabled('napi')],
    ]);

    const withNapi = await doctorIn(napiOnly);
    expect(withNapi).toMatchObject({ code: 0, result: 'PASS' });
    // The README's sample is this case: the same lines, levels and wording but for what is this
    // machine's own (versions, the namespace, the directory).
    const sample = /^loopfast doctor\n\n([\s\S]*?)\n\nResult: PASS: /m.exec(
      readFileSync(join(repoRoot, 'README.md'), 'utf8'),
    )?.[1];
    const own = /v\d+\.\d+\.\d+|\d+\.\d+\.\d+|\b\d{6,}\b|\/\S*loopfast-\d+|uid \d+/g;
    const masked = (lines: string[][]) =>
      lines.map((line) => line.join(' | ').replace(own, '<own>'));
    const sampleLines = [
      ...(sample ?? '').matchAll(/^ {2}(PASS|INFO|WARN|FAIL) {2}(.+?) {2,}(.*)$/gm),
    ].map(([, level, name, detail]) => [level, name?.trim(), detail] as string[]);
    expect(sampleLines.length).toBeGreaterThan(10);
    expect(masked(withNapi.lines)).toEqual(masked(sampleLines));
    expect(withNapi.lines.filter(([level]) => level === 'FAIL' || level === 'WARN')).toEqual([]);
    expect(backends(withNapi.lines)).toEqual([
      ['PASS', 'backend napi', loaded],
      [
        'INFO',
        'backend ffi',
        'not installed; optional, as napi works (npm install @loopfast/ffi adds it)',
      ],
      ['PASS', 'backend in use', 'napi (LOOPFAST_BACKEND unset)'],
      ['PASS', 'round trip', enabled('napi')],
    ]);

    const withFfi = await doctorIn(ffiOnly);
    expect(withFfi).toMatchObject({ code: 0, result: 'PASS' });
    expect(backends(withFfi.lines)).toEqual([
      [
        'INFO',
        'backend napi',
        'not installed; optional, as ffi works (npm install @loopfast/napi adds it)',
      ],
      ['PASS', 'backend ffi', loaded],
      ['PASS', 'backend in use', 'ffi (LOOPFAST_BACKEND unset)'],
      ['PASS', 'round trip', enabled('ffi')],
    ]);

    const withNone = await doctorIn(none);
    expect(withNone).toMatchObject({ code: 1, result: 'FAIL' });
    expect(backends(withNone.lines)).toEqual([
      ['FAIL', 'backend napi', 'not installed'],
      ['FAIL', 'backend ffi', 'not installed'],
      [
        'FAIL',
        'backend in use',
        'none installed: npm install @loopfast/napi (or npm install @loopfast/ffi, which needs no compiler)',
      ],
      ['FAIL', 'round trip', expect.stringMatching(/: [a-z-]+: no backend available: /)],
    ]);
  }, 180_000);

  it("runs the README's quick start in a project that installed the tarballs", async () => {
    const dir = await install('quick-start', [], ['core', 'napi', 'net']);
    const [example] = examplesOf('README.md');
    writeFileSync(join(dir, 'quick-start.mjs'), (example as Example).code);
    const { stdout, stderr } = await run(process.execPath, ['quick-start.mjs'], {
      cwd: dir,
      env: userEnv({ XDG_RUNTIME_DIR: mkdtempSync(join(work, 'runtime-')) }),
      timeout: 30_000,
    });
    expect(stderr).toBe('');
    expect(stdout).toContain("state: 'enabled'");
    expect(stdout).toContain("mechanism: 'unix-rendezvous'");
    expect(stdout).toContain('hello\n');
  }, 180_000);
});
