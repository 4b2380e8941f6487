/**
 * Where the rendezvous lives: the kernel's abstract namespace on Linux (scoped to the network
 * namespace, freed when its socket closes, named after the TCP listener), or socket files in a
 * private directory elsewhere. `LOOPFAST_RENDEZVOUS=file` picks the files on Linux too.
 *
 * @module
 */
import type { Backend, NativeSocket } from '@loopfast/core';
import { hasAbstractSockets } from '@loopfast/core/internal';
import { RENDEZVOUS_PLACE_ENV } from '../../environment.js';
import type { FastPathSettings } from '../../options.js';
import type { FastPathInfo } from '../../status-record.js';
import { abstractPlace } from './abstract-place.js';
import { filePlace } from './file-place.js';
import type { ListenContext } from './listener.js';

/**
 * What a client's attempt gave: a connected descriptor with the port its end reports (and the
 * name it is bound to, where its server is in this process and pairs with it by that name); a
 * status that sends it to TCP; or `null` when nothing listens at the address (TCP would try the
 * next address of a name).
 */
export type ClientAttempt =
  | {
      readonly fd: NativeSocket;
      readonly localPort: number | undefined;
      readonly pairingName?: string | undefined;
      readonly info: FastPathInfo;
    }
  | { readonly fd?: undefined; readonly info: FastPathInfo }
  | null;

/** One way of naming and finding the rendezvous. */
export interface RendezvousPlace {
  /** How `doctor` and the docs name it. */
  readonly kind: 'abstract' | 'file';
  /**
   * Connects to the rendezvous of the listener TCP would reach at `address` (canonical, a
   * loopback literal) and `port`, after every check.
   */
  connect(
    backend: Backend,
    settings: FastPathSettings,
    address: string,
    port: number,
  ): ClientAttempt;
  /** The status of a client that found nothing at any address of its destination. */
  absent(backend: Backend, settings: FastPathSettings, address: string, port: number): FastPathInfo;
  /**
   * Opens the rendezvous of a server whose TCP listener is up; `report` says how it went (with
   * whether the rendezvous serves), synchronously where the place can.
   */
  open(context: ListenContext, report: (info: FastPathInfo, served: boolean) => void): void;
  /** A server closed its Unix listener on `name`. */
  closed(name: string): void;
}

/** Whether the abstract place serves: where the platform has it, unless the files are asked for. */
export function abstractPlaceChosen(
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return hasAbstractSockets(platform) && env[RENDEZVOUS_PLACE_ENV] !== 'file';
}

/** The place `settings` pick. */
export function placeFor(settings: FastPathSettings): RendezvousPlace {
  return abstractPlaceChosen(settings.platform, settings.env) ? abstractPlace : filePlace;
}
