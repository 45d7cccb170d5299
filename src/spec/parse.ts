import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLError,
  type YAMLMap,
} from 'yaml';
import { escapeControls, truncate } from './display.js';
import type { ErrorCode, SourcePos } from './errors.js';
import { LIMITS } from './limits.js';
import { walkDocument } from './yaml-walk.js';

export interface SyntaxProblem {
  code: Extract<ErrorCode, 'YAML_SYNTAX' | 'INPUT_LIMIT' | 'INPUT_ENCODING'>;
  message: string;
  pos: SourcePos;
}

export interface ParsedYaml {
  value: unknown;
  /** Position of the value (or, with key=true, of the key) at a JSON pointer; nearest ancestor if absent. */
  locate(pointer: string, key?: boolean): SourcePos;
  syntaxErrors: SyntaxProblem[];
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

/** Pairs of a map by key, built once per map: lookups stay constant time however many keys there are. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!index.has(k)) index.set(k, pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function child(doc: Document, node: unknown, seg: string): { value: Node | undefined; key: Node | undefined } {
  if (isAlias(node)) node = node.resolve(doc);
  if (isMap(node)) {
    const pair = pairOf(node, seg);
    if (pair) return { value: isNode(pair.value) ? pair.value : undefined, key: isNode(pair.key) ? pair.key : undefined };
  } else if (isSeq(node)) {
    const item = node.items[Number(seg)];
    return { value: isNode(item) ? item : undefined, key: undefined };
  }
  return { value: undefined, key: undefined };
}

/** Where an unclosed quoted scalar opens (the yaml library reports the end of the file). */
function quoteOpening(doc: Document, offset: number): number {
  let open = offset;
  visit(doc, {
    Scalar(_k, s) {
      if ((s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE') && s.range && s.range[0] < offset && s.range[2] >= offset - 1) open = s.range[0];
    },
  });
  return open;
}

function syntaxMessage(e: YAMLError): string {
  if (e.code === 'MULTIPLE_DOCS') return 'a second YAML document starts here ("---"); a spec file holds one';
  if (e.code === 'MISSING_CHAR' && /quote/.test(e.message)) return `${e.message.split('\n')[0]}: this quoted value is never closed`;
  return e.message.split('\n')[0];
}

function syntaxOffset(doc: Document, e: YAMLError): number {
  return e.code === 'MISSING_CHAR' && /quote/.test(e.message) ? quoteOpening(doc, e.pos[0]) : e.pos[0];
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePos => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const fail = (problem: SyntaxProblem, lines: string[]): ParsedYaml => ({ value: undefined, locate: () => problem.pos, syntaxErrors: [problem], lines });

  if (text.length > LIMITS.maxBytes) {
    // only the first line is split off: the rest is never looked at
    return fail(
      { code: 'INPUT_LIMIT', message: `the file is ${text.length} characters long; a spec may hold at most ${LIMITS.maxBytes}`, pos: { line: 1, column: 1 } },
      [text.slice(0, text.indexOf('\n') >>> 0)],
    );
  }
  const lines = text.split(/\r?\n/);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const line = text.slice(0, nul).split('\n').length;
    const column = nul - text.lastIndexOf('\n', nul - 1);
    return fail({ code: 'INPUT_ENCODING', message: 'the file holds a NUL byte: binary data, or UTF-16? A spec is UTF-8 text', pos: { line, column } }, lines);
  }

  let doc: Document;
  try {
    // logLevel error: the library's warnings would go to the process's stderr; colo reports its own
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  } catch (e) {
    return fail({ code: 'YAML_SYNTAX', message: escapeControls(truncate((e as Error).message)), pos: { line: 1, column: 1 } }, lines);
  }
  // the first syntax error only: what follows it is read differently, and its errors mislead
  const syntaxErrors: SyntaxProblem[] = doc.errors.slice(0, 1).map((e) => ({ code: 'YAML_SYNTAX', message: syntaxMessage(e), pos: at(syntaxOffset(doc, e)) }));
  if (!syntaxErrors.length) {
    const lineOf = (offset: number) => at(offset).line;
    for (const issue of walkDocument(doc, lineOf).slice(0, LIMITS.maxProblems))
      syntaxErrors.push({ code: issue.code, message: issue.message, pos: at(issue.offset) });
  }

  const locate = (pointer: string, key = false): SourcePos => {
    let node: unknown = doc.contents;
    let best: Node | undefined = isNode(node) ? node : undefined;
    const segs = segments(pointer);
    for (let i = 0; i < segs.length; i++) {
      const next = child(doc, node, segs[i]);
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
      // the walk has bounded what aliases expand to, so the library's own alias count is not needed
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      syntaxErrors.push({ code: 'YAML_SYNTAX', message: escapeControls(truncate((e as Error).message)), pos: at(0) });
    }
  }
  return { value, locate, syntaxErrors, lines };
}
