// One definition each of loopback, one host and IP literal (src/addr/hosts.ts): the spec, TLS, the
// fleet's collisions, the model's chardevs and the credential checks agree.
import { describe, expect, it } from 'vitest';
import { hostKey, isIpLiteral, isLoopback, sameHost } from '../../src/addr/hosts.js';
import { acrossHosts, isLoopback as tlsLoopback } from '../../src/spec/tls.js';
import { isLoopback as valuesLoopback } from '../../src/spec/values.js';
import { hostKey as fleetHostKey } from '../../src/fleet/claims.js';
import { pair } from './pair-spec.js';

describe('loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'localhost.', '::1', '0:0:0:0:0:0:0:1', '[::1]'])('%s is loopback', (h) => {
    expect(isLoopback(h)).toBe(true);
  });
  it.each(['127.evil.example', '127.0.0.1.example', '10.0.0.1', 'host.example', '::2', '1270.0.0.1', '127.0.0.2,server=on'])('%s is not', (h) => {
    expect(isLoopback(h)).toBe(false);
  });
  it('the spec, TLS and the fleet ask the same definition', () => {
    expect(tlsLoopback).toBe(isLoopback);
    expect(valuesLoopback).toBe(isLoopback);
    expect(fleetHostKey).toBe(hostKey);
    expect(hostKey('127.evil.example')).toBe('127.evil.example');
    expect(hostKey('LOCALHOST')).toBe('loopback');
  });
  it('a pair on 127.evil.example and 127.0.0.1 is two hosts: its channels in clear are said', () => {
    expect(acrossHosts(pair({ hosts: ['127.0.0.1', '127.evil.example'] }).spec)).toBe(true);
    expect(acrossHosts(pair({ hosts: ['127.0.0.1', 'localhost'] }).spec)).toBe(false);
  });
});

describe('one host, IP literals', () => {
  it('one canonical form, or both loopback', () => {
    expect(sameHost('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(sameHost('127.0.0.1', 'LOCALHOST')).toBe(true);
    expect(sameHost('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(sameHost('2001:DB8:0:0::1', '2001:db8::1')).toBe(true);
    expect(sameHost('::ffff:10.0.0.1', '10.0.0.1')).toBe(true);
    expect(hostKey('Node.Example.')).toBe('node.example');
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('127.0.0.1\u200b')).toBe(false);
  });
  it('IP literals, v4 and v6, nothing looser', () => {
    for (const ip of ['10.0.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1']) expect(isIpLiteral(ip), ip).toBe(true);
    for (const h of ['999.1.1.1', 'host.example', 'a:b:c', 'localhost', '1.2.3']) expect(isIpLiteral(h), h).toBe(false);
  });
});
