import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { SourcePos } from './errors.js';

export interface ParsedYaml {
  value: unknown;
  /** Position of the value (or, with key=true, of the key) at a JSON pointer; nearest ancestor if absent. */
  locate(pointer: string, key?: boolean): SourcePos;
  syntaxErrors: Array<{ message: string; pos: SourcePos }>;
  /** the source lines, for carets under problems */
  lines: string[];
}

function segments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function child(node: unknown, seg: string): { value: Node | undefined; key: Node | undefined } {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (k === seg) return { value: isNode(pair.value) ? pair.value : undefined, key: isNode(pair.key) ? pair.key : undefined };
    }
  } else if (isSeq(node)) {
    const item = node.items[Number(seg)];
    return { value: isNode(item) ? item : undefined, key: undefined };
  }
  return { value: undefined, key: undefined };
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourcePos => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const syntaxErrors = [...doc.errors].map((e) => ({ message: e.message.split('\n')[0], pos: at(e.pos[0]) }));

  const locate = (pointer: string, key = false): SourcePos => {
    let node: unknown = doc.contents;
    let best: Node | undefined = isNode(node) ? node : undefined;
    const segs = segments(pointer);
    for (let i = 0; i < segs.length; i++) {
      const next = child(node, segs[i]);
      const last = i === segs.length - 1;
      if (last && key && next.key) return at(next.key.range?.[0] ?? 0);
      if (!next.value) {
        if (next.key) best = next.key;
        break;
      }
      node = next.value;
      best = next.value;
    }
    return at(best?.range?.[0] ?? 0);
  };

  let value: unknown;
  if (!syntaxErrors.length) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // unresolved aliases and alias bombs only show up here: point at the first alias that fails
      let pos = at(0);
      visit(doc, {
        Alias(_key, alias) {
          if (!alias.resolve(doc)) {
            pos = at(alias.range?.[0] ?? 0);
            return visit.BREAK;
          }
        },
      });
      syntaxErrors.push({ message: (e as Error).message, pos });
    }
  }
  return {
    value,
    locate,
    syntaxErrors,
    lines: text.split(/\r?\n/),
  };
}
