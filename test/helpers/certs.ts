// Certificates for TLS tests, made by openssl in a directory of the test: a CA, and certificates
// it signs (a server's for a set of IP addresses, a client's).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

export interface Ca {
  dir: string;
  name: string;
  cert: string;
  key: string;
}

/** A self-signed CA `<dir>/<name>.pem` (and its key). */
export function makeCa(dir: string, name: string): Ca {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert]);
  return { dir, name, cert, key };
}

/**
 * A certificate signed by `ca`: for a server at `ips` (subjectAltName), or a client (no ips; its
 * subject has no Common Name: etcd's JSON gateway refuses one that has, once auth is enabled).
 */
export function makeCert(ca: Ca, name: string, ips: string[] = []): { cert: string; key: string } {
  const cert = join(ca.dir, `${name}.pem`);
  const key = join(ca.dir, `${name}-key.pem`);
  const csr = join(ca.dir, `${name}.csr`);
  const ext = join(ca.dir, `${name}.ext`);
  writeFileSync(ext, ips.length ? `subjectAltName=${ips.map((i) => `IP:${i}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n` : 'extendedKeyUsage=clientAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', ips.length ? `/CN=${name}` : `/O=${name}`, '-keyout', key, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert]);
  return { cert, key };
}
