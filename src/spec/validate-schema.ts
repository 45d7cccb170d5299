import type { ErrorObject } from 'ajv';
import type { ProblemList } from './errors.js';
// schemas/colo.schema.json compiled ahead of time by scripts/generate-validator.mjs (ajv standalone)
import validateColo from './schema-validator.generated.js';

/** The pattern of every QEMU id in the schema (a test keeps it equal to the JSON's). */
export const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';

type Validator = ((doc: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validator = (): Validator => validateColo as unknown as Validator;

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: any = root;
  for (const seg of pointer.split('/').slice(1)) cur = cur?.[seg];
  return cur;
}

/**
 * Validates `doc` against the JSON Schema, filling schema defaults into it, and adds one problem per
 * schema violation. Errors inside an `anyOf` are folded into one problem for that value.
 */
export function validateSchema(doc: unknown, problems: ProblemList): boolean {
  const validate = validator();
  if (validate(doc)) return true;
  const errors: ErrorObject[] = validate.errors ?? [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    const path = e.instancePath;
    if (e.keyword !== 'anyOf' && anyOfPaths.has(path)) continue;
    const where = path === '' ? 'the document' : path;
    const got = describe(valueAt(doc, path));
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(', ');
        problems.add('SCHEMA_UNKNOWN_KEY', `${path}/${key}`, `unknown key "${key}" in ${where} (allowed: ${allowed})`, { key: true });
        break;
      }
      case 'required':
        problems.add('SCHEMA_REQUIRED', path, `${where} is missing required key "${(e.params as { missingProperty: string }).missingProperty}"`);
        break;
      case 'type':
        problems.add('SCHEMA_TYPE', path, `${where} must be ${(e.params as { type: string }).type}, got ${got}`);
        break;
      case 'enum':
        problems.add('SCHEMA_ENUM', path, `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`);
        break;
      case 'const':
        problems.add('SCHEMA_ENUM', path, `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${got}`);
        break;
      case 'pattern':
        if ((e.params as { pattern: string }).pattern === ID_PATTERN) {
          problems.add('UNSAFE_ID', path, `${where} ${got} is not a safe QEMU id: a letter, then letters, digits, "_", "." or "-" (at most 64)`);
          break;
        }
        problems.add('SCHEMA_PATTERN', path, `${where} ${got} does not match ${(e.params as { pattern: string }).pattern}`);
        break;
      case 'minimum':
      case 'maximum':
      case 'minLength':
        problems.add('SCHEMA_RANGE', path, `${where} ${e.message}, got ${got}`);
        break;
      case 'minItems':
      case 'maxItems':
        problems.add('SCHEMA_COUNT', path, `${where} ${e.message}`);
        break;
      case 'anyOf':
        problems.add('SCHEMA_INVALID', path, `${where} has an invalid value ${got}${path.match(/size|memory/) ? ' (expected a size such as 64M, or a number of bytes)' : ''}`);
        break;
      default:
        problems.add('SCHEMA_INVALID', path, `${where} ${e.message ?? 'is invalid'}`);
    }
  }
  return false;
}
