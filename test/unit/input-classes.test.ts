// The pure decisions behind the third round of bad input: one spelling per host and path, values
// shown so that nothing is invisible or "[object Object]", fences that do nothing, IPv6 hints colo
// itself accepts.
import { describe, expect, it } from 'vitest';
import { parseQmpAddress } from '../../src/addr/qmp-address.js';
import { isNoOpCommand } from '../../src/spec/commands.js';
import { escapeControls, shown } from '../../src/spec/display.js';
import { loadSpec } from '../../src/spec/load.js';
import { canonicalHost, canonicalPath, hostKey, isLoopback, sameHost } from '../../src/spec/values.js';
import { pairYaml } from './pair-spec.js';

describe('one host, one spelling', () => {
  it.each([
    ['node.example.', 'node.example'],
    ['NODE.Example', 'node.example'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:0a00:0001', '10.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['10.0.0.1', '10.0.0.1'],
    ['not a host', 'not a host'],
  ])('%s → %s', (host, canonical) => {
    expect(canonicalHost(host)).toBe(canonical);
  });

  it('every loopback spelling is one host', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST.', '::1', '0:0::1', '::ffff:127.0.0.1']) {
      expect(isLoopback(h), h).toBe(true);
      expect(hostKey(h), h).toBe('loopback');
    }
    expect(sameHost('localhost.', '::1')).toBe(true);
    expect(sameHost('10.0.0.1', '10.0.0.2')).toBe(false);
  });

  it('paths fold //, ., .. and a trailing slash', () => {
    expect(canonicalPath('/srv//a/./b/../c/')).toBe('/srv/a/c');
    expect(canonicalPath('/')).toBe('/');
    expect(canonicalPath('rel/a')).toBe('rel/a');
  });
});

describe('values as messages show them', () => {
  it('escapes what prints as nothing: zero-width characters, U+FEFF, tag characters', () => {
    expect(escapeControls('a\u200bb\u200dc\ufeffd\u2060e\u00adf')).toBe('a\\u200bb\\u200dc\\ufeffd\\u2060e\\u00adf');
    expect(escapeControls('x\u{e0041}y')).toBe('x\\u{e0041}y');
    // what is visible stays as it is
    expect(escapeControls('héllo 🙂 日本')).toBe('héllo 🙂 日本');
  });

  it('never says [object Object] or a Buffer as JSON', () => {
    const self: Record<string, unknown> = { a: 1 };
    self.self = self;
    expect(shown(self)).toBe('a map that contains itself');
    expect(shown(Buffer.from('hi'))).toBe('binary data (2 bytes)');
    expect(shown({ x: Buffer.from('hi') })).toBe('{"x":"binary data (2 bytes)"}');
    expect(shown(new Set([1, 2]))).toBe('a set of 2 values');
    expect(shown(new Date(0))).toBe('the date 1970-01-01T00:00:00.000Z');
  });
});

describe('a fence that does nothing', () => {
  it.each([[['true']], [[':']], [['/bin/true', 'x']], [['/bin/sh', '-c', '   ']], [['/bin/sh', '-c', 'exit 0']], [['sh', '-c', 'true; :']], [[' ']]])(
    '%j is a no-op',
    (argv) => expect(isNoOpCommand(argv)).toBe(true),
  );
  it.each([[['ipmitool', 'power', 'off']], [['/bin/sh', '-c', 'kill -9 $(cat /run/a.pid)']], [['/bin/sh', '-c', 'exit 1']]])('%j does something', (argv) =>
    expect(isNoOpCommand(argv)).toBe(false),
  );
});

describe('the QMP_UNAUTHENTICATED hint', () => {
  it('on IPv6 suggests an address colo accepts', () => {
    const yaml = pairYaml({ hosts: ['2001:db8::1', '2001:db8::2'] }).replace('qmp: unix:/run/a.qmp', 'qmp: "tcp:[2001:db8::1]:4444"');
    const r = loadSpec(yaml, 'p.yaml');
    const w = r.problems.find((p) => p.code === 'QMP_UNAUTHENTICATED');
    expect(w?.message).toContain('QMP on [2001:db8::1]:4444');
    const hint = /serve it as (\S+) with/.exec(w!.message)![1];
    expect(hint).toBe('tls:[2001:db8::1]:4444');
    expect(parseQmpAddress(hint)).toEqual({ kind: 'tls', host: '2001:db8::1', port: 4444 });
  });
});

describe('what stays accepted', () => {
  it('CRLF line ends, tabs inside values, multi-line hook scripts, emoji and accents: no control character is found in them', () => {
    const yaml = pairYaml({
      extra: `  hooks:
    afterFailover:
      - name: "multi\\tline 🙂 é"
        run: |
          echo one
          echo two
      - name: quoted
        run: "echo a
          b"
`,
    }).replace(/\n/g, '\r\n');
    const r = loadSpec(yaml, 'crlf.yaml');
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.spec?.hooks.afterFailover[0].run).toEqual(['/bin/sh', '-c', 'echo one\necho two\n']);
  });
});
