import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { escapeControls, shown } from './display.js';
import { LIMITS } from './limits.js';

export interface WalkIssue {
  code: 'YAML_SYNTAX' | 'INPUT_LIMIT' | 'YAML_TAG' | 'NUL_CHARACTER' | 'CONTROL_CHARACTER';
  message: string;
  /** source offset the issue points at */
  offset: number;
}

function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/**
 * The tags of YAML 1.2's core schema, the only ones a spec may name: any other (`!env X`, `!!binary`,
 * `!!set`, `!!timestamp`) would be dropped or turned into something no key of a spec takes, silently.
 */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * Control characters no value of a spec needs, which a terminal acts on when colo prints the value
 * (a plan shows hook and fence commands as written): C0 but tab and newline, DEL, C1, and the
 * bidirectional overrides that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0001-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function tagName(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** A tag colo does not read, or a NUL in a string: an issue, else undefined. */
function scalarIssue(node: Node, what: 'key' | 'value'): WalkIssue | undefined {
  if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
    return {
      code: 'YAML_TAG',
      message: `tag ${shown(tagName(node.tag))} is not one colo reads: a spec takes plain YAML values only (no environment lookups, no binary, sets or dates); remove the tag`,
      offset: offsetOf(node),
    };
  }
  if (isScalar(node) && typeof node.value === 'string' && node.value.includes('\u0000')) {
    return {
      code: 'NUL_CHARACTER',
      message: `this ${what} holds a NUL character (\\0 or \\u0000): no command line or file name can carry one`,
      offset: offsetOf(node),
    };
  }
  if (isScalar(node) && typeof node.value === 'string') {
    const m = CONTROL.exec(node.value);
    if (m)
      return {
        code: 'CONTROL_CHARACTER',
        message: `this ${what} holds the control character ${escapeControls(m[0])} (an escape sequence or a bidirectional override): a terminal would act on it when colo shows the value; write it out`,
        offset: offsetOf(node),
      };
  }
  return undefined;
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
      // an alias inside its own anchor's value: the value would contain itself
      const size = sizes.get(target);
      if (size === undefined) {
        issues.push({
          code: 'YAML_SYNTAX',
          message: `alias *${node.source} is inside the value it names: a value cannot contain itself`,
          offset: offsetOf(node),
        });
        return 1;
      }
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
    const own = scalarIssue(node as Node, 'value');
    if (own) issues.push(own);
    let size = 1;
    if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const keyIssue = scalarIssue(key, 'key');
          if (keyIssue) issues.push(keyIssue);
          if (key.anchor) sizes.set(key, 1);
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
