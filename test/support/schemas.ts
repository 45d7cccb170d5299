// The JSON Schemas of colo's outputs (schemas/*.schema.json), for checking what a command printed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'vitest';

const dir = new URL('../../schemas/', import.meta.url).pathname;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
for (const f of readdirSync(dir).filter((x) => x.endsWith('.schema.json') && x !== 'colo.schema.json'))
  ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')), f);

/** The document conforms to schemas/NAME.schema.json (the errors listed when not). */
export function conforms(name: string, doc: unknown): void {
  const validate = ajv.getSchema(`${name}.schema.json`);
  expect(validate, `schemas/${name}.schema.json`).toBeDefined();
  const ok = validate!(doc);
  expect(ok ? [] : validate!.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), name).toEqual([]);
}
