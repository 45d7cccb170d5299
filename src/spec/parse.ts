import {
  Composer,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  visit,
  YAMLParseError,
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
  code: Extract<ErrorCode, 'YAML_SYNTAX' | 'INPUT_LIMIT' | 'INPUT_ENCODING' | 'YAML_TAG' | 'NUL_CHARACTER' | 'CONTROL_CHARACTER'>;
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

/**
 * Where the syntax tree first nests collections deeper than LIMITS.maxDepth, found without recursion
 * (the yaml library composes nodes recursively and runs out of stack at a few thousand levels).
 */
function tooDeep(tokens: unknown[]): number | undefined {
  const stack: Array<[token: any, level: number]> = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [t, level] = stack.pop()!;
    if (!t || typeof t !== 'object') continue;
    let next = level;
    if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      next = level + 1;
      if (next > LIMITS.maxDepth + 1) return t.offset ?? 0;
    }
    if (t.type === 'document') stack.push([t.value, next]);
    if (Array.isArray(t.items)) for (const item of t.items) stack.push([item.key, next], [item.value, next]);
    // a flow collection's items are its tokens themselves
    if (t.type === 'flow-collection' && Array.isArray(t.items)) for (const item of t.items) stack.push([item, next]);
  }
  return undefined;
}

/**
 * Where the text nests past LIMITS.maxDepth, read from its characters alone: flow brackets outside
 * quotes and comments, and per line the block levels open (one per deeper indentation) plus its
 * compact `- ` and `? ` indicators. Linear in the text, where the yaml library's parser slows down
 * with depth and recurses once per block level (thousands run out of stack): asked before it, with a
 * limit well above LIMITS.maxDepth (the exact check on the syntax tree places the ordinary refusal),
 * and to say where when the library ran out of stack anyway.
 */
function nestingPoint(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const body = line.slice(indent);
    if (body && !body.startsWith('#') && flow === 0) {
      while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
    }
    let depth = indents.length;
    let quote = '';
    for (let i = indent; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === quote) quote = '';
        continue;
      }
      if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '[' || ch === '{') flow++;
      else if (ch === ']' || ch === '}') flow = Math.max(0, flow - 1);
      else if ((ch === '-' || ch === '?') && (i === indent || line[i - 2] === ch || /[-?]\s$/.test(line.slice(0, i))) && /\s/.test(line[i + 1] ?? ' ')) depth++;
      if (depth + flow > limit) return offset + i;
    }
    offset += line.length + 1;
  }
  return undefined;
}

/** line:column of an offset, counted from the text itself (the line counter is filled only as far as the parser got) */
function textPos(text: string, offset: number): SourcePos {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** The first document of `text`, as the library's parseDocument makes it, unless it nests too deep to compose. */
function composeFirst(text: string, lineCounter: LineCounter): { doc: Document } | { deepAt: number } {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deepAt = tooDeep(tokens);
  if (deepAt !== undefined) return { deepAt };
  // logLevel error: the library's warnings would go to the process's stderr; colo reports its own
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  let doc: Document | undefined;
  for (const d of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = d as Document;
    else {
      const [start, end] = (d as Document).range ?? [0, 0];
      doc.errors.push(new YAMLParseError([start, end], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return { doc: doc! };
}

function syntaxMessage(e: YAMLError): string {
  if (e.code === 'RESOURCE_EXHAUSTION') return `maps and lists are nested deeper than ${LIMITS.maxDepth} levels here`;
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
    return fail({ code: 'INPUT_ENCODING', message: 'the file holds a NUL byte: binary data, or UTF-16? A spec is UTF-8 text', pos: textPos(text, nul) }, lines);
  }

  /** far past the limit: refused from the characters, before the yaml library is given the text */
  const farPast = nestingPoint(text, 4 * LIMITS.maxDepth);
  if (farPast !== undefined)
    return fail({ code: 'INPUT_LIMIT', message: `maps and lists are nested deeper than ${LIMITS.maxDepth} levels here`, pos: textPos(text, farPast) }, lines);
  let doc: Document;
  try {
    const composed = composeFirst(text, lineCounter);
    if ('deepAt' in composed)
      return fail({ code: 'INPUT_LIMIT', message: `maps and lists are nested deeper than ${LIMITS.maxDepth} levels here`, pos: at(composed.deepAt) }, lines);
    doc = composed.doc;
  } catch (e) {
    // the yaml library's parser recurses once per level of block nesting: thousands run out of stack
    if (e instanceof RangeError) {
      const point = nestingPoint(text, LIMITS.maxDepth + 1);
      return fail(
        {
          code: 'INPUT_LIMIT',
          message: `maps and lists are nested deeper than ${LIMITS.maxDepth} levels here`,
          pos: point === undefined ? { line: 1, column: 1 } : textPos(text, point),
        },
        lines,
      );
    }
    return fail({ code: 'YAML_SYNTAX', message: escapeControls(truncate((e as Error).message)), pos: { line: 1, column: 1 } }, lines);
  }
  // the first syntax error only: what follows it is read differently, and its errors mislead
  const syntaxErrors: SyntaxProblem[] = doc.errors
    .slice(0, 1)
    .map((e) => ({ code: e.code === 'RESOURCE_EXHAUSTION' ? 'INPUT_LIMIT' : 'YAML_SYNTAX', message: syntaxMessage(e), pos: at(syntaxOffset(doc, e)) }));
  // %YAML 1.1 would switch the library to YAML 1.1's reading, silently: 1:20 is 80, 010 is 8, yes is true
  const yamlVersion = doc.directives?.yaml;
  if (!syntaxErrors.length && yamlVersion?.explicit && yamlVersion.version !== '1.2') {
    syntaxErrors.push({
      code: 'YAML_SYNTAX',
      message: `a %YAML ${yamlVersion.version} directive: colo reads YAML 1.2 only (under 1.1, 1:20 is the number 80, 010 is 8, yes and on are true); remove the directive`,
      pos: textPos(text, Math.max(0, text.search(/^%YAML/m))),
    });
  }
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
