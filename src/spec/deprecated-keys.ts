import type { ProblemList } from './errors.js';

/**
 * Keys renamed in the format, still read under their old names with a warning. Runs on the raw
 * document before the schema, so the schema (and its defaults) see only the new names.
 *
 * `on` (extra filters) became `side`: YAML 1.1 readers such as PyYAML read the key `on` as `true`.
 * Each rename is pushed to `renamed` as [new pointer, old pointer], so positions can be found.
 */
export function renameDeprecatedKeys(raw: any, problems: ProblemList, renamed: Array<[to: string, from: string]> = []): void {
  const netdevs = raw?.spec?.netdevs;
  if (!Array.isArray(netdevs)) return;
  netdevs.forEach((n: any, i: number) => {
    const extra = n?.filters?.extra;
    if (!Array.isArray(extra)) return;
    extra.forEach((f: any, j: number) => {
      if (f === null || typeof f !== 'object' || Array.isArray(f) || !Object.hasOwn(f, 'on')) return;
      const path = `/spec/netdevs/${i}/filters/extra/${j}/on`;
      if (Object.hasOwn(f, 'side')) {
        problems.add('SCHEMA_UNKNOWN_KEY', path, 'give "side" only: "on" is its old name', { key: true });
        return;
      }
      problems.warn('DEPRECATED_KEY', path, '"on" is deprecated: write "side" (YAML 1.1 readers take the key on for true)', { key: true });
      f.side = f.on;
      delete f.on;
      // problems about side are shown where the file says on
      renamed.push([path.replace(/\/on$/, '/side'), path]);
    });
  });
}
