/**
 * The two backends by short name, and what the bench reports about them. Importing a backend
 * never throws (each loads its native part on first use), so both are imported statically.
 *
 * @module
 */
import type { Backend } from '@loopfast/core';
import { backend as ffi } from '@loopfast/ffi';
import { backend as napi } from '@loopfast/napi';
import type { BackendName } from './modes.js';

/** Every backend, by short name. */
export const BACKENDS: Readonly<Record<BackendName, Backend>> = Object.freeze({ ffi, napi });

/** The backend named `name`. */
export function backendByName(name: BackendName): Backend {
  return BACKENDS[name];
}

/**
 * Whether a backend can make a socket here: `null` when it can, else the reason (for example a
 * missing native build). The probe socket is closed again.
 */
export function probeBackend(backend: Backend): string | null {
  try {
    const socket = backend.createTcpSocket(4);
    backend.closeSocket(socket);
    return null;
  } catch (error) {
    return `${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`;
  }
}
