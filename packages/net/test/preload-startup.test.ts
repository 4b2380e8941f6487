/**
 * The preload loads nothing at start-up: a process started with `--import` or `--require
 * @loopfast/net/register` has loaded the same built-in modules as one started with an empty
 * preload of the same kind (no `node:net`, `node:http`, HTTP parser, `node:tls`, `node:crypto`,
 * `node:cluster`), and no backend. `node:net`, `node:http` and `node:tls` are patched when the
 * program loads them later, by `require` or by `import` (static, dynamic, named), and the
 * backend loads at the first connect or listen. Checked in fresh processes, by Node's own list
 * of the built-in modules it has loaded (`process.moduleLoadList`) and the shared objects in the
 * process (`process.report`).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NET_URL, removeScripts, writeScript } from './support/agents.js';
import { dataOf, type PreloadFlag, runScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

afterAll(() => {
  removeTemps();
  removeScripts();
});

/** Prints what the process has loaded, before anything of the script's own. */
const SNAPSHOT = `
const loaded = [...process.moduleLoadList].sort();
const addons = process.report.getReport().sharedObjects.filter((file) => file.endsWith('.node'));
process.stdout.write(JSON.stringify({ event: 'start-up', data: { loaded, addons } }) + '\\n');
`;
const SNAPSHOT_CJS = writeScript('startup-snapshot.cjs', SNAPSHOT);
const SNAPSHOT_ESM = writeScript('startup-snapshot.mjs', SNAPSHOT);

interface StartUp {
  readonly loaded: string[];
  readonly addons: string[];
}

/** Node's entries in `process.moduleLoadList` for the modules the preload must not load early. */
const NETWORK =
  /^(NativeModule (net|_?http.*|_?tls.*|https|crypto|cluster|dns)|Internal Binding (http_parser|tcp_wrap|tls_wrap|crypto))$/;

describe('at start-up', () => {
  it.each([
    ['import', SNAPSHOT_ESM],
    ['require', SNAPSHOT_CJS],
  ] as const)('--%s loads what an empty preload loads, and no backend', async (flag, script) => {
    const tmp = freshTemp('startup');
    // The same kind of module as the preload, loaded the same way: an ES module that imports
    // another (Node's ES module resolver loads with the first import).
    const empty = join(tmp, 'empty.mjs');
    writeFileSync(empty, "import './empty-too.mjs';");
    writeFileSync(join(tmp, 'empty-too.mjs'), '');
    const plain = dataOf<StartUp>(
      await runScript(script, { tmp, preload: 'none', nodeArgs: [`--${flag}`, empty] }),
      'start-up',
    );
    const preloaded = dataOf<StartUp>(
      await runScript(script, { tmp, preload: flag as PreloadFlag }),
      'start-up',
    );
    expect(plain.loaded.filter((entry) => NETWORK.test(entry))).toEqual([]);
    expect(preloaded.loaded.filter((entry) => NETWORK.test(entry))).toEqual([]);
    expect(preloaded.loaded).toEqual(plain.loaded);
    expect(preloaded.addons).toEqual(plain.addons);
  });
});

/**
 * A program that loads `node:http` after start-up, serves and requests once, and reports how
 * both ends connected, the names of the functions it sees, and the addons loaded before and
 * after. `LOAD_HTTP` is how it loads `node:http`, `node:net` and `node:tls` and `@loopfast/net`
 * (for `fastPathInfo`) into `http`, `net`, `tls`, `namedConnect` and `fastPathInfo`.
 */
function lateProgram(load: string): string {
  return `
const addons = () => process.report.getReport().sharedObjects.filter((file) => file.endsWith('.node'));
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + '\\n');
const before = { network: process.moduleLoadList.filter((entry) => /^NativeModule (net|http|tls)$/.test(entry)), addons: addons() };
${load}
const afterLoad = addons();
const server = http.createServer((req, res) => res.end(String(fastPathInfo(req.socket).mechanism)));
server.listen(0, '127.0.0.1', () => {
  const request = http.get({ host: '127.0.0.1', port: server.address().port }, (response) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => { body += chunk; });
    response.on('end', () => {
      out('result', {
        before,
        afterLoad,
        afterConnect: addons(),
        server: body,
        client: fastPathInfo(request.socket).mechanism,
        names: [net.connect.name, namedConnect.name, http.Agent.prototype.createConnection.name, tls.connect.name],
      });
      server.close();
    });
  });
});
`;
}

