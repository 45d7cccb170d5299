// colo's client side of a tls: monitor: the credentials it presents, read from a directory (never
// inlined in the spec), and the socket.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface ClientCredentials {
  /** the directory they were read from (for messages) */
  dir: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The directory colo's QMP client certificate is in: $COLO_QMP_TLS_DIR, else the spec's tls.qmp.clientDir. */
export function clientDir(specDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.COLO_QMP_TLS_DIR || specDir;
}

/** Reads ca-cert.pem, client-cert.pem and client-key.pem; throws with the file that is missing. */
export function loadClientCredentials(dir: string): ClientCredentials {
  const read = (f: string) => readFileSync(join(dir, f));
  return { dir, ca: read('ca-cert.pem'), cert: read('client-cert.pem'), key: read('client-key.pem') };
}

/**
 * A TLS connection to a monitor: the server's certificate must be signed by the CA and name the
 * host (an IP SAN for an address); no delay, so the newline records that follow each command go
 * out at once (see QmpClient). node:tls is loaded here, on the first tls: monitor, so that every
 * other command starts without it.
 */
export async function connectTls(host: string, port: number, c: ClientCredentials): Promise<TLSSocket> {
  const tls = await import('node:tls');
  const ip = /^[\d.]+$|:/.test(host);
  const socket = tls.connect({ host, port, ca: c.ca, cert: c.cert, key: c.key, ...(ip ? {} : { servername: host }), minVersion: 'TLSv1.2' });
  socket.setNoDelay(true);
  return socket;
}
