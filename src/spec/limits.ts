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
