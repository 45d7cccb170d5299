import type { ErrorObject } from 'ajv';
import { shown } from './display.js';
import type { ErrorCode, ProblemList } from './errors.js';
import { sizeHint } from './sizes.js';
import {
  ABSOLUTE_PATH_PATTERN,
  ID_PATTERN,
  IFNAME_PATTERN,
  MODEL_PATTERN,
  NETNS_PATTERN,
  PROGRAM_PATTERN,
  PROP_NAME_PATTERN,
  SCRIPT_PATTERN,
} from './values.js';
// schemas/colo.schema.json compiled ahead of time by scripts/generate-validator.mjs (ajv standalone)
import validateColo from './schema-validator.generated.js';

export { ID_PATTERN };

type Validator = ((doc: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validator = (): Validator => validateColo as unknown as Validator;

/** What a value that fails one of the schema's patterns should be, in words. */
const PATTERN_WORDS: Record<string, { code: ErrorCode; words: string }> = {
  [ID_PATTERN]: { code: 'UNSAFE_ID', words: 'is not a safe QEMU id: a letter, then letters, digits, "_", "." or "-" (at most 64)' },
  [MODEL_PATTERN]: {
    code: 'SCHEMA_PATTERN',
    words: 'is not a QEMU device model: letters, digits, "_", "." or "-", with no options after it (e.g. rtl8139, virtio-net-pci)',
  },
  [PROP_NAME_PATTERN]: { code: 'SCHEMA_PATTERN', words: 'is not a QOM property name: a letter, then letters, digits, "_" or "-"' },
  [ABSOLUTE_PATH_PATTERN]: {
    code: 'RELATIVE_PATH',
    words: 'is not an absolute path: colo, QEMU (daemonized into /) and Pacemaker run in other directories, so a path must start with /',
  },
  [PROGRAM_PATTERN]: { code: 'SCHEMA_PATTERN', words: 'is not a program: a name on PATH or a path, not starting with "-" or a blank' },
  [SCRIPT_PATTERN]: { code: 'RELATIVE_PATH', words: 'is neither no nor an absolute path: QEMU runs the script from its own working directory' },
  [IFNAME_PATTERN]: {
    code: 'SCHEMA_PATTERN',
    words: 'is not an interface name: up to 15 letters, digits, "_", "." or "-", not starting with "-" or "." (a script or ip would read it as an option)',
  },
  [NETNS_PATTERN]: {
    code: 'SCHEMA_PATTERN',
    words: 'is not a network namespace name: letters, digits, "_", "." or "-", not starting with "-" or "." (ip netns exec would read it as an option)',
  },
};

/** Why a range is what it is, where that is not obvious. */
function rangeHint(path: string): string {
  if (/\/ports\/base$/.test(path)) return ' (NIC n uses base+5n up to base+5n+4, which must stay at most 65535)';
  if (/\/(timeoutMs|expiredScanCycleMs)$/.test(path) && /compare/.test(path)) return ' (QEMU refuses 0 here)';
  return '';
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: any = root;
  for (const seg of pointer.split('/').slice(1)) cur = cur?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

function pointerKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Validates `doc` against the JSON Schema, filling schema defaults into it, and adds one problem per
 * schema violation. Errors inside an `anyOf` are folded into one problem for that value.
 */
export function validateSchema(doc: unknown, problems: ProblemList): boolean {
  const validate = validator();
  if (validate(doc)) return true;
  const errors: ErrorObject[] = validate.errors ?? [];
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const insideAnyOf = (path: string) => anyOfPaths.some((p) => path === p || path.startsWith(`${p}/`));
  for (const e of errors) {
    const path = e.instancePath;
    if (e.keyword !== 'anyOf' && insideAnyOf(path)) continue;
    // the failing keyword under propertyNames: reported once, by propertyNames
    if ((e as { propertyName?: string }).propertyName !== undefined) continue;
    const params = e.params as Record<string, any>;
    const where = path === '' ? 'the document' : path;
    const got = shown(valueAt(doc, path));
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = params.additionalProperty as string;
        const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(', ');
        problems.add('SCHEMA_UNKNOWN_KEY', `${path}/${pointerKey(key)}`, `unknown key ${shown(key)} in ${where}${allowed ? ` (allowed: ${allowed})` : ''}`, {
          key: true,
        });
        break;
      }
      case 'propertyNames':
        problems.add(
          'SCHEMA_PATTERN',
          `${path}/${pointerKey(params.propertyName)}`,
          `key ${shown(params.propertyName)} in ${where} is not a QOM property name (a letter, then letters, digits, "_" or "-"; not id or qom-type)`,
          { key: true },
        );
        break;
      case 'required':
        problems.add('SCHEMA_REQUIRED', path, `${where} is missing required key "${params.missingProperty}"`);
        break;
      case 'type':
        problems.add('SCHEMA_TYPE', path, `${where} must be ${params.type}, got ${got}`);
        break;
      case 'enum':
        problems.add(
          'SCHEMA_ENUM',
          path,
          `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`,
        );
        break;
      case 'const':
        problems.add('SCHEMA_ENUM', path, `${where} must be ${JSON.stringify(params.allowedValue)}, got ${got}`);
        break;
      case 'pattern': {
        const known = PATTERN_WORDS[params.pattern as string];
        if (known) problems.add(known.code, path, `${where} ${got} ${known.words}`);
        else if (params.pattern === '\\S') problems.add('SCHEMA_RANGE', path, `${where} must not be empty or blank`);
        else problems.add('SCHEMA_PATTERN', path, `${where} ${got} does not match ${params.pattern}`);
        break;
      }
      case 'not':
        problems.add('SCHEMA_INVALID', path, `${where} ${e.message ?? 'is invalid'}`);
        break;
      case 'minimum':
      case 'maximum':
      case 'minLength':
        problems.add('SCHEMA_RANGE', path, `${where} ${e.message}, got ${got}${rangeHint(path)}`);
        break;
      case 'minItems':
      case 'maxItems':
        problems.add('SCHEMA_COUNT', path, `${where} ${e.message}`);
        break;
      case 'anyOf': {
        const value = valueAt(doc, path);
        const size = /\/(size|memory)$/.test(path) && (typeof value === 'string' || typeof value === 'number');
        if (size) problems.add('INVALID_SIZE', path, `${where} ${got} is not a size: ${sizeHint(value as string | number)}`);
        else
          problems.add(
            'SCHEMA_INVALID',
            path,
            `${where} has an invalid value ${got}${/\/run$/.test(path) ? ' (a list of non-empty strings, or one non-blank command line)' : ''}`,
          );
        break;
      }
      default:
        problems.add('SCHEMA_INVALID', path, `${where} ${e.message ?? 'is invalid'}`);
    }
  }
  return false;
}
