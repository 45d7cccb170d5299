import { describe, expect, it } from 'vitest';
import { formatQmpAddress, parseQmpAddress } from '../../src/addr/qmp-address.js';

describe('parseQmpAddress', () => {
  it('parses unix sockets', () => {
    expect(parseQmpAddress('unix:/run/colo/primary.qmp')).toEqual({ kind: 'unix', path: '/run/colo/primary.qmp' });
    expect(parseQmpAddress('unix:rel/q.qmp')).toEqual({ kind: 'unix', path: 'rel/q.qmp' });
  });

  it('parses tcp host:port, including hostnames and bracketed IPv6', () => {
    expect(parseQmpAddress('tcp:127.0.0.1:4444')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 4444 });
    expect(parseQmpAddress('tcp:node-a.example:1')).toEqual({ kind: 'tcp', host: 'node-a.example', port: 1 });
    expect(parseQmpAddress('tcp:[::1]:65535')).toEqual({ kind: 'tcp', host: '::1', port: 65535 });
  });

  it.each([
    '',
    'unix:',
    'unix',
    '/tmp/q.qmp',
    'tcp:',
    'tcp:127.0.0.1',
    'tcp:127.0.0.1:',
    'tcp::4444',
    'tcp:127.0.0.1:0',
    'tcp:127.0.0.1:65536',
    'tcp:127.0.0.1:44a',
    'tcp:127.0.0.1:-1',
    'tcp:::1:4444',
    'tcp:[127.0.0.1]:4444',
    'tcp:[::1]',
    'udp:127.0.0.1:4444',
    'TCP:127.0.0.1:4444',
    'unix:/tmp/q.qmp,server=on',
    'tcp:127.0.0.1:4444,server=on,wait=off',
    'unix:/tmp/a b',
    ' unix:/tmp/q',
  ])('rejects %j', (s) => {
    expect(parseQmpAddress(s)).toBeUndefined();
  });

  it('rejects non-strings without throwing', () => {
    expect(parseQmpAddress(undefined as unknown as string)).toBeUndefined();
    expect(parseQmpAddress(4444 as unknown as string)).toBeUndefined();
  });
});

describe('formatQmpAddress', () => {
  it.each(['unix:/run/colo/primary.qmp', 'tcp:127.0.0.1:4444', 'tcp:[::1]:4444', 'tcp:localhost:80'])('round-trips %s', (s) => {
    const e = parseQmpAddress(s);
    expect(e).toBeDefined();
    expect(formatQmpAddress(e!)).toBe(s);
  });

  it('brackets IPv6 hosts', () => {
    expect(formatQmpAddress({ kind: 'tcp', host: 'fe80::1', port: 9 })).toBe('tcp:[fe80::1]:9');
    expect(formatQmpAddress({ kind: 'unix', path: '/x' })).toBe('unix:/x');
  });
});
