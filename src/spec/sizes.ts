/**
 * The one size convention of a spec, for disks and memory alike: a number is bytes; a string is a
 * number with QEMU's binary units K, M, G, T (1024-based), optionally written KiB, MiB, GiB, TiB,
 * or B for bytes. "GB" and "Gb" are refused: decimal gigabytes or gigabits are not what QEMU means.
 */
const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
export const MIB = 1024 ** 2;

/** The strings parseSize takes (the schema uses the same pattern). */
export const SIZE_PATTERN = '^\\s*\\d{1,16}\\s*([KMGTkmgt](iB)?|B)?\\s*$';
const SIZE = new RegExp(SIZE_PATTERN);

/** Parses a size ("64M", "1G", "512 MiB", 1048576) into bytes; undefined when it is not one. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (!SIZE.test(value)) return undefined;
  const m = /(\d+)\s*([KMGTkmgt]?)/.exec(value)!;
  const bytes = Number(m[1]) * UNITS[m[2].toUpperCase()];
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** A size written correctly but past what a number of bytes can hold exactly (2^53 - 1): too large, not malformed. */
export function sizeTooLarge(value: string | number): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER;
  if (!SIZE.test(value)) return false;
  const m = /(\d+)\s*([KMGTkmgt]?)/.exec(value)!;
  return Number(m[1]) * UNITS[m[2].toUpperCase()] > Number.MAX_SAFE_INTEGER;
}

/** Why a string is not a size, for the message. */
export function sizeHint(value: string | number): string {
  if (typeof value === 'number') return 'a number is a whole count of bytes, at least 1';
  if (/\d\s*[KMGTkmgt]b$/.test(value.trim())) return 'a lower-case b means bits; write G or GiB';
  if (/\d\s*[KMGTkmgt]B$/.test(value.trim())) return 'QEMU units are binary: write G or GiB, not GB';
  return 'a number of bytes, or a number with K, M, G or T (powers of 1024), e.g. 64M';
}

/** Formats bytes the way qemu-img accepts them, in the largest exact unit. */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    if (bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  }
  return String(bytes);
}

/** `-m` reads a bare number as MiB: memory is given in whole MiB with the unit spelled out. */
export function memoryArg(bytes: number): string {
  return `${bytes / MIB}M`;
}
