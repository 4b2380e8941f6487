/**
 * The one decision every `connect` and `listen` makes before a mechanism acts: was the fast path
 * asked for, is it switched off, does this platform have a mechanism, is there a backend. What
 * the address decides is the mechanism's to say.
 *
 * @module
 */
import type { Backend } from '@loopfast/core';
import { chooseBackend } from './backend-choice.js';
import { checkedKillSwitch } from './environment.js';
import type { Mechanism } from './mechanisms/mechanism.js';
import type { FastPathSettings } from './options.js';
import { platformMechanism } from './platforms.js';
import type { FastPathInfo } from './status.js';
import { statuses } from './statuses.js';

/** Either "this mechanism, with this backend", or the status of a connection Node carries alone. */
export type Plan =
  | { readonly mechanism: Mechanism; readonly backend: Backend; readonly info?: undefined }
  | { readonly mechanism: null; readonly info: FastPathInfo };

/**
 * The status when the request is off whatever the address (not asked for, kill switch), or
 * `null`. A request checks the environment first, so a misspelt variable or value is told.
 */
export function statusWithoutAddress(settings: FastPathSettings): FastPathInfo | null {
  if (!settings.requested) return statuses.notRequested;
  if (checkedKillSwitch(settings.env)) return statuses.killed;
  return null;
}

/**
 * Plans one connection or listener once its address is known to be worth a mechanism. A caller
 * that has just asked {@link statusWithoutAddress} passes its answer as `turnedOff`, so the environment
 * is read once per call.
 */
export function planFor(
  settings: FastPathSettings,
  turnedOff: FastPathInfo | null = statusWithoutAddress(settings),
): Plan {
  if (turnedOff) return { mechanism: null, info: turnedOff };
  const choice = chooseBackend(settings.backend, settings.env);
  if (!choice.backend) {
    return { mechanism: null, info: statuses.noBackend(choice.reason, choice.error) };
  }
  const mechanism = platformMechanism(settings.platform);
  if (!mechanism) {
    return { mechanism: null, info: statuses.noMechanism(settings.platform, choice.backend.name) };
  }
  return { mechanism, backend: choice.backend };
}
