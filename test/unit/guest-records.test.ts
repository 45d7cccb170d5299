// The guest's disk records as the e2e tests read them back: qemu-io's hex dump parsed into bytes, and
// the records 1..n found (or not) at their sectors (test/support/guest-records.ts; guest/init writes them).
import { describe, expect, it } from 'vitest';
import { missingRecords, parseDump, recordText, SECTOR } from '../support/guest-records.js';

/** A dump as qemu-io's `read -v` prints it: 16 bytes a line, offset, hex, then the printable text. */
function dump(buf: Buffer, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i += 16) {
    const row = buf.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${(offset + i).toString(16).padStart(8, '0')}:  ${hex}  ${text}`);
  }
  return `${lines.join('\n')}\nread ${buf.length}/${buf.length} bytes at offset ${offset}\n`;
}

function region(records: number[], count: number): Buffer {
  const buf = Buffer.alloc(count * SECTOR);
  for (const n of records) buf.write(recordText(n), (n - 1) * SECTOR);
  return buf;
}

describe('guest disk records', () => {
  it('a record is its number in ten digits between the magic words, on one line', () => {
    expect(recordText(42)).toBe('COLOREC 0000000042 colo-guest-record\n');
    expect(recordText(42).length).toBeLessThan(SECTOR);
  });

  it('reads back every record of a full region', () => {
    const offset = 2049 * SECTOR;
    const buf = region([1, 2, 3, 4], 4);
    expect(parseDump(dump(buf, offset), offset, buf.length).equals(buf)).toBe(true);
    expect(missingRecords(parseDump(dump(buf, offset), offset, buf.length), 4)).toEqual([]);
  });

  it('names the records missing, overwritten or beyond what was read', () => {
    const offset = 2049 * SECTOR;
    const buf = region([1, 3, 4], 4);
    buf.write(recordText(9), 3 * SECTOR); // record 4's sector holds another number
    expect(missingRecords(parseDump(dump(buf, offset), offset, buf.length), 5)).toEqual([2, 4, 5]);
  });

  it('a line the dump lacks counts as not written', () => {
    const offset = 2049 * SECTOR;
    const buf = region([1, 2], 2);
    const text = dump(buf, offset)
      .split('\n')
      .filter((l) => !l.startsWith((offset + SECTOR).toString(16).padStart(8, '0')))
      .join('\n');
    expect(missingRecords(parseDump(text, offset, buf.length), 2)).toEqual([2]);
  });
});