const LATE_CJS = writeScript(
  'startup-late.cjs',
  lateProgram(`
const http = require('node:http');
const net = require('node:net');
const { connect: namedConnect } = require('node:net');
const tls = require('node:tls');
const { fastPathInfo } = require(${JSON.stringify(new URL(NET_URL).pathname)});
`),
);

const LATE_ESM = writeScript(
  'startup-late.mjs',
  lateProgram(`
const { default: http } = await import('node:http');
const { default: net, connect: namedConnect } = await import('node:net');
const { default: tls } = await import('node:tls');
const { fastPathInfo } = await import(${JSON.stringify(NET_URL)});
`),
);

/** Static imports: linked, so loaded, before the program's first line runs. */
const LATE_STATIC = writeScript(
  'startup-late-static.mjs',
  `
import http from 'node:http';
import net, { connect as namedConnect } from 'node:net';
import tls from 'node:tls';
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
${lateProgram('')}
`,
);

interface Late {
  readonly before: { network: string[]; addons: string[] };
  readonly afterLoad: string[];
  readonly afterConnect: string[];
  readonly server: string;
  readonly client: string;
  readonly names: string[];
}

describe('when the program loads node:http later', () => {
  it.each([
    ['require', 'require', LATE_CJS],
    ['require', 'dynamic import', LATE_ESM],
    ['import', 'require', LATE_CJS],
    ['import', 'dynamic import', LATE_ESM],
    ['require', 'static import', LATE_STATIC],
    ['import', 'static import', LATE_STATIC],
  ] as const)(
    '--%s, then %s: patched, over the rendezvous, with the backend loaded at the first listen',
    async (flag, _way, script) => {
      const tmp = freshTemp('startup');
      const run = await runScript(script, { tmp, preload: flag });
      const late = dataOf<Late>(run, 'result');
      expect(late.names).toEqual([
        'preloadConnect',
        'preloadConnect',
        // Node 22 and later: http's own createConnection, which calls net.createConnection.
        Number(process.versions.node.split('.')[0]) >= 22 ? 'createConnection' : 'preloadConnect',
        'preloadTlsConnect',
      ]);
      expect(late.server).toBe('unix-rendezvous');
      expect(late.client).toBe('unix-rendezvous');
      expect(late.before.addons).toEqual(late.afterLoad);
      const backend = late.afterConnect.filter((file) => !late.before.addons.includes(file));
      expect(backend).toHaveLength(1);
      expect(backend[0]).toMatch(/loopfast.*\.node$/);
      expect(run.stderr).not.toMatch(/Warning|Error/);
      if (script !== LATE_STATIC) expect(late.before.network).toEqual([]);
    },
  );
});

/**
 * `node:net` loaded for the first time by an ES module graph that also loads other built-in
 * modules (@loopfast/core's entry loads `node:net`, `node:os` and `node:util`): patching it must
 * load nothing while Node is still recording it (V8 aborted the process on Node 22 and 24 when
 * the preload updated the named exports there).
 */
const FIRST_IN_A_GRAPH = writeScript(
  'startup-graph.mjs',
  `
await import(${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('@loopfast/core')).href)});
const net = await import('node:net');
process.stdout.write(JSON.stringify({ event: 'result', data: [net.connect.name, net.default.connect.name] }) + '\\n');
`,
);

describe('node:net loaded first inside an ES module graph', () => {
  it.each(['import', 'require'] as const)('--%s: patched, and the process lives', async (flag) => {
    const run = await runScript(FIRST_IN_A_GRAPH, { tmp: freshTemp('startup'), preload: flag });
    expect(run.code, run.stderr).toBe(0);
    expect(dataOf(run, 'result')).toEqual(['preloadConnect', 'preloadConnect']);
  });
});
