/**
 * Certificates made for a test run with `openssl` (the Debian package of that name): a CA, and
 * a server certificate it signs for `localhost` and `127.0.0.1`; plus an unrelated self-signed
 * certificate, to show that a wrong CA is refused.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM texts and the files they are in. */
export interface Certificates {
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
  readonly otherCa: string;
  readonly caFile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the certificates in `dir` (a fresh temporary directory). */
export function makeCertificates(dir: string): Certificates {
  const days = ['-days', '2'];
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      ...days,
      '-subj',
      '/CN=loopfast test CA',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    ],
    dir,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      ...days,
      '-extfile',
      'san.ext',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.pem',
      ...days,
      '-subj',
      '/CN=localhost',
    ],
    dir,
  );
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    ca: read('ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
    otherCa: read('other.pem'),
    caFile: join(dir, 'ca.pem'),
  };
}
