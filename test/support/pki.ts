// Certificates for TLS tests, made with openssl by scripts/mkpki.sh in a temp dir the QEMU cleanup
// removes: the pair's CA with a directory per node (and one for colo's QMP client), and a second CA
// whose certificates the pair must refuse.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './qemu.js';

const MKPKI = fileURLToPath(new URL('../../scripts/mkpki.sh', import.meta.url));

export interface Pki {
  root: string;
  /** a directory tls-creds-x509 reads (or colo's QMP client reads) */
  dir(name: string): string;
}

/** The pair's CA and one directory per name (server certificate for 127.0.0.1), and the foreign CA's `rogue-NAME`. */
export function makePki(names: string[], rogue: string[] = []): Pki {
  const root = makeTempDir('colo-pki');
  execFileSync('sh', [MKPKI, root, ...names.map((n) => `${n}=127.0.0.1`)], { stdio: 'pipe' });
  if (rogue.length) execFileSync('sh', [MKPKI, root, '--ca', 'rogue', ...rogue.map((n) => `rogue-${n}=127.0.0.1`)], { stdio: 'pipe' });
  return { root, dir: (n) => join(root, n) };
}

/**
 * A node directory mixing both CAs: it trusts the pair's CA and the foreign one (so QEMU's check of
 * its own certificates at start passes) and holds the foreign CA's certificate for `foreign`.
 */
export function mixedDir(pki: Pki, name: string, base: string, foreign: string, which: Array<'server' | 'client'>): string {
  const dir = join(pki.root, name);
  mkdirSync(dir, { recursive: true });
  for (const kind of ['server', 'client'] as const) {
    const from = which.includes(kind) ? pki.dir(foreign) : pki.dir(base);
    for (const f of [`${kind}-cert.pem`, `${kind}-key.pem`]) copyFileSync(join(from, f), join(dir, f));
  }
  writeFileSync(
    join(dir, 'ca-cert.pem'),
    readFileSync(join(pki.root, 'ca', 'ca-cert.pem'), 'utf8') + readFileSync(join(pki.root, 'rogue', 'ca-cert.pem'), 'utf8'),
  );
  return dir;
}

/** The spec's tls section for nodes a and b (indented under spec:). */
export function tlsSection(a: string, b: string, extra = ''): string {
  return `  tls:
    nodes:
      a: {dir: ${a}}
      b: {dir: ${b}}
${extra}`;
}
