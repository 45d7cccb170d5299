import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { shown } from './display.js';
import { LIMITS } from './limits.js';

export interface WalkIssue {
  code: 'YAML_SYNTAX' | 'INPUT_LIMIT';
  message: string;
  /** source offset the issue points at */
  offset: number;
}

function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/**
 * One pass over a parsed document, linear in its size: duplicate keys (checked with one Set per
 * map, where the yaml library compares every key with every other), keys that are not plain values
 * (JSON has none; the yaml library would stringify them with a process warning), aliases that name no anchor,
 * and the limits on values and depth. Aliases count as often as they would be expanded, so an alias
 * bomb stops at the alias that crosses the limit, before anything is expanded.
 */
export function walkDocument(doc: Document, lineOf: (offset: number) => number): WalkIssue[] {
  const issues: WalkIssue[] = [];
  /** expanded size of every anchored node seen so far */
  const sizes = new Map<Node, number>();
  let total = 0;
  let stopped = false;
  const stop = (issue: WalkIssue) => {
    issues.push(issue);
    stopped = true;
  };

  const visit = (node: unknown, depth: number): number => {
    if (stopped || node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        issues.push({ code: 'YAML_SYNTAX', message: `alias *${node.source} names no anchor set before it`, offset: offsetOf(node) });
        return 1;
      }
      // an alias inside its own anchor's value has no size yet: it counts once
      const size = sizes.get(target) ?? 1;
      total += size;
      if (total > LIMITS.maxValues) {
        stop({
          code: 'INPUT_LIMIT',
          message: `alias *${node.source} expands to ${size} values and takes the document past ${LIMITS.maxValues} (an alias bomb?)`,
          offset: offsetOf(node),
        });
      }
      return size;
    }
    total += 1;
    if (total > LIMITS.maxValues) {
      stop({
        code: 'INPUT_LIMIT',
        message: `the document holds more than ${LIMITS.maxValues} keys and values; a pair spec needs a few hundred`,
        offset: offsetOf(node as Node),
      });
      return 1;
    }
    if (depth > LIMITS.maxDepth) {
      stop({ code: 'INPUT_LIMIT', message: `maps and lists are nested deeper than ${LIMITS.maxDepth} levels here`, offset: offsetOf(node as Node) });
      return 1;
    }
    let size = 1;
    if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const name = String(key.value);
          const first = seen.get(name);
          if (first) {
            issues.push({
              code: 'YAML_SYNTAX',
              message: `duplicate key ${shown(name)}: map keys must be unique (first on line ${lineOf(offsetOf(first))})`,
              offset: offsetOf(key),
            });
          } else seen.set(name, key);
        } else if (key !== null && key !== undefined) {
          issues.push({ code: 'YAML_SYNTAX', message: 'a key must be a plain value, not a map, a list or an alias', offset: offsetOf(key) });
        }
        size += visit(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) size += visit(item, depth + 1);
    }
    if ((node as Node).anchor) sizes.set(node as Node, size);
    return size;
  };

  visit(doc.contents, 0);
  return issues;
}
