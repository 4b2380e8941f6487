/**
 * Which fast-path mechanism a platform has. Data, not scattered `if`s: the rest of the package
 * asks this table.
 *
 * @module
 */
import type { FastPathMechanism } from './status.js';

/** A platform's mechanism, or the reason it has none. */
export type PlatformMechanism =
  | { readonly mechanism: FastPathMechanism; readonly reason?: undefined }
  | { readonly mechanism: null; readonly reason: string };

const NO_IOCTL =
  'has no SIO_LOOPBACK_FAST_PATH control code (it is Windows-only), and the Unix-socket shortcut is not available yet';

const WINDOWS: PlatformMechanism = Object.freeze({ mechanism: 'sio-loopback-fast-path' });
const others = new Map<NodeJS.Platform, PlatformMechanism>();

/** The mechanism of `platform` (one object per platform, asked on every connection). */
export function platformMechanism(platform: NodeJS.Platform): PlatformMechanism {
  if (platform === 'win32') return WINDOWS;
  let none = others.get(platform);
  if (!none) {
    none = Object.freeze({ mechanism: null, reason: `${platform} ${NO_IOCTL}` });
    others.set(platform, none);
  }
  return none;
}
