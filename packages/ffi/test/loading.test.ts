import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StagedPackage, stagePackage } from './support/staged-package.js';

// Each case runs plain `node` on a fresh build of src/, in its own process, so nothing this test
// runner has loaded (vitest imports koffi itself for other files) can hide or fake the result.

let staged: StagedPackage;
beforeAll(() => {
  staged = stagePackage();
});
afterAll(() => staged?.dispose());

/** Prints, as JSON, what of koffi is loaded at each step. */
const PROBE = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const koffiState = () => ({
  modules: Object.keys(require.cache).filter((p) => /[\\\\/](koffi|@koromix)[\\\\/]/.test(p)).length,
  sharedObjects: process.report.getReport().sharedObjects.filter((p) => /koffi\\.node$/.test(p)).length,
});
const steps = { beforeImport: koffiState() };
const { backend } = await import('@loopfast/ffi');
steps.afterImport = koffiState();
steps.name = backend.name;
try { backend.getSocketOption(-1, 0, 0); } catch (error) { steps.badArgumentCode = error.code; }
steps.afterBadArgument = koffiState();
const fd = backend.createTcpSocket(4);
steps.afterFirstCall = koffiState();
steps.rcvbuf = backend.getSocketOption(fd, ${process.platform === 'linux' ? '1, 8' : '0xffff, 0x1002'});
backend.closeSocket(fd);
process.stdout.write(JSON.stringify(steps));
`;

describe('lazy loading', () => {
  it('importing @loopfast/ffi loads no koffi; the first native call does', () => {
    const { status, stdout, stderr } = staged.run(staged.withKoffi, PROBE);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const steps = JSON.parse(stdout);
    expect(steps.name).toBe('ffi');
    expect(steps.beforeImport).toEqual({ modules: 0, sharedObjects: 0 });
    expect(steps.afterImport).toEqual({ modules: 0, sharedObjects: 0 });
    // Arguments are validated before anything native is touched.
    expect(steps.badArgumentCode).toBe('ERR_OUT_OF_RANGE');
    expect(steps.afterBadArgument).toEqual({ modules: 0, sharedObjects: 0 });
    expect(steps.afterFirstCall.modules).toBeGreaterThan(0);
    expect(steps.afterFirstCall.sharedObjects).toBe(1);
    expect(steps.rcvbuf).toBeGreaterThan(0);
  });
});

describe('when koffi cannot be loaded', () => {
  const SCRIPT = `
import { LoopfastError } from '@loopfast/core';
const { backend } = await import('@loopfast/ffi');
const outcome = (call) => {
  try {
    call();
    return { threw: false };
  } catch (error) {
    return {
      threw: true,
      isLoopfastError: error instanceof LoopfastError,
      name: error.name,
      code: error.code,
      message: error.message,
      causeCode: error.cause?.code,
    };
  }
};
process.stdout.write(JSON.stringify({
  version: backend.version,
  create: outcome(() => backend.createTcpSocket(4)),
  // A second call fails the same way: no half-initialised state is left behind.
  option: outcome(() => backend.getSocketOption(0, 1, 1)),
  close: outcome(() => backend.closeSocket(3)),
  connectUnix: outcome(() => backend.connectUnixSocket('/nonexistent/loopfast.sock')),
  // Bad arguments are still reported as such.
  badArgument: outcome(() => backend.ioctl(0, -1)),
  badPath: outcome(() => backend.connectUnixSocket('')),
}));
`;

  it('every call throws ERR_LOOPFAST_BACKEND_UNAVAILABLE with the cause, and the process lives on', () => {
    const { status, stdout, stderr } = staged.run(staged.withoutKoffi, SCRIPT);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const call of [result.create, result.option, result.close, result.connectUnix]) {
      expect(call).toMatchObject({
        threw: true,
        isLoopfastError: true,
        name: 'LoopfastError',
        code: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE',
        causeCode: 'MODULE_NOT_FOUND',
      });
      expect(call.message).toMatch(/ffi backend is unavailable: koffi could not be loaded/);
      expect(call.message).toMatch(/Cannot find module 'koffi'/);
    }
    expect(result.badArgument).toMatchObject({ threw: true, code: 'ERR_OUT_OF_RANGE' });
    expect(result.badPath).toMatchObject({ threw: true, code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('on a platform the backend does not support', () => {
  it('every method throws ERR_LOOPFAST_UNSUPPORTED_PLATFORM and koffi is never loaded', () => {
    // process.platform is made to say "aix" before the package is imported.
    const { status, stdout, stderr } = staged.run(
      staged.withKoffi,
      `
import { createRequire } from 'node:module';
Object.defineProperty(process, 'platform', { value: 'aix' });
const { backend } = await import('@loopfast/ffi');
const codes = [
  () => backend.createTcpSocket(4),
  () => backend.applyLoopbackFastPath(3),
  () => backend.ioctl(3, 1),
  () => backend.getSocketOption(3, 1, 1),
  () => backend.setSocketOption(3, 1, 1, 1),
  () => backend.getSocketOptionBuffer(3, 1, 1, 4),
  () => backend.setSocketOptionBuffer(3, 1, 1, new Uint8Array(4)),
  () => backend.getPeerCredentials(3),
  () => backend.connectUnixSocket('/tmp/loopfast.sock'),
  () => backend.getUnixPeerAddress(3),
  () => backend.closeSocket(3),
].map((call) => { try { call(); return 'no error'; } catch (error) { return error.code; } });
const koffi = Object.keys(createRequire(import.meta.url).cache).filter((p) => /[\\\\/](koffi|@koromix)[\\\\/]/.test(p));
process.stdout.write(JSON.stringify({ codes, koffi }));
`,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.codes).toEqual(Array(11).fill('ERR_LOOPFAST_UNSUPPORTED_PLATFORM'));
    expect(result.koffi).toEqual([]);
  });
});
