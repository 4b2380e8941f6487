/**
 * The parity table (packages/conformance/src/parity-suite.ts) for `@loopfast/net`: every
 * `createServer` / `listen` / `connect` overload and option, and Node's documented `net`
 * behaviours, compared with `node:net` in the same process, for each backend, with the fast path
 * requested and off, on this platform's mechanism; and the Windows route run on Linux, with a
 * stand-in for the one call Linux lacks (packages/conformance/src/stand-in.ts), as
 * windows-route.test.ts does. The differences that are the point of the product are listed in
 * one place: `PRODUCT_DIFFERENCES` in the suite.
 *
 * `node:net` is also held against itself first: a control proving that every trace the table
 * compares is deterministic, so a difference found later is loopfast's.
 */
import type { Server, Socket } from 'node:net';
import {
  type NetFunctions,
  type NetStatus,
  NODE_NET,
  type ParitySubject,
  parityConformance,
  standInBackend,
} from '@loopfast/conformance';
import type { Backend } from '@loopfast/core';
import { backend as ffi } from '@loopfast/ffi';
import { backend as napi } from '@loopfast/napi';
import { describe } from 'vitest';
import { connectWith } from '../src/connect.js';
import { createLoopfast } from '../src/index.js';
import type { LoopfastDefaults } from '../src/options.js';
import { createServerWith } from '../src/server.js';
import { fastPathInfo } from '../src/status-record.js';

const BACKENDS: readonly (readonly [string, Backend])[] = [
  ['ffi', ffi],
  ['napi', napi],
];

const info = fastPathInfo as (target: Socket | Server) => NetStatus;

/**
 * With the fast path off, an options object also says so (`loopbackFastPath: false`), so the
 * call goes through loopfast's option handling rather than straight to Node.
 */
function sayingOff(fn: (...args: unknown[]) => unknown) {
  return (...args: unknown[]) => {
    const [first, ...rest] = args;
    if (typeof first === 'object' && first !== null) {
      return fn({ ...first, loopbackFastPath: false }, ...rest);
    }
    return fn(...args);
  };
}

function publicApi(backend: Backend, fast: boolean): NetFunctions {
  const lf = createLoopfast({ backend, loopbackFastPath: fast });
  const wrap = (fn: (...args: unknown[]) => unknown) => (fast ? fn : sayingOff(fn));
  return {
    createServer: wrap(
      lf.createServer as (...a: unknown[]) => unknown,
    ) as NetFunctions['createServer'],
    connect: wrap(lf.connect as (...a: unknown[]) => unknown) as NetFunctions['connect'],
    createConnection: wrap(
      lf.createConnection as (...a: unknown[]) => unknown,
    ) as NetFunctions['createConnection'],
  };
}

function windowsRoute(defaults: LoopfastDefaults): NetFunctions {
  return {
    createServer: (...args) => createServerWith(defaults, args),
    connect: (...args) => connectWith(defaults, args),
    createConnection: (...args) => connectWith(defaults, args),
  };
}

describe.runIf(process.platform === 'linux')('parity table', () => {
  parityConformance({
    ...NODE_NET,
    label: 'node:net against itself (control)',
    fastPath: true,
    transport: 'tcp',
    mechanism: null,
    fastPathInfo: info,
    makeTcpDescriptor: () => ffi.createTcpSocket(4),
  });

  for (const [name, backend] of BACKENDS) {
    const makeTcpDescriptor = () => backend.createTcpSocket(4);
    const subjects: ParitySubject[] = [
      {
        ...publicApi(backend, true),
        label: `${name} backend, fast path on, unix-rendezvous`,
        fastPath: true,
        transport: 'unix-rendezvous',
        mechanism: 'unix-rendezvous',
        fastPathInfo: info,
        makeTcpDescriptor,
      },
      {
        ...publicApi(backend, false),
        label: `${name} backend, fast path off`,
        fastPath: false,
        transport: 'tcp',
        mechanism: null,
        fastPathInfo: info,
        makeTcpDescriptor,
      },
      {
        ...windowsRoute({
          platform: 'win32',
          backend: standInBackend(backend).backend,
          loopbackFastPath: true,
        }),
        label: `${name} backend, fast path on, the Windows route (sio-loopback-fast-path, stand-in ioctl)`,
        fastPath: true,
        transport: 'tcp',
        mechanism: 'sio-loopback-fast-path',
        fastPathInfo: info,
        makeTcpDescriptor,
      },
    ];
    for (const subject of subjects) parityConformance(subject);
  }
});
