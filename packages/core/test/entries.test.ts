/**
 * The two entries of the package: the main one is the public API (what applications and backend
 * authors use, and what the API reference shows); `@loopfast/core/internal` holds the helpers the
 * loopfast packages share, which the main entry does not offer, save a few kept there for modules
 * that still import them from it.
 */
import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as internal from '../src/internal.js';

/** Helpers still on the main entry, for the modules that import them from it (not public API). */
describe('the entries of @loopfast/core', () => {
  it('internal holds the shared helpers', () => {
    expect(Object.keys(internal).sort()).toEqual(
      [
        'ADDONS_DISABLED_HINT',
        'MAX_IOCTL_BUFFER',
        'MAX_OPTION_BUFFER',
        'byteLengthOf',
        'classifyHost',
        'hasAbstractSockets',
        'invalidArgTypeError',
        'invalidArgValueError',
        'isAddonLoadingDisabled',
        'isUint8Array',
        'nativeLoadHint',
        'notUnixSocketError',
        'outOfRangeError',
        'SOCK_DIAG_SOCKET',
        'sunPathSize',
        'tcpListenerAnswerEnded',
        'tcpListenerRequest',
        'tcpListenersFromAnswer',
        'systemErrorFromErrno',
        'unixAddressFromSunPath',
        'unixPathLimit',
        'validateBoolean',
        'validateBytes',
        'validateFamily',
        'validateInt32',
        'validateInteger',
        'validateIoctlBuffers',
        'validateSocketDescriptor',
        'validateTcpListenerQuery',
        'validateUint32',
        'validateUnixSocketPath',
      ].sort(),
    );
  });

  it('the main entry offers none of them but unixPathLimit (the Backend interface names it)', () => {
    const shared = Object.keys(main).filter((name) => name in internal);
    expect(shared).toEqual(['unixPathLimit']);
  });

  it('the main entry offers what applications and backend authors use', () => {
    for (const name of [
      'SIO_LOOPBACK_FAST_PATH',
      'LoopfastError',
      'LoopfastSystemError',
      'LoopfastErrorCode',
      'isUnsupportedError',
      'lookupWinsockError',
      'FAST_PATH_SUPPORTED_OPTIONS',
      'socketConstants',
      'isLoopbackAddress',
      'windowsHasFastPath',
      'KILL_SWITCH_ENV',
      'isKillSwitchOn',
    ]) {
      expect(main, name).toHaveProperty(name);
    }
  });
});
