// QMP endpoint addresses, in the same spelling QEMU uses for `-qmp`:
//   unix:/run/colo/primary.qmp
//   tcp:127.0.0.1:4444      tcp:[::1]:4444      tcp:host.example:4444
//   tls:10.0.0.1:4444       QMP over X.509 TLS: colo presents a client certificate and checks the
//                           monitor's against the host (QEMU serves it as a socket chardev with tls-creds)
// Pure module: no I/O, usable from the planner and the renderer alike.

export type QmpEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp' | 'tls'; host: string; port: number };

/** Parses "unix:PATH", "tcp:HOST:PORT" or "tls:HOST:PORT"; returns undefined if the text is not a valid address. */
export function parseQmpAddress(s: string): QmpEndpoint | undefined {
  if (typeof s !== 'string' || /[\s,]/.test(s)) return undefined; // QEMU options use ',' as separator
  if (s.startsWith('unix:')) {
    const path = s.slice('unix:'.length);
    return path.length > 0 ? { kind: 'unix', path } : undefined;
  }
  if (s.startsWith('tcp:') || s.startsWith('tls:')) {
    const kind = s.startsWith('tcp:') ? 'tcp' : 'tls';
    const rest = s.slice('tcp:'.length);
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
    if (!m) return undefined;
    const host = m[1] ?? m[2];
    const port = Number(m[3]);
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    if (m[1] !== undefined && !m[1].includes(':')) return undefined; // brackets only for IPv6
    return { kind, host, port };
  }
  return undefined;
}

/** Inverse of parseQmpAddress (IPv6 hosts are bracketed). */
export function formatQmpAddress(e: QmpEndpoint): string {
  if (e.kind === 'unix') return `unix:${e.path}`;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.kind}:${host}:${e.port}`;
}
