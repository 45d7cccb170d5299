// QMP endpoint addresses, in the same spelling QEMU uses for `-qmp`:
//   unix:/run/colo/primary.qmp
//   tcp:127.0.0.1:4444      tcp:[::1]:4444      tcp:host.example:4444
// Pure module: no I/O, usable from the planner and the renderer alike.

export type QmpEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses "unix:PATH" or "tcp:HOST:PORT"; returns undefined if the text is not a valid address. */
export function parseQmpAddress(s: string): QmpEndpoint | undefined {
  if (typeof s !== 'string' || /[\s,]/.test(s)) return undefined; // QEMU options use ',' as separator
  if (s.startsWith('unix:')) {
    const path = s.slice('unix:'.length);
    return path.length > 0 ? { kind: 'unix', path } : undefined;
  }
  if (s.startsWith('tcp:')) {
    const rest = s.slice('tcp:'.length);
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
    if (!m) return undefined;
    const host = m[1] ?? m[2];
    const port = Number(m[3]);
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    if (m[1] !== undefined && !m[1].includes(':')) return undefined; // brackets only for IPv6
    return { kind: 'tcp', host, port };
  }
  return undefined;
}

/** Inverse of parseQmpAddress (IPv6 hosts are bracketed). */
export function formatQmpAddress(e: QmpEndpoint): string {
  if (e.kind === 'unix') return `unix:${e.path}`;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `tcp:${host}:${e.port}`;
}
