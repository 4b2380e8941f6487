/**
 * What the rendezvous needs of this machine and process, for `loopfast doctor`: the network
 * namespace, the place, and then the kernel's TCP tables (abstract place) or the directories
 * (file place), each checked by the code that uses it.
 *
 * @module
 */
import type { Backend } from '@loopfast/core';
import { hasAbstractSockets } from '@loopfast/core/internal';
import { RENDEZVOUS_PLACE_ENV } from '../../environment.js';
import type { CheckResult } from '../mechanism.js';
import { clientDirectory, directoryFindings } from './directory.js';
import { networkNamespace } from './file-names.js';
import { abstractPlaceChosen } from './places.js';
import { readTcpListeners } from './tcp-listeners.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Whether the kernel's table of TCP listeners, where a client finds the listener TCP would reach, can be read. */
function tcpTablesCheck(backend: Backend | null): CheckResult {
  try {
    const { via } = readTcpListeners(backend, 0);
    return {
      name: 'TCP tables',
      level: via.startsWith('sock_diag') ? 'pass' : 'info',
      detail: `read through ${via}: a client finds the listener TCP would reach`,
    };
  } catch (error) {
    return {
      name: 'TCP tables',
      level: 'warn',
      detail: `cannot be read (${(error as Error).message}): clients here use TCP`,
    };
  }
}

/** Each candidate directory, and the one clients use; a failing one matters only if it is in use. */
function directoryChecks(env: Env): CheckResult[] {
  const found = clientDirectory(env);
  const checks = directoryFindings(env).map(({ path, failure, missing }, index): CheckResult => {
    const name = `rendezvous directory ${index + 1}`;
    if (missing) {
      return {
        name,
        level: 'pass',
        detail: `${path}: not there yet (the first fast-path server creates it, mode 0700)`,
      };
    }
    if (failure === null) {
      return {
        name,
        level: 'pass',
        detail: `${path}: trusted (this user's, mode 0700, not a symbolic link, in a parent no other user can rename it in)`,
      };
    }
    // A later candidate in use makes this one a warning; the one in use failing is a failure.
    const inUse = found.path === null || found.path === path;
    return { name, level: inUse ? 'fail' : 'warn', detail: failure };
  });
  const usable = checks.every(({ level }) => level !== 'fail');
  checks.push(
    found.path === null
      ? { name: 'rendezvous directory in use', level: 'fail', detail: found.failure }
      : {
          name: 'rendezvous directory in use',
          level: usable ? 'pass' : 'fail',
          detail: usable ? found.path : `${found.path}, which no fast-path server can use`,
        },
  );
  return checks;
}

/** The rendezvous's checks, in the order the report shows them. */
export function rendezvousChecks(env: Env, backend: Backend | null): CheckResult[] {
  const platform = process.platform;
  const ns = networkNamespace(platform);
  const checks: CheckResult[] = [
    ns instanceof Error
      ? { name: 'network namespace', level: 'fail', detail: ns.message }
      : { name: 'network namespace', level: 'pass', detail: ns === '' ? 'not applicable' : ns },
  ];
  const chosen = env[RENDEZVOUS_PLACE_ENV];
  const named =
    chosen === undefined ? `${RENDEZVOUS_PLACE_ENV} unset` : `${RENDEZVOUS_PLACE_ENV}=${chosen}`;
  if (abstractPlaceChosen(platform, env)) {
    checks.push(
      {
        name: 'rendezvous place',
        level: 'pass',
        detail: `the abstract socket namespace (${named})`,
      },
      tcpTablesCheck(backend),
    );
    return checks;
  }
  checks.push({
    name: 'rendezvous place',
    level: 'pass',
    detail: hasAbstractSockets(platform) ? `socket files (${named})` : 'socket files',
  });
  return [...checks, ...directoryChecks(env)];
}
