// The one place per kind of value that reaches QEMU: hosts, sizes, and what messages show of a value.
import { describe, expect, it } from 'vitest';
import { escapeControls, shown, sourceExcerpt } from '../../src/spec/display.js';
import { LIMITS } from '../../src/spec/limits.js';
import { formatSize, memoryArg, parseSize, sizeHint } from '../../src/spec/sizes.js';
import { isHost, isLoopback } from '../../src/spec/values.js';

describe('hosts: an IP literal or a DNS name, nothing else', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.2',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    '2001:db8::8a2e:370:7334',
    '1:2:3:4:5:6:7:8',
    '::ffff:10.0.0.1',
    'localhost',
    'node-b.example.net',
    'a',
    'host.',
  ])('%s is a host', (h) => {
    expect(isHost(h)).toBe(true);
  });
  it.each([
    '127.0.0.2,server=on',
    '10.0.0.1 evil',
    '10.0.0.300',
    '1.2.3',
    'http://10.0.0.1/',
    '[::1]',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'bad_host',
    '-leading.dash',
    'x'.repeat(64),
    '',
    'a..b',
    'host\nname',
  ])('%j is refused', (h) => {
    expect(isHost(h)).toBe(false);
  });
  it('loopback is 127/8, ::1 and localhost', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::2', 'localhost.example', '128.0.0.1'].some(isLoopback)).toBe(false);
  });
});

describe('sizes: one parser for disks and memory', () => {
  it.each([
    ['64M', 64 * 2 ** 20],
    ['1G', 2 ** 30],
    ['512K', 512 * 1024],
    ['2T', 2 * 2 ** 40],
    ['512 MiB', 512 * 2 ** 20],
    ['1g', 2 ** 30],
    [' 64M ', 64 * 2 ** 20],
    ['4096B', 4096],
    ['4096', 4096],
    [1048576, 1048576],
  ] as Array<[string | number, number]>)('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
  it.each(['10 GB', '1Gb', '1.5G', '-1', '0', '64Q', 'M', '', '1 G B', '99999999999999999T'] as const)('%j is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
  it('numbers must be whole and positive', () => {
    expect(parseSize(0)).toBeUndefined();
    expect(parseSize(1.5)).toBeUndefined();
    expect(parseSize(-5)).toBeUndefined();
  });
  it('the hint names the trap', () => {
    expect(sizeHint('10 GB')).toMatch(/binary/);
    expect(sizeHint('1Gb')).toMatch(/bits/);
  });
  it('-m gets whole MiB with the unit spelled out (a bare number would be read as MiB)', () => {
    expect(memoryArg(2 * 2 ** 30)).toBe('2048M');
    expect(memoryArg(128 * 2 ** 20)).toBe('128M');
    expect(formatSize(2 * 2 ** 30)).toBe('2G');
  });
});

describe('values in messages', () => {
  it('are cut, with the length left out said', () => {
    const s = shown('x'.repeat(5_000_000));
    expect(s.length).toBeLessThan(LIMITS.maxShown + 40);
    expect(s).toMatch(/more characters/);
  });
  it('have control bytes escaped', () => {
    expect(escapeControls('a\u0000b\u001b[31mc\nd\u2028')).toBe('a\\u0000b\\u001b[31mc\\nd\\u2028');
    expect(shown('\u0007')).toBe('"\\u0007"');
    expect(escapeControls('a\u202eb')).toBe('a\\u202eb');
    expect(shown(Infinity)).toBe('Infinity');
  });
  it('source lines are cut around the caret, which stays under its character', () => {
    const line = `${'a'.repeat(1000)}X${'b'.repeat(1000)}`;
    const ex = sourceExcerpt(line, 1001);
    expect(ex.text.length).toBeLessThanOrEqual(LIMITS.maxLine + 2);
    expect(ex.text[ex.column - 1]).toBe('X');
    const ctl = sourceExcerpt('\u0000\u0000X', 3);
    expect(ctl.text[ctl.column - 1]).toBe('X');
  });
});
