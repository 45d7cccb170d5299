import { createTwoFilesPatch, diffArrays } from 'diff';
import type { NodeDiff } from '../specdiff/types.js';

/** A node's argv change as a unified diff (one option a line), or '' when it is the same. */
export function argvPatch(node: string, d: NodeDiff, oldLabel: string, newLabel: string): string {
  if (JSON.stringify(d.argv.before) === JSON.stringify(d.argv.after)) return '';
  const patch = createTwoFilesPatch(
    `${oldLabel} (${node})`,
    `${newLabel} (${node})`,
    d.argv.before.join('\n') + '\n',
    d.argv.after.join('\n') + '\n',
    undefined,
    undefined,
    { context: 1 },
  );
  // drop the Index/===== preamble: the two file lines say which is which
  return patch
    .split('\n')
    .filter((l) => !/^(Index: |=+$)/.test(l))
    .join('\n');
}

/** The argv lines only one side has. */
export function argvAddedRemoved(d: NodeDiff): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const part of diffArrays(d.argv.before, d.argv.after)) {
    if (part.added) added.push(...part.value);
    else if (part.removed) removed.push(...part.value);
  }
  return { added, removed };
}
