/**
 * Bounds on what a spec may hold, so every command's work is bounded whatever the file: a real pair
 * spec is a few kilobytes and a few hundred values.
 */
export const LIMITS = {
  /** bytes of YAML read (a larger file is refused before it is parsed) */
  maxBytes: 64 * 1024,
  /** keys and items in the document, aliases counted as often as they are expanded */
  maxValues: 5_000,
  /** nesting depth of maps and sequences */
  maxDepth: 64,
  /** problems reported in full; the rest are counted */
  maxProblems: 100,
  /** characters of a value quoted in a message */
  maxShown: 80,
  /** characters of a source line shown under a problem */
  maxLine: 120,
} as const;

/**
 * Node's timers count milliseconds in a signed 32-bit integer: a longer delay fires after 1 ms, so
 * a timeout past it would make every node read as hung. Every timeout colo takes stays below it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The largest disk: a secondary's active and hidden images are qcow2 whatever the parent's format,
 * and qcow2 with its default 64 KiB clusters holds at most 2 PiB (qemu-img refuses more).
 */
export const MAX_DISK_BYTES = 2 * 1024 ** 5;
